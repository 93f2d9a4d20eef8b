"""L5 cohort dynamics: did one parallel rise sharply in one test and fall back in the next? (METHODS.md §2)

Participant codes are issued per procedure, so pupils cannot be linked across years: the layer works
on school × parallel aggregates. A cohort writes grade g in year Y and grade g + 1 in year Y + 1 (same
subject, same period; spring is never compared with autumn). The ФИОКО marker «резкое изменение
результатов одной параллели» (markers.fioco) uses the ratio K = S(4, Y) / S(5, Y + 1) with Tukey fences;
here the same comparison is made a test with a null for every school, in the spirit of Jacob & Levitt's
(2003) «unusual fluctuation» and Kane & Staiger's (2002) warning that small schools fluctuate most.

Method, for every pair of tests of one cohort (g, Y) → (g + 1, Y + 1), on the schools that wrote both:
1. Per school × test: S = mean percent of the maximum score, and its sampling variance s²/n, where the
   within-school variance s² is the school's own pulled toward the region's pooled within-school
   variance with the weight of PRIOR_PUPILS pupils (so a school of one or two pupils does not get a
   variance of 0; Smyth 2004's moderated variances).
2. The school's gap to the region G = S − (the region's pupil mean), and the cohort's change
   d = G(g + 1, Y + 1) − G(g, Y), in percentage points.
3. Null: d ~ N(β₀ + β₁·L, τ² + c·v + e·u + h·a), with L the school's level (the mean of its two gaps,
   centred and shrunk toward 0 by its reliability), v = s²₁/n₁ + s²₂/n₂, u = |1/n₁ − 1/n₂| and
   a = 1/max(n₁, n₂). τ² is the between-school variance of real cohort changes. c scales the sampling
   variance: mostly the same pupils write both tests, so the persistent part of their ability cancels
   in d, and c comes out well under 1 (at least SCALE_MIN). What the cancellation misses depends on
   the pupils the two tests do not share: with k shared pupils the persistent part of the difference
   of means has variance σ²_pupil·(1/n₁ + 1/n₂ − 2k/(n₁n₂)); with a roll of R pupils and absences at
   random E k = n₁n₂/R, which gives σ²_pupil·u plus a term in 1/max(n₁, n₂) for pupils absent from one
   test only (absent rows are not given to the layer, so R is not known and h is fitted). Without
   e·u + h·a, schools of 1-3 pupils with different numbers present got p < 0.05 one time in eight.
   The level term keeps a strong school from looking as if it rose or fell: tests of two grades do
   not stretch the percent scale alike.
   β and θ = (τ², c − SCALE_MIN, e, h) ≥ 0 are estimated across the region's schools by restricted maximum
   likelihood (`fit_variance`; with the sampling variance as a fixed offset and θ = τ² alone it is the
   usual REML random-effects meta-regression, Viechtbauer 2005, metafor's rma()), i.e. empirical Bayes.
   Robust to spiking schools: the fit is repeated on the schools with |z| ≤ TRIM_Z of the previous fit,
   the variance then divided by Var(Z | |Z| ≤ TRIM_Z) (≈ 0.91) so it stays consistent under the null.
   With 10% of schools spiking in one test the clean schools' rate at 0.05 stays 0.04-0.05.
4. z = (d − β₀ − β₁·L) / √(τ² + c·v + e·u + h·a) for the pair. For the test (g, Y) the evidence is z_fall =
   −z of its pair with the next test («then fell back»), for the test (g + 1, Y + 1) it is z_rise = +z
   of its pair with the previous one («rose sharply»). A test with both neighbours combines them by
   Stouffer's rule for correlated z: (z_rise + z_fall) / √(2 + 2ρ), where ρ is the correlation of the
   two over the region's schools with both and |z| ≤ TRIM_Z (they share the middle test's measurement;
   clipped to RHO_BOUNDS, FALLBACK_RHO when fewer than MIN_SCHOOLS schools have both); on generated
   regions the combined z has variance 1.01-1.04 in every size band.
5. stat_cohort = z (larger = higher than the same parallel's neighbouring tests), p_cohort = 1 − Φ(z).

p is null (and the explanation empty) for a school without the cohort's previous or next test of the
same subject and period (e.g. grade 4 of the latest year), for every school of a pair with fewer than
MIN_SCHOOLS schools in both tests, and for a test without its reference data (no maximum score).
Measured on clean generated regions (6 seeds × 600 schools, grades 4-5, 2024-2025): share p < 0.05 of
0.051 / 0.050 / 0.049 / 0.047 in the size bands 1-9 / 10-19 / 20-49 / 50+; clean лицеи and гимназии
get 0.02-0.03 (real changes near the top of the scale vary less than the fitted τ² says). Injected
cohort spikes (+15-25% of the maximum in grade 4, clean in grade 5): p < 0.05 for 0.68 / 0.90 / 1.00 /
1.00 of them by band, AUC 0.97 against the clean schools of the same test.
`seed` is accepted for the common interface; the p-value is continuous, so nothing is drawn at random.

Output: one row per test × school_login of every test given: year (Int32), period, grade (Int32),
subject, school_login, n (present pupils of that test), stat_cohort, p_cohort, explain_cohort (code "cohort" with
the percents and pupils of the test and its neighbours; objectivity.analysis.wording renders it), e.g.
«4 класс в 2024 г.: 71 % от максимума при 58 % по региону (учеников: 25); та же параллель в 5 классе
в 2025 г.: 54 % при 57 % по региону (учеников: 24) — через год возврат на 15,6 п.п. относительно региона»;
with both neighbours «… — за год подъём на 20,9 п.п. относительно региона, через год возврат на 12,2 п.п.».

References: Jacob, B. & Levitt, S. (2003) Rotten Apples, QJE 118(3); Kane, T. & Staiger, D. (2002)
JEP 16(4); Viechtbauer, W. (2005) J. Educ. Behav. Stat. 30(3) (ML and REML for τ²); Raudenbush, S. &
Bryk, A. (1985) J. Educ. Stat. 10(2) (empirical Bayes meta-analysis); Smyth, G. (2004) Stat. Appl.
Genet. Mol. Biol. 3(1) (moderated variances); Stouffer et al. (1949) and Strube, M. (1985) Psychol.
Bull. 97(2) (combining correlated z).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import optimize, stats

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.wording import encode

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Key = tuple[int, str, int, str]  # year, period, grade, subject

LAYER = "cohort"
MIN_SCHOOLS = 20  # [собственный] fewer schools in both tests cannot show what a usual change is
PRIOR_PUPILS = 10.0  # [собственный] weight of the region's within-school variance, in pupils
TRIM_Z = 2.5  # [собственный] schools with |z| above it are left out of the next fit
ROUNDS = 20
# Var(Z | |Z| ≤ c) for Z ~ N(0, 1): the fit on the kept schools sees this share of the true variance
TRIM_CONSISTENCY = 1.0 - 2.0 * TRIM_Z * float(stats.norm.pdf(TRIM_Z)) / (2.0 * float(stats.norm.cdf(TRIM_Z)) - 1.0)
SCALE_MIN = 0.05  # the least share of the sampling variance the change keeps
RHO_BOUNDS = (0.0, 0.9)
FALLBACK_RHO = 0.5
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int32(),
    "period": pl.String(),
    "grade": pl.Int32(),
    "subject": pl.String(),
    "school_login": pl.String(),
    "n": pl.Int64(),
    f"stat_{LAYER}": pl.Float64(),
    f"p_{LAYER}": pl.Float64(),
    f"explain_{LAYER}": pl.String(),
}


@dataclass(frozen=True)
class _Test:
    """One test's schools: present pupils, mean percent of the maximum and its sampling variance."""

    key: Key
    logins: list[str]
    n: Ints
    mean: Floats  # nan when the test's maximum is unknown
    sampling: Floats
    region: float  # the region's pupil mean, percent of the maximum

    @cached_property
    def index(self) -> dict[str, int]:
        return {login: i for i, login in enumerate(self.logins)}


