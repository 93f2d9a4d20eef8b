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
from scipy import special

from objectivity.analysis.markers.base import TestInfo

WEAK_MARKS = (2, 3)
Ints = np.ndarray
Floats = np.ndarray
Bools = np.ndarray


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
    m, weak, absent, x = (counts[c].to_numpy().astype(np.int64) for c in ("m", "weak", "absent", "weak_absent"))
    testable = (absent > 0) & (weak > 0) & (weak < m)
    expected, above, at = _noncentral_laws(m[testable], weak[testable], absent[testable], x[testable], odds)
    stat, p = np.full(counts.height, np.nan), np.full(counts.height, np.nan)
    stat[testable] = x[testable] - expected
    p[testable] = np.clip(above + uniforms[testable] * at, 0.0, 1.0)
    return counts.select(
        "school_login",
        "n",
        pl.Series("stat_absence", stat, dtype=pl.Float64).fill_nan(None),
        pl.Series("p_absence", p, dtype=pl.Float64).fill_nan(None),
        pl.Series("explain_absence", _explanations(m, absent, x, expected, testable), dtype=pl.String),
    )


def _noncentral_laws(m: Ints, weak: Ints, absent: Ints, x: Ints, odds: float) -> tuple[Floats, Floats, Floats]:
    """Mean, P(X > x) and P(X = x) of Fisher's noncentral hypergeometric law, for all schools at once.

    The law of X given (M, n, N, ψ): P(X = k) ∝ C(n, k)·C(M − n, N − k)·ψ^k on max(0, N − M + n) ≤ k ≤ min(n, N)
    (the pmf of scipy.stats.nchypergeom_fisher), evaluated in logs on a padded grid of k per school.
    """
    if not len(m):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    low = np.maximum(0, absent - (m - weak))
    width = int((np.minimum(weak, absent) - low).max()) + 1
    k = low[:, None] + np.arange(width)[None, :]
    inside = k <= np.minimum(weak, absent)[:, None]
    kk = np.where(inside, k, low[:, None])
    log_w = _log_choose(weak[:, None], kk) + _log_choose((m - weak)[:, None], absent[:, None] - kk) + kk * np.log(odds)
    log_w = np.where(inside, log_w, -np.inf)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    pmf = w / w.sum(axis=1, keepdims=True)
    mean = (pmf * k).sum(axis=1)
    above = np.where(k > x[:, None], pmf, 0.0).sum(axis=1)
    at = np.where(k == x[:, None], pmf, 0.0).sum(axis=1)
    return mean, above, at


def _log_choose(n: Ints, k: Ints) -> Floats:
    return np.asarray(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1))


def _explanations(m: Ints, absent: Ints, x: Ints, expected: Floats, testable: Bools) -> list[str]:
    texts = [""] * len(m)
    for i, e in zip(np.flatnonzero(testable), expected, strict=True):
        texts[i] = (
            f"отсутствовали {absent[i]} из {m[i]} учеников с отметкой по журналу; из них с отметкой «2» или «3» — "
            f"{x[i]}, ожидалось {e:.1f} при обычном для региона соотношении".replace(".", ",")
        )
    return texts


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
