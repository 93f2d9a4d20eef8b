"""Evidence layer «absence»: were the weakest pupils kept away from the work?

Question (METHODS.md §3, kind "exclude"): among a school's pupils, are the absent ones concentrated
among those the journal calls weak (mark «2» or «3») beyond what the region shows?

Method. Absence and weakness are related everywhere (weaker pupils miss school more often), so the null
is not independence but the region's own odds ratio ψ between "weak" and "absent". Given a school's
numbers — pupils with a journal mark M, weak ones n, absent ones N — the count of weak absent pupils X
follows Fisher's noncentral hypergeometric distribution with odds ψ (the exact conditional
distribution of a 2×2 table with a given odds ratio; Fisher 1935, McCullagh & Nelder 1989 §7.3;
scipy.stats.nchypergeom_fisher). One-sided randomised p = P(X > x) + U·P(X = x), uniform under the
null. Schools with no absent pupil, no weak or no strong pupil get p = null (nothing to compare).

Input: EVERY row of one test (absent ones too: this layer needs them), with school_login, absent,
journal_mark. Output (markers/base.py): school_login, n (present participants), stat_absence
(observed − expected weak absent pupils), p_absence, explain_absence.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from objectivity.analysis.markers.base import TestInfo

WEAK_MARKS = (2, 3)


def region_odds_ratio(rows: pl.DataFrame) -> float:
    """Odds of being absent for weak vs other pupils over the whole region (0.5 added to each cell)."""
    marked = rows.filter(pl.col("journal_mark").is_not_null())
    weak = marked["journal_mark"].is_in(WEAK_MARKS).to_numpy()
    absent = marked["absent"].to_numpy()
    a, b = np.sum(weak & absent) + 0.5, np.sum(weak & ~absent) + 0.5
    c, d = np.sum(~weak & absent) + 0.5, np.sum(~weak & ~absent) + 0.5
    return float((a * d) / (b * c))


def absence(rows: pl.DataFrame, info: TestInfo, *, seed: int = 0) -> pl.DataFrame:
    """One row per school of `rows`; see the module docstring."""
    odds = region_odds_ratio(rows)
    counts = _school_counts(rows)
    rng = np.random.default_rng(seed)
    uniforms = rng.uniform(size=counts.height)
    results = [_school_test(row, odds, u) for row, u in zip(counts.iter_rows(named=True), uniforms, strict=True)]
    stat, p, explain = zip(*results, strict=True) if results else ((), (), ())
    return counts.select(
        "school_login",
        "n",
        pl.Series("stat_absence", list(stat), dtype=pl.Float64),
        pl.Series("p_absence", list(p), dtype=pl.Float64),
        pl.Series("explain_absence", list(explain), dtype=pl.String),
    )


def _school_counts(rows: pl.DataFrame) -> pl.DataFrame:
    marked = pl.col("journal_mark").is_not_null()
    weak = pl.col("journal_mark").is_in(WEAK_MARKS)
    return (
        rows.group_by("school_login")
        .agg(
            (~pl.col("absent")).sum().alias("n"),
            marked.sum().alias("m"),
            (marked & weak).sum().alias("weak"),
            (marked & pl.col("absent")).sum().alias("absent"),
            (weak & pl.col("absent")).sum().alias("weak_absent"),
        )
        .sort("school_login")
    )


def _school_test(row: dict[str, int], odds: float, u: float) -> tuple[float | None, float | None, str]:
    m, weak, absent, x = row["m"], row["weak"], row["absent"], row["weak_absent"]
    if absent == 0 or weak == 0 or weak == m:
        return None, None, ""
    law = stats.nchypergeom_fisher(m, weak, absent, odds)
    p = float(law.sf(x) + u * law.pmf(x))
    expected = float(law.mean())
    text = (
        f"отсутствовали {absent} из {m} учеников с отметкой по журналу; из них с отметкой «2» или «3» — {x}, "
        f"ожидалось {expected:.1f} при обычном для региона соотношении".replace(".", ",")
    )
    return x - expected, min(1.0, max(0.0, p)), text
