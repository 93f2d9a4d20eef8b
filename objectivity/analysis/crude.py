"""Three crude statistics with no null model (METHODS.md §3), the yardstick the layers must beat on real data.

Each is a plain descriptive figure per school × test, computed from the pupils who count (valid, present,
with a total); none has a p-value, only a direction (higher = more suspicious):
- `crude_bunching`: pupils at {c, c + 1} over pupils at {c − 2, c − 1}, summed over the «3» and «4» cuts c,
  as (above + 0.5) / (below + 0.5) so that empty cells give a finite ratio;
- `crude_hard`: the school's share of the maximum on the last two scoring columns minus what its share on
  the other columns predicts by a straight line fitted over the region's schools (least squares);
- `crude_journal`: the share of pupils with a journal mark whose ВПР mark equals it.
`crude_rank` sums the three as ranks within the test (each scaled to (0, 1]; a missing figure counts as the
middle, 0.5), so that a school strong on one and ordinary on the others still rises.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from objectivity.analysis.describe import mark_expr
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import counted_rows, task_columns

CRUDE = ("crude_bunching", "crude_hard", "crude_journal")
CRUDE_RANK = "crude_rank"
HARD_COLUMNS = 2


def crude_statistics(frame: pl.DataFrame, info: TestInfo) -> pl.DataFrame:
    """One row per school of one test's pupil rows: school_login, n and the three crude statistics."""
    rows = counted_rows(frame)
    out = rows.group_by("school_login").agg(pl.len().alias("n"))
    out = out.join(_bunching(rows, info), on="school_login", how="left")
    out = out.join(_hard(rows, info), on="school_login", how="left")
    return out.join(_journal(rows, info), on="school_login", how="left").sort("school_login")


def _bunching(rows: pl.DataFrame, info: TestInfo) -> pl.DataFrame:
    if info.cuts is None:
        return rows.select("school_login").unique().with_columns(pl.lit(None, pl.Float64).alias("crude_bunching"))
    total = pl.col("total")
    above = pl.sum_horizontal([total.is_between(c, c + 1).cast(pl.Int32) for c in info.cuts[:2]])
    below = pl.sum_horizontal([total.is_between(c - 2, c - 1).cast(pl.Int32) for c in info.cuts[:2]])
    return rows.group_by("school_login").agg(
        ((above.sum() + 0.5) / (below.sum() + 0.5)).cast(pl.Float64).alias("crude_bunching")
    )


def _hard(rows: pl.DataFrame, info: TestInfo) -> pl.DataFrame:
    tasks = task_columns(rows)
    empty = rows.select("school_login").unique().with_columns(pl.lit(None, pl.Float64).alias("crude_hard"))
    if len(tasks) <= HARD_COLUMNS:
        return empty
    last, rest = tasks[-HARD_COLUMNS:], tasks[:-HARD_COLUMNS]
    known = len(info.column_max) == len(tasks)
    maxima = info.column_max if known else rows.select(pl.col(tasks).max()).row(0)  # else the highest score seen
    top = dict(zip(tasks, maxima, strict=True))
    last_max, rest_max = sum(top[c] or 0 for c in last), sum(top[c] or 0 for c in rest)
    if not last_max or not rest_max:
        return empty
    shares = rows.group_by("school_login").agg(
        (pl.sum_horizontal(pl.col(last).fill_null(0)).sum() / (pl.len() * last_max)).alias("_hard"),
        (pl.sum_horizontal(pl.col(rest).fill_null(0)).sum() / (pl.len() * rest_max)).alias("_rest"),
    )
    x, y = shares["_rest"].to_numpy().astype(float), shares["_hard"].to_numpy().astype(float)
    slope, intercept = np.polyfit(x, y, 1) if len(x) >= 2 and np.ptp(x) > 0 else (0.0, float(np.mean(y)))
    return shares.select("school_login", (pl.col("_hard") - (intercept + slope * pl.col("_rest"))).alias("crude_hard"))


def _journal(rows: pl.DataFrame, info: TestInfo) -> pl.DataFrame:
    if info.cuts is None or "journal_mark" not in rows.columns:
        return rows.select("school_login").unique().with_columns(pl.lit(None, pl.Float64).alias("crude_journal"))
    marked = rows.filter(pl.col("journal_mark").is_not_null())
    agree = (mark_expr(info.cuts) == pl.col("journal_mark")).cast(pl.Float64)
    return marked.group_by("school_login").agg(agree.mean().alias("crude_journal"))


def with_rank_sum(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """`crude_rank`: the sum over CRUDE of each statistic's rank within the groups `by` (ties averaged), scaled
    to (0, 1] by the group's count of that statistic; a missing statistic counts 0.5."""
    parts = [
        (pl.col(c).rank("average").over(by) / pl.col(c).count().over(by)).fill_null(0.5).fill_nan(0.5) for c in CRUDE
    ]
    return frame.with_columns(pl.sum_horizontal(parts).alias(CRUDE_RANK))