@dataclass(frozen=True)
class _Pair:
    """The change of one cohort from `earlier` to `later`, per school that wrote both."""

    earlier: Key
    later: Key
    z: dict[str, float]  # standardised change of the gap to the region; missing when not estimable


def cohort(tests: Mapping[Key, pl.DataFrame], infos: Mapping[Key, TestInfo], *, seed: int = 0) -> pl.DataFrame:
    """Per test × school: z and one-sided p of a result above what the same parallel shows in the
    neighbouring tests of its cohort. Columns: see the module docstring and OUTPUT_SCHEMA."""
    summaries = {key: _summarise(key, frame, infos.get(key)) for key, frame in tests.items()}
    pairs = {
        (key, later): _pair(summaries[key], summaries[later])
        for key in summaries
        if (later := next_test(key)) in summaries
    }
    frames = [_layer_for_test(summaries, pairs, key) for key in sorted(summaries)]
    if not frames:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return pl.concat(frames).sort("year", "period", "grade", "subject", "school_login")


def next_test(key: Key) -> Key:
    """The same cohort's test a year later: grade + 1, same period and subject."""
    year, period, grade, subject = key
    return (year + 1, period, grade + 1, subject)


def previous_test(key: Key) -> Key:
    year, period, grade, subject = key
    return (year - 1, period, grade - 1, subject)


