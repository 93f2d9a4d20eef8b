"""What every evidence layer of METHODS.md §2 takes and gives, so layers can be combined.

A layer is a pure function `layer(rows, info, **params) -> pl.DataFrame`:

- `rows`: the canonical pupil frame of ONE test (objectivity.analysis.schema), already limited to
  rows that count: valid, present, total not null. Columns used: school_login, total, journal_mark,
  class_letter, task_1..task_K.
- `info`: the test's reference data (TestInfo below).
- output: one row per school_login present in `rows`, with exactly these columns:
    school_login (str), n (int: present participants), stat_<layer> (float: the layer's statistic,
    larger = more suspicious), p_<layer> (float in [0, 1]: one-sided p-value against the layer's
    explicit null, small = suspicious; null when the layer cannot say anything for this school),
    explain_<layer> (str: the explanation as JSON text {"code": <layer>, numbers…}, empty when p is null;
    objectivity.analysis.wording renders it as a plain Russian sentence with the numbers).

The null of every layer must hold on clean generated regions (objectivity.analysis.synth without
injections): at α = 0.05 the share of schools with p < α lies in [0.03, 0.07] in every size band of
present pupils (1-9, 10-19, 20-49, 50+), where the layer gives p-values at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from objectivity.analysis.synth_core import TestSpec as TestSpecLike

SIZE_BANDS = ((1, 9), (10, 19), (20, 49), (50, 10**9))


@dataclass(frozen=True)
class TestInfo:
    """Reference data of one test as the layers need it."""

    __test__ = False  # not a pytest class

    max_total: int
    cuts: tuple[int, int, int] | None  # lowest primary score for «3», «4», «5»
    column_max: tuple[int, ...]  # per scoring column task_1..task_K
    levels: tuple[str, ...] = ()  # Б / П / В per column, when known
    criterion: tuple[bool, ...] = ()  # teacher-judged criterion columns, when known
    auto: tuple[bool, ...] = ()  # scored by the computer (cannot be inflated by the school)
    levels_estimated: bool = False  # levels estimated from the region's data (analysis.difficulty), not official


def size_band(n: int) -> str:
    for low, high in SIZE_BANDS:
        if low <= n <= high:
            return f"{low}-{high}" if high < 10**9 else f"{low}+"
    return "0"


def info_from_spec(spec: TestSpecLike) -> TestInfo:
    """TestInfo of a generated test (objectivity.analysis.synth.TestSpec)."""
    columns = spec.columns
    return TestInfo(
        max_total=spec.max_total,
        cuts=spec.cuts,
        column_max=tuple(c.max for c in columns),
        levels=tuple(c.level for c in columns),
        criterion=tuple(c.criterion for c in columns),
        auto=tuple(False for _ in columns),
    )
