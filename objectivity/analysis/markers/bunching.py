"""L1 cut-off bunching: are a school's pupils piled just at the «3» and «4» cut scores (METHODS.md §2)?

Method. For each of the «3» and «4» cuts c, the window is the four scores c−2..c+1: its upper half
{c, c+1} is at or just over the cut, its lower half {c−2, c−1} just under it. A pupil of the school
whose total falls in a window is «over» when it is in the upper half. The whole region is heaped at
the cuts even when clean (3.5-8.5× at the «3» cut vs one point under), so the expected share over
the cut is not 50% and is not read off the raw histogram of one school: it is the region's own rate,
for a pupil with the same anchor score, in a school of the same level. The anchor is what the school
cannot mark up: the sum of the columns that are not criterion-graded (short answers, computer-scored
columns); the school's level is its empirical-Bayes shrunk mean anchor score (shrunk toward the
region, so small schools are not given an extreme level by chance). Per window, a logistic
regression over all the region's window pupils gives each pupil's chance of being over the cut from
[1, o, o², s, o·s] (o the pupil's anchor score, s the school's level). When the test does not say
which columns are criterion-graded, the pupil's anchor is dropped and s is the shrunk mean total.

Null hypothesis. Given their anchor scores and their school's level, the school's window pupils land
over the cut with the region's rates, shifted together by a school effect of the region's own spread
(markers.exact: a random intercept on the logit, its τ estimated from all the region's schools; on real
exports a fixed-rate null gave p < 0.05 to 8-14 % of schools, because classes share a teacher's marking):
the count over the cut (both windows together) is a mixture of Poisson-binomial laws. The p-value is the randomised upper tail P(X > k) + U·P(X = k), U ~ U(0, 1)
from numpy.random.default_rng(seed) in the order of sorted logins, so it is exactly uniform under
the null (a discrete count cannot give that otherwise). Schools with no pupil in either window get
p = null: the layer says nothing about them. A region's rates are estimated on all its schools,
manipulated ones included, which only makes the layer more cautious — unless `reference` names schools
whose results are known to be objective (the «ВПР с контролем объективности» sample, written under
outside control): then, per window with at least MIN_REFERENCE_PUPILS of their pupils, the rates are
fitted on those pupils alone and applied to every school, so the region's own heaping no longer hides
a school's; the spread of the school effect is then estimated on them too.

Output (markers.base): school_login, n, stat_bunching (z = (over − expected) / sd of the
Poisson-binomial, 0 when the sd is 0; larger = more pupils over the cuts than expected),
p_bunching, explain_bunching (code "bunching" — per cut: expected and seen pupils under and over the cut;
rendered by objectivity.analysis.wording).

Speed: a region of 1,000 schools × 30 pupils takes about 0.02 s per test (measured).

References: Dee, Dobbie, Jacob & Rockoff (2019), The Causes and Consequences of Test Score
Manipulation, AEJ: Applied 11(3) (bunching just above the Regents cut scores against a smooth
counterfactual); Diamond & Persson (2016), The Long-term Consequences of Teacher Discretion in
Grading, NBER w22207 (excess mass at grade thresholds, counterfactual from the distribution of
scores that cannot be manipulated).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.markers.exact import mixed_pmf, pmf_moments, randomised_upper_p, school_spread
from objectivity.analysis.schema import task_columns
from objectivity.analysis.wording import encode

Array = npt.NDArray[Any]

LAYER = "bunching"
CUTS_TESTED = 2  # «3» and «4»: the cuts where a push changes a pupil's mark the school reports
BELOW, ABOVE = 2, 2  # window c−2..c+1
RIDGE = 1e-3  # keeps the logistic fit finite when a window is (almost) all over or all under the cut
MARK_NAMES = ("3", "4", "5")
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "school_login": pl.String(),
    "n": pl.Int64(),
    f"stat_{LAYER}": pl.Float64(),
    f"p_{LAYER}": pl.Float64(),
    f"explain_{LAYER}": pl.String(),
}
RARE = 0.2  # above it the explanation says there is no excess worth reporting
MIN_REFERENCE_PUPILS = 200  # [собственный] reference pupils in a window needed to fit its rates on them alone


@dataclass(frozen=True)
class Pupils:
    """The rows that count, as arrays: school index, total, anchor score, and per-school level."""

    logins: Array  # sorted unique logins
    school: Array  # index into logins, per pupil
    total: Array
    anchor: Array | None  # per pupil, None when the test does not say which columns are objective
    level: Array  # per school


def bunching(
    rows: pl.DataFrame, info: TestInfo, *, seed: int = 0, reference: Collection[str] | None = None
) -> pl.DataFrame:
    """One row per school: excess of pupils at {c, c+1} over {c−2, c−1} at the «3» and «4» cuts.
    `reference`: logins of schools with results known to be objective (module docstring)."""
    if rows.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    pupils = _pupils(rows, info)
    n = np.bincount(pupils.school, minlength=len(pupils.logins))
    cuts = tuple(info.cuts[:CUTS_TESTED]) if info.cuts is not None else ()
    window, over = _windows(pupils.total, cuts)
    clean = np.isin(pupils.logins, list(reference or ()))[pupils.school]
    chance = _chance_over(pupils, window, over, clean)
    counts = _school_counts(pupils, window, over, chance, len(cuts))
    inside = window >= 0
    spread_from = clean[inside] if clean[inside].sum() >= MIN_REFERENCE_PUPILS else np.ones(int(inside.sum()), bool)
    p, z = _tail(pupils.school[inside], chance[inside], over[inside], spread_from, counts, seed)
    anchored = pupils.anchor is not None
    texts = [_explain(counts, i, cuts, p[i], anchored) for i in range(len(pupils.logins))]
    return pl.DataFrame(
        {
            "school_login": pl.Series(pupils.logins.tolist(), dtype=pl.String),
            "n": pl.Series(n, dtype=pl.Int64),
            f"stat_{LAYER}": pl.Series(z, dtype=pl.Float64, nan_to_null=True),
            f"p_{LAYER}": pl.Series(p, dtype=pl.Float64, nan_to_null=True),
            f"explain_{LAYER}": pl.Series(texts, dtype=pl.String),
        }
    )


# --- pupils, anchors and school levels ---------------------------------------------------------


def _pupils(rows: pl.DataFrame, info: TestInfo) -> Pupils:
    logins, school = np.unique(rows["school_login"].to_numpy().astype(str), return_inverse=True)
    total = rows["total"].to_numpy().astype(np.int64)
    anchor = _anchor(rows, info)
    basis = anchor if anchor is not None else total.astype(float)
    return Pupils(logins, school, total, anchor, _shrunk_level(basis, school, len(logins)))


def _anchor(rows: pl.DataFrame, info: TestInfo) -> Array | None:
    """Sum of the columns the school cannot mark up (not criterion-graded, or computer-scored), if known."""
    columns = task_columns(rows)
    if len(info.criterion) != len(columns):
        return None
    auto = info.auto if len(info.auto) == len(columns) else (False,) * len(columns)
    objective = [c for c, crit, machine in zip(columns, info.criterion, auto, strict=True) if machine or not crit]
    if not objective:
        return None
    anchor = rows.select(pl.sum_horizontal(pl.col(objective).fill_null(0).cast(pl.Float64))).to_series().to_numpy()
    return anchor if anchor.std() > 0 else None


def _shrunk_level(score: Array, school: Array, n_schools: int) -> Array:
    """Each school's mean standardised score, shrunk toward 0 by empirical Bayes (more for small schools)."""
    z = (score - score.mean()) / max(float(score.std()), 1e-9)
    n = np.bincount(school, minlength=n_schools).astype(float)
    mean = np.bincount(school, weights=z, minlength=n_schools) / np.maximum(n, 1)
    within = float(np.sum((z - mean[school]) ** 2) / max(len(z) - n_schools, 1))
    seen = n > 0
    between = max(float(np.average(mean[seen] ** 2, weights=n[seen]) - np.mean(within / n[seen])), 1e-6)
    return np.asarray(mean * between / (between + within / np.maximum(n, 1)))


