"""L4 «journal vs ВПР»: are pupils lifted to the cut score of their own journal mark? (METHODS.md §2)

Question. Does the ВПР mark follow the journal mark more closely than the region's relation between
journal marks and scores predicts, in the way a school does it when it gives a pupil the 1-3 missing
points so the ВПР mark «confirms» the journal?

Method. For a pupil with journal mark J ∈ {3, 4, 5} the manipulable window is the scores from 3 points
under the cut of «J» (but not under the cut of «J − 1») up to that cut. Inside it the ВПР mark equals
the journal mark (describe.mark_expr) exactly when the score is the cut itself. Lifting pupils to the
journal mark empties the lower part of the window and piles them at the cut. Per school we count
window pupils whose ВПР mark equals the journal mark.
- The null is the region's own relation: per journal mark, a logistic regression of «at the cut»
  on (a) the school's level relative to the journal, the mean over its pupils OUTSIDE the windows of
  score − region mean score of their journal mark, shrunk toward 0 by its reliability (empirical
  Bayes), and (b) the pupil's points on columns that are not criterion-judged (an anchor a school
  cannot easily raise; left out when TestInfo.criterion is unknown). Conditioning on (a) matters:
  a school whose pupils score above their journal marks naturally has more of them at the upper end
  of the window, which without it makes big clean schools look suspicious.
- Null hypothesis: given these covariates, pupils are at the cut with the region's fitted chance,
  shifted together by a school effect of the region's own spread (markers.exact.school_spread: real
  schools differ in marking beyond the covariates; a fixed-chance null gave p < 0.05 to 9-14 % of the
  real schools of a region). The count is then a mixture of Poisson-binomial laws (exactly
  Poisson-binomial when the region shows no spread); the one-sided p-value is randomised,
  P(X > x) + U·P(X = x) with U ~ Uniform(0, 1) from numpy.random.default_rng(seed), so it is
  exactly uniform under the null.
- The region's heaping at «3» and «4» (graders everywhere) is in the fitted chances, so it is not
  held against a school. Pupils without a journal mark are left out; those with «2» (no lower cut to
  be lifted from) count only toward the school's level.

Output (markers/base.py): school_login, n, stat_journal = (observed − expected) / √variance of the
count (larger = more pupils at the cut of their journal mark than expected), p_journal,
explain_journal (code "journal": per journal mark its window, pupils, those at the cut and the expected
count; rendered by objectivity.analysis.wording). p is null, and the explanation empty, when the school has
no pupil in any window (about a third of schools under 10 pupils) or the test has no cuts.

Checks (tests/analysis/test_layer_journal.py): on clean generated regions the share of schools
with p < 0.05 is 0.047-0.057 in every size band; injected «journal» schools get p < 0.05 in 24% /
37% / 56% / 92% of cases with 1-9 / 10-19 / 20-49 / 50+ pupils («push»: 11-32%, «inflate»: at the
null). Cost: about 10-40 ms per test of 600-1,000 schools.

References: ФИОКО recommendations on the comparison of ВПР marks with journal marks (2026; gaps of
two marks and more, also shown by describe.journal_comparison); the Dutch rule on the difference
between the school exam and the central exam (SE − CE, Inspectie van het Onderwijs); Swedish
re-marking of national tests (Skolinspektionen) and Diamond & Persson (2016), NBER w22207, on teachers
lifting pupils just under a grade threshold.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from objectivity.analysis.describe import mark_expr
from objectivity.analysis.markers import exact
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import task_column
from objectivity.analysis.wording import encode

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
WINDOW = 3  # points under the cut a school can add to reach the journal mark [собственный]
MARKS = (3, 4, 5)  # journal marks that have a cut to be lifted to
OUTPUT = {
    "school_login": pl.String,
    "n": pl.Int64,
    "stat_journal": pl.Float64,
    "p_journal": pl.Float64,
    "explain_journal": pl.String,
}
Cuts = tuple[int, int, int]


def journal(rows: pl.DataFrame, info: TestInfo, *, seed: int = 0, window: int = WINDOW) -> pl.DataFrame:
    """One row per school: pupils whose ВПР mark reaches their journal mark at its cut, vs the region."""
    schools = rows.group_by("school_login").agg(pl.len().cast(pl.Int64).alias("n")).sort("school_login")
    if info.cuts is None or schools.is_empty():
        return _without_evidence(schools)
    marked = _with_window(rows, info.cuts, window).with_columns(_objective_points(info).alias("objective"))
    level = _school_level(marked, schools)
    pupils = marked.filter(pl.col("inside")).join(level, on="school_login", how="left")
    pupils = pupils.with_columns(pl.Series("chance", _chances(pupils))).sort("school_login")
    return _finish(schools, pupils, info.cuts, window, seed)


def _without_evidence(schools: pl.DataFrame) -> pl.DataFrame:
    nulls = [pl.lit(None, pl.Float64).alias("stat_journal"), pl.lit(None, pl.Float64).alias("p_journal")]
    return schools.with_columns(*nulls, pl.lit("").alias("explain_journal")).cast(OUTPUT)  # type: ignore[arg-type]


def _objective_points(info: TestInfo) -> pl.Expr:
    """Points on columns that are not criterion-judged; 0 when the columns' kinds are unknown."""
    columns = [task_column(j + 1) for j, judged in enumerate(info.criterion) if not judged]
    if not columns or len(columns) == len(info.column_max):
        return pl.lit(0.0)
    return pl.sum_horizontal(pl.col(c).cast(pl.Float64).fill_null(0.0) for c in columns)