# --- per school × test ---------------------------------------------------------------------------


def _summarise(key: Key, rows: pl.DataFrame, info: TestInfo | None) -> _Test:
    maximum = info.max_total if info is not None else 0
    percent = pl.col("total").cast(pl.Float64) * (100.0 / maximum if maximum > 0 else float("nan"))
    per_school = (
        rows.filter(pl.col("total").is_not_null())
        .group_by("school_login")
        .agg(pl.len().alias("n"), percent.mean().alias("mean"), percent.var(ddof=1).fill_null(0.0).alias("var"))
        .sort("school_login")
    )
    n = per_school["n"].to_numpy().astype(np.int64)
    mean = per_school["mean"].to_numpy().astype(np.float64)
    variance = per_school["var"].to_numpy().astype(np.float64)
    region = float(np.sum(mean * n) / max(int(n.sum()), 1)) if maximum > 0 else float("nan")
    return _Test(key, per_school["school_login"].to_list(), n, mean, moderated_variance(variance, n) / n, region)


def moderated_variance(variance: Floats, n: Ints, prior: float = PRIOR_PUPILS) -> Floats:
    """Each school's within-school variance pulled toward the region's pooled one:
    ((n − 1)s² + prior·s²_pooled) / (n − 1 + prior); s²_pooled for a school of one pupil."""
    df = np.maximum(n - 1, 0).astype(np.float64)
    pooled = float((df * variance).sum() / df.sum()) if df.sum() > 0 else 0.0
    return np.asarray((df * variance + prior * pooled) / (df + prior))


# --- one cohort, two tests -----------------------------------------------------------------------


def _pair(earlier: _Test, later: _Test) -> _Pair:
    where = later.index
    both = [(i, where[login]) for i, login in enumerate(earlier.logins) if login in where]
    first = np.array([i for i, _ in both], dtype=np.int64)
    second = np.array([j for _, j in both], dtype=np.int64)
    gap_1 = earlier.mean[first] - earlier.region
    gap_2 = later.mean[second] - later.region
    usable = np.isfinite(gap_1) & np.isfinite(gap_2)
    if usable.sum() < MIN_SCHOOLS:
        return _Pair(earlier.key, later.key, {})
    sampling = earlier.sampling[first] + later.sampling[second]
    n_1, n_2 = earlier.n[first][usable], later.n[second][usable]
    z = standardised_change(gap_1[usable], gap_2[usable], sampling[usable], n_1, n_2)
    logins = [earlier.logins[i] for i in first[usable]]
    return _Pair(earlier.key, later.key, {login: float(v) for login, v in zip(logins, z, strict=True)})