# --- windows and the region's rates ------------------------------------------------------------


def _windows(total: Array, cuts: tuple[int, ...]) -> tuple[Array, Array]:
    """Window index per pupil (−1 outside every window; the lower cut wins where windows overlap), and over-the-cut flag."""
    window = np.full(len(total), -1, dtype=np.int64)
    over = np.zeros(len(total), dtype=bool)
    for k, cut in reversed(list(enumerate(cuts))):
        inside = (total >= cut - BELOW) & (total < cut + ABOVE)
        window[inside], over[inside] = k, total[inside] >= cut
    return window, over


def _chance_over(pupils: Pupils, window: Array, over: Array, clean: Array) -> Array:
    """Each window pupil's chance of being over the cut, from the region's logistic fit per window (on the
    reference schools' pupils alone when there are enough of them)."""
    chance = np.zeros(len(window))
    for k in np.unique(window[window >= 0]):
        inside = window == k
        features = _features(pupils, inside)
        fitted = clean[inside] if clean[inside].sum() >= MIN_REFERENCE_PUPILS else np.ones(int(inside.sum()), bool)
        beta = _logistic_fit(features[fitted], over[inside][fitted].astype(float))
        chance[inside] = _logistic_predict(features, beta)
    return chance


def _features(pupils: Pupils, inside: Array) -> Array:
    level = pupils.level[pupils.school[inside]]
    if pupils.anchor is None:
        return np.column_stack([np.ones(len(level)), level])
    anchor = pupils.anchor[inside]
    o = (anchor - anchor.mean()) / max(float(anchor.std()), 1.0)
    return np.column_stack([np.ones(len(level)), o, o**2, level, o * level])