def _with_window(rows: pl.DataFrame, cuts: Cuts, window: int) -> pl.DataFrame:
    """Pupils with a journal mark; `inside` the window under the cut of their mark; `confirmed` when
    the ВПР mark equals the journal mark (inside the window: the score is the cut itself)."""
    journal_mark = pl.col("journal_mark").cast(pl.Int64)
    cut = journal_mark.replace_strict({3: cuts[0], 4: cuts[1], 5: cuts[2]}, default=None)
    cut_below = journal_mark.replace_strict({3: 0, 4: cuts[0], 5: cuts[1]}, default=None)
    low = pl.max_horizontal(cut - window, cut_below)
    inside = (pl.col("total") >= low) & (pl.col("total") <= cut)
    return rows.filter(journal_mark.is_not_null()).with_columns(
        journal_mark.alias("journal"),
        inside.fill_null(False).alias("inside"),
        (mark_expr(cuts).cast(pl.Int64) == journal_mark).alias("confirmed"),
    )


def _school_level(marked: pl.DataFrame, schools: pl.DataFrame) -> pl.DataFrame:
    """Each school's mean score minus the region's mean for the same journal mark, over pupils outside
    the windows (a lift to the cut does not move it), shrunk toward 0 by its reliability."""
    score = pl.col("total").cast(pl.Float64)
    per_school = (
        marked.filter(~pl.col("inside"))
        .with_columns((score - score.mean().over("journal")).alias("residual"))
        .group_by("school_login")
        .agg(pl.col("residual").mean().alias("raw"), pl.col("residual").var().alias("var"), pl.len().alias("m"))
    )
    shrunk = per_school.select("school_login", (pl.col("raw") * _reliability(per_school)).alias("level"))
    return schools.select("school_login").join(shrunk, on="school_login", how="left").fill_null(0.0)


def _reliability(per_school: pl.DataFrame) -> pl.Expr:
    """Empirical-Bayes weight τ² / (τ² + σ²/m) of each school's raw level."""
    size = per_school["m"].to_numpy().astype(np.float64)
    variance = per_school["var"].fill_null(0.0).to_numpy().astype(np.float64)
    within = float((variance * (size - 1)).sum() / max((size - 1).sum(), 1.0))
    raw = per_school["raw"].to_numpy().astype(np.float64)
    between = max(float(raw.var(ddof=1)) - float((within / size).mean()), 1e-6) if len(raw) > 1 else 1e-6
    return pl.lit(between) / (pl.lit(between) + within / pl.col("m").cast(pl.Float64))


def _chances(pupils: pl.DataFrame) -> FloatArray:
    """Each window pupil's chance of a confirmed mark under the null: per journal mark, the region's
    logistic relation with the school's level and the pupil's objective points."""
    chances = np.zeros(pupils.height)
    journal_mark = pupils["journal"].to_numpy()
    for mark in MARKS:
        these = journal_mark == mark
        level, objective = pupils["level"].to_numpy()[these], pupils["objective"].to_numpy()[these]
        design = np.column_stack([np.ones(these.sum()), level, objective - (objective.mean() if these.any() else 0.0)])
        coef = fit_logistic(design, pupils["confirmed"].to_numpy()[these].astype(float))
        chances[these] = 1.0 / (1.0 + np.exp(-(design @ coef)))
    return chances


