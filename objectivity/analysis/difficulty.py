"""Task levels (Б / П / В) estimated from the region's own results, for tests whose description gives none.

Some official descriptions leave «Уровень сложности» empty (Russian of grades 5-8 in 2021), and a work
imported without a description has no levels at all. The layers that compare basic with advanced tasks
(L2) then need an estimate: a column's facility is the region's mean score on it as a share of its
maximum; the hardest third of the columns (at least two) count as advanced («П»), those of them that
fewer than a quarter of the points were scored on as high («В»), the rest as basic («Б»). The third
follows ФИОКО's works, where a quarter to a third of the columns are of the advanced levels. Every text
that uses such levels says that they were estimated («уровень сложности оценён по данным региона»).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import task_column

ADVANCED_SHARE = 1 / 3
HIGH_FACILITY = 0.25


def with_levels(info: TestInfo, rows: pl.DataFrame) -> TestInfo:
    """`info` itself when every column has a level; else with the missing levels estimated from `rows`."""
    count = len(info.column_max)
    known = list(info.levels) if len(info.levels) == count else [""] * count
    if count < 3 or all(known):
        return info
    facility = _facility(rows, info.column_max)
    if facility is None:
        return info
    estimated = _levels_of(facility)
    levels = tuple(level or estimated[i] for i, level in enumerate(known))
    return replace(info, levels=levels, levels_estimated=True)


def _facility(rows: pl.DataFrame, maxima: tuple[int, ...]) -> np.ndarray | None:
    names = [task_column(i) for i in range(1, len(maxima) + 1)]
    if rows.is_empty() or any(name not in rows.columns for name in names):
        return None
    means = rows.select(pl.col(name).fill_null(0).clip(0).mean() for name in names).row(0)
    return np.array([float(m or 0) / top for m, top in zip(means, maxima, strict=True)])


def _levels_of(facility: np.ndarray) -> list[str]:
    advanced = max(2, round(len(facility) * ADVANCED_SHARE))
    hardest = set(np.argsort(facility, kind="stable")[:advanced].tolist())
    return [("В" if facility[i] < HIGH_FACILITY else "П") if i in hardest else "Б" for i in range(len(facility))]