def _logistic_fit(x: Array, y: Array, iterations: int = 30) -> Array:
    """Logistic regression by Newton-Raphson (IRLS) with a small ridge on all but the intercept."""
    beta = np.zeros(x.shape[1])
    penalty = RIDGE * len(y) * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = _logistic_predict(x, beta)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, x.T @ (y - p) - penalty @ beta)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _logistic_predict(x: Array, beta: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30))))


# --- per school: counts, Poisson-binomial tail -------------------------------------------------


def _school_counts(pupils: Pupils, window: Array, over: Array, chance: Array, n_cuts: int) -> Array:
    """schools × cuts × [expected under, seen under, expected over, seen over]."""
    n_schools = len(pupils.logins)
    counts = np.zeros((n_schools, max(n_cuts, 1), 4))
    for k in range(n_cuts):
        school = pupils.school[window == k]
        p, up = chance[window == k], over[window == k]
        for column, weights in enumerate((1 - p, ~up, p, up)):
            counts[:, k, column] = np.bincount(school, weights=weights.astype(float), minlength=n_schools)
    return counts


def _tail(
    school: Array, chance: Array, over: Array, spread_from: Array, counts: Array, seed: int
) -> tuple[Array, Array]:
    """Randomised p-value and z of the count over the cuts per school, under the region's school-effect null
    (exact.school_spread, estimated on the `spread_from` pupils: the clean reference when there is one);
    NaN where the school has no window pupil."""
    n_schools = counts.shape[0]
    u = np.asarray(np.random.default_rng(seed).random(n_schools))  # drawn for every school, so a school's U is its own
    p, z = np.full(n_schools, np.nan), np.full(n_schools, np.nan)
    has = np.flatnonzero(np.bincount(school, minlength=n_schools))
    if not len(has):
        return p, z
    chance = np.where(chance > 0, chance, 1e-12)  # a pupil of the window, however unlikely, is not padding
    tau = school_spread(school[spread_from], chance[spread_from], over[spread_from])
    pmf = mixed_pmf(school, chance, n_schools, tau)[has]
    seen = np.rint(counts[has, :, 3].sum(axis=1)).astype(np.int64)
    p[has] = randomised_upper_p(pmf, seen, u[has])
    expected, sd = pmf_moments(pmf)
    z[has] = np.where(sd > 0, (seen - expected) / np.maximum(sd, 1e-12), 0.0)
    return p, z


# --- explanations ------------------------------------------------------------------------------


def _explain(counts: Array, school: int, cuts: tuple[int, ...], p: float, anchored: bool) -> str:
    """Code "bunching": per cut, expected and seen pupils just under and at/over the cut (the windows BELOW and
    ABOVE), whether the expectation holds the anchor fixed, and how rare the excess is (`one_in` schools; None
    above RARE, where there is no excess worth reporting)."""
    if np.isnan(p):
        return ""
    shown = [(k, cut) for k, cut in enumerate(cuts) if counts[school, k, [1, 3]].sum()]
    return encode(
        LAYER,
        cuts=[_cut(counts[school, k], k, cut) for k, cut in shown],
        below=BELOW,
        above=ABOVE,
        anchored=anchored,
        one_in=None if p > RARE else round(1 / max(p, 1e-4)),
    )


def _cut(counts: Array, k: int, cut: int) -> dict[str, object]:
    expected_under, under, expected_over, over = (float(c) for c in counts)
    return {
        "mark": MARK_NAMES[k],
        "cut": int(cut),
        "expected_under": expected_under,
        "under": int(under),
        "expected_over": expected_over,
        "over": int(over),
    }