def fit_logistic(design: FloatArray, outcome: FloatArray, steps: int = 30) -> FloatArray:
    """Maximum-likelihood coefficients of logit P(outcome = 1) = design · coef (Newton's method, with
    a tiny ridge so a constant column, e.g. unknown objective points, stays solvable)."""
    coef = np.zeros(design.shape[1])
    ridge = 1e-6 * np.eye(design.shape[1])
    for _ in range(steps if len(outcome) else 0):
        fitted = 1.0 / (1.0 + np.exp(-(design @ coef)))
        hessian = design.T @ (design * (fitted * (1 - fitted))[:, None]) + ridge
        coef = coef + np.linalg.solve(hessian, design.T @ (outcome - fitted) - ridge @ coef)
    return coef


def _finish(schools: pl.DataFrame, pupils: pl.DataFrame, cuts: Cuts, window: int, seed: int) -> pl.DataFrame:
    trials, hits, expected = _counts_by_mark(pupils, schools)
    observed = hits.sum(axis=1)
    pmf = _null_pmf(pupils, schools)
    p = exact.randomised_upper_p(pmf, observed, np.random.default_rng(seed).uniform(size=len(observed)))
    has = trials.sum(axis=1) > 0
    mean, spread = exact.pmf_moments(pmf)
    stat = (observed - mean) / np.maximum(spread, 1e-6)
    explain = [_explain(trials[i], hits[i], expected[i], cuts, window) if has[i] else "" for i in range(len(has))]
    return schools.with_columns(
        pl.Series("stat_journal", np.where(has, stat, np.nan)).fill_nan(None),
        pl.Series("p_journal", np.where(has, p, np.nan)).fill_nan(None),
        pl.Series("explain_journal", explain, dtype=pl.String),
    ).cast(OUTPUT)  # type: ignore[arg-type]


def _counts_by_mark(pupils: pl.DataFrame, schools: pl.DataFrame) -> tuple[IntArray, IntArray, FloatArray]:
    """Schools × journal marks 3, 4, 5: window pupils, confirmed marks, and the null's expected count."""
    grid = schools.select("school_login").join(pl.DataFrame({"journal": list(MARKS)}), how="cross")
    counted = pupils.group_by("school_login", "journal").agg(
        pl.len().cast(pl.Int64).alias("trials"),
        pl.col("confirmed").sum().cast(pl.Int64).alias("hits"),
        pl.col("chance").sum().alias("expected"),
    )
    table = grid.join(counted, on=["school_login", "journal"], how="left").fill_null(0)
    table = table.sort("school_login", "journal")
    shape = (schools.height, len(MARKS))
    trials, hits = (table[c].to_numpy().astype(np.int64).reshape(shape) for c in ("trials", "hits"))
    return trials, hits, table["expected"].to_numpy().astype(np.float64).reshape(shape)


def _null_pmf(pupils: pl.DataFrame, schools: pl.DataFrame) -> FloatArray:
    """Per school, the law of its count of confirmed marks: the window pupils' chances shifted together by
    a school effect of the region's spread (exact.school_spread; on real exports a fixed-chance null gave
    p < 0.05 to 9-14 % of schools). `pupils` must be sorted by school_login, as `schools` is."""
    school = schools["school_login"].search_sorted(pupils["school_login"]).to_numpy().astype(np.int64)
    chance = np.maximum(pupils["chance"].to_numpy().astype(np.float64), 1e-12)
    tau = exact.school_spread(school, chance, pupils["confirmed"].to_numpy())
    return exact.mixed_pmf(school, chance, schools.height, tau)


def _explain(trials: IntArray, hits: IntArray, expected: FloatArray, cuts: Cuts, window: int) -> str:
    """Code "journal": per journal mark with pupils in its window, the window (`low` to the `cut`), its pupils,
    those exactly at the cut and how many were expected; then the totals."""
    marks = [
        {
            "mark": mark,
            "low": int(max(cuts[k] - window, cuts[k - 1] if k else 0)),
            "cut": int(cuts[k]),
            "trials": int(trials[k]),
            "hits": int(hits[k]),
            "expected": float(expected[k]),
        }
        for k, mark in enumerate(MARKS)
        if trials[k]
    ]
    return encode("journal", marks=marks, hits=int(hits.sum()), expected=float(expected.sum()))