def standardised_change(gap_1: Floats, gap_2: Floats, sampling: Floats, n_1: Ints, n_2: Ints) -> Floats:
    """z of each school's change d = gap_2 − gap_1 under the region's fitted null (steps 3-4)."""
    change = gap_2 - gap_1
    level = _shrunk_level((gap_1 + gap_2) / 2, sampling / 4)
    design = np.column_stack([np.ones_like(level), level])
    nested = np.abs(1.0 / n_1 - 1.0 / n_2)  # pupils of the bigger test the smaller one lacks
    absent = 1.0 / np.maximum(n_1, n_2)  # pupils absent from one of the two tests only
    components = np.column_stack([np.ones_like(level), sampling, nested, absent])
    offset = SCALE_MIN * sampling
    kept = np.ones(len(change), dtype=bool)
    z = np.zeros(len(change))
    for _ in range(ROUNDS):
        beta, theta = fit_variance(change[kept], design[kept], offset[kept], components[kept])
        correction = TRIM_CONSISTENCY if not kept.all() else 1.0
        z = (change - design @ beta) / np.sqrt((offset + components @ theta) / correction)
        new = np.abs(z) <= TRIM_Z
        if np.array_equal(new, kept) or new.sum() < MIN_SCHOOLS:
            break
        kept = new
    return np.asarray(z)


def _shrunk_level(level: Floats, sampling: Floats) -> Floats:
    """The school's level, centred and shrunk by its reliability B / (B + its sampling variance)."""
    centred = level - np.median(level)
    between = max(float(np.mean(centred**2) - np.mean(sampling)), 1e-9)
    return np.asarray(centred * between / (between + sampling))


def fit_variance(
    effect: Floats,
    design: Floats,
    offset: Floats,
    components: Floats,
    *,
    restricted: bool = True,
    iterations: int = 1000,
) -> tuple[Floats, Floats]:
    """β and θ ≥ 0 maximising the (restricted) likelihood of effect ~ N(design·β, offset + components·θ).

    The score equations are Σᵢ Gᵢⱼ wᵢ² (rᵢ² − Vᵢ(1 − hᵢ)) = 0 for each column j of G = components,
    with Vᵢ = offsetᵢ + Gᵢθ, wᵢ = 1/Vᵢ, rᵢ the weighted-least-squares residual and hᵢ its leverage
    (hᵢ = 0 for plain ML). They are solved by iterating the non-negative least squares of
    rᵢ² + Vᵢhᵢ − offsetᵢ on G with weights wᵢ² (a component held at 0 satisfies the Kuhn-Tucker
    condition instead). With offset = the known sampling variances and G = a column of ones, θ is the
    usual ML / REML τ² of a random-effects meta-regression (Viechtbauer 2005; metafor's rma()).
    """
    theta = np.zeros(components.shape[1])
    theta[0] = max(float(np.var(effect) - np.mean(offset)), 0.0)
    for _ in range(iterations):
        variance = np.maximum(offset + components @ theta, 1e-12)
        weight = 1.0 / variance
        beta, leverage = _wls(effect, weight, design)
        target = (effect - design @ beta) ** 2 + (variance * leverage if restricted else 0.0) - offset
        new = optimize.nnls(components * weight[:, None], target * weight)[0]
        done = float(np.abs(components @ (new - theta)).max()) <= 1e-10 * float(variance.max())
        theta = np.asarray(new, dtype=np.float64)
        if done:
            break
    beta, _ = _wls(effect, 1.0 / np.maximum(offset + components @ theta, 1e-12), design)
    return beta, theta


def _wls(effect: Floats, weight: Floats, design: Floats) -> tuple[Floats, Floats]:
    """Weighted least squares coefficients and each observation's leverage wᵢ·xᵢ'(X'WX)⁻¹xᵢ."""
    inverse = np.linalg.pinv(design.T @ (design * weight[:, None]))
    beta = inverse @ (design.T @ (weight * effect))
    leverage = weight * np.einsum("ij,jk,ik->i", design, inverse, design)
    return np.asarray(beta, dtype=np.float64), np.asarray(leverage, dtype=np.float64)


# --- one test's output ---------------------------------------------------------------------------


def _layer_for_test(summaries: Mapping[Key, _Test], pairs: Mapping[tuple[Key, Key], _Pair], key: Key) -> pl.DataFrame:
    test = summaries[key]
    before = pairs.get((previous_test(key), key))
    after = pairs.get((key, next_test(key)))
    rise = np.array([before.z.get(login, np.nan) if before else np.nan for login in test.logins])
    fall = np.array([-after.z.get(login, np.nan) if after else np.nan for login in test.logins])
    z = stouffer(rise, fall, _correlation(rise, fall))
    texts = [
        _explain(summaries, key, login, bool(np.isfinite(rise[i])), bool(np.isfinite(fall[i])))
        if np.isfinite(z[i])
        else ""
        for i, login in enumerate(test.logins)
    ]
    year, period, grade, subject = key
    known = np.isfinite(z)
    return pl.DataFrame(
        {
            "year": [year] * len(test.logins),
            "period": [period] * len(test.logins),
            "grade": [grade] * len(test.logins),
            "subject": [subject] * len(test.logins),
            "school_login": test.logins,
            "n": test.n,
            f"stat_{LAYER}": np.where(known, z, np.nan),
            f"p_{LAYER}": np.where(known, stats.norm.sf(np.where(known, z, 0.0)), np.nan),
            f"explain_{LAYER}": texts,
        },
        schema=OUTPUT_SCHEMA,
    ).with_columns(pl.col(f"stat_{LAYER}", f"p_{LAYER}").fill_nan(None))


def _correlation(rise: Floats, fall: Floats) -> float:
    """Pearson correlation of the two z over schools that have both and no outlier; clipped."""
    both = np.isfinite(rise) & np.isfinite(fall)
    both &= (np.abs(np.where(both, rise, 0.0)) <= TRIM_Z) & (np.abs(np.where(both, fall, 0.0)) <= TRIM_Z)
    if both.sum() < MIN_SCHOOLS:
        return FALLBACK_RHO
    rho = float(np.corrcoef(rise[both], fall[both])[0, 1])
    return min(max(rho, RHO_BOUNDS[0]), RHO_BOUNDS[1]) if np.isfinite(rho) else FALLBACK_RHO


def stouffer(rise: Floats, fall: Floats, rho: float) -> Floats:
    """Stouffer's z for two standard normal z with correlation ρ: (z₁ + z₂) / √(2 + 2ρ); one z alone
    when the other is missing; nan when both are."""
    both = np.isfinite(rise) & np.isfinite(fall)
    joint = (np.nan_to_num(rise) + np.nan_to_num(fall)) / np.sqrt(2.0 + 2.0 * rho)
    return np.asarray(np.where(both, joint, np.where(np.isfinite(rise), rise, fall)), dtype=np.float64)


# --- explanations --------------------------------------------------------------------------------


def _explain(summaries: Mapping[Key, _Test], key: Key, login: str, has_before: bool, has_after: bool) -> str:
    """Code "cohort": the school's mean percent of the maximum, the region's and the pupils in this test and in
    the neighbouring tests of the same parallel (`before`, `after`; None when not compared)."""
    before = _numbers(summaries[previous_test(key)], previous_test(key), login) if has_before else None
    after = _numbers(summaries[next_test(key)], next_test(key), login) if has_after else None
    return encode(LAYER, **_numbers(summaries[key], key, login), before=before, after=after)


def _numbers(test: _Test, key: Key, login: str) -> dict[str, float]:
    i = test.index[login]
    mean, region, n = float(test.mean[i]), float(test.region), int(test.n[i])
    return {"grade": int(key[2]), "year": int(key[0]), "mean": mean, "region": region, "n": n}
