"""L6: is the school's share of «4»-«5» (and «5») implausibly high for its own level? (METHODS.md §2)

Question. The federal CI rule flags schools that are simply good. Here the expected number of «4»-«5»
and «5» is taken from what each pupil did in the columns the school can hardly move — the columns scored
by the computer when `info.auto` marks any, otherwise the basic (Б) columns with a checked short answer
(`criterion` False) — so a strong school with strong anchor results is expected to have many «4» and «5».

Method (a funnel plot in the sense of Spiegelhalter 2005, conditioned on each pupil's anchor score):
1. Per pupil: a = anchor score, c = I(total ≥ cut «4») + I(total ≥ cut «5») ∈ {0, 1, 2}.
   Per school, its level as its anchors show it: the anchor mean shrunk by one-way random-effects ANOVA
   toward the mean m of its size band, ā* = m + (ā_s − m)·n/(n + k), k = within / between variance, on
   the logit scale L = log((ā* + ½)/(A − ā* + ½)) (A = top anchor score), which stretches the ceiling of
   easy columns where strong schools sit.
2. Region-wide logistic regressions (IRLS) of I(≥ «4») and I(≥ «5») on: one coefficient per anchor score
   (quantile bins when there are many), an intercept per size band (small rural schools are weaker on
   average), L, and L × a/A (the school's level matters more for pupils its anchors place high).
3. Overdispersion (Spiegelhalter's additive, random-effects kind): a school effect u ~ N(0, σ²) on the
   logit of both, with the fitted marginal logits scaled by √(1 + c²σ²), c = 16√3/(15π), so that the
   mixture keeps the fitted marginal shares (Zeger, Liang & Albert 1988). σ is estimated per size band
   of present pupils (1-9, 10-19, 20-49, 50+; a band of fewer than MIN_BAND_SCHOOLS schools takes the
   whole region's) by moments on z winsorised at its 10%/90% points (Spiegelhalter 2005): σ solves
   mean(winsorised z²) = the same mean for N(0, 1) (0.679), where z is the normal score of the
   randomised p-value; winsorising keeps schools with inflated marks from widening their own limits.
4. The school's S = Σ c over its pupils has, given u, a Poisson-binomial-like law (each pupil adds 0, 1
   or 2), computed exactly by convolution for schools under EXACT_BELOW pupils (a normal law per node with a
   continuity correction from there, where the two agree closely and the convolution grows with n²) and
   mixed over u by 9-point Gauss-Hermite quadrature.
   One-sided randomised p = P(S > s) + U·P(S = s), U ~ Uniform(0, 1) from `seed`, so p is uniform under
   the null even for a school of one pupil.

Null hypothesis: given its pupils' anchor scores and its level (ā*), the school's pupils reach «4» and
«5» as often as the region's pupils with the same anchor scores, up to the region's between-school
spread (σ of its size band). It is never a quota: a share of «2» plays no part.

Output (markers.base): school_login, n, stat_shares = (S − E)/SD under the null with overdispersion
(larger = more «4»-«5» than expected), p_shares, explain_shares (code "shares", rendered by
objectivity.analysis.wording). p is null for every school when the test
has no cut scores, no anchor columns worth at least MIN_ANCHOR_POINTS points (levels and criterion flags
unknown and no auto columns), or fewer than MIN_REGION_PUPILS pupils / MIN_REGION_SCHOOLS schools to fit
the regional model: then the layer cannot tell a strong school from a lenient one.

Limits, measured on generated regions: easy anchor columns have a ceiling, so a very strong school is
only partly explained by them; clean лицеи and гимназии get p < 0.05 about 7-10% of the time instead of
5% (an unconditioned funnel flags most of the big ones). The sign is weak for blanket inflation of
+1 point (few pupils cross a cut); it is strongest for points added on the hardest tasks in big schools.

Speed: one test of 1,000 schools × 26 present pupils on average takes about 0.2 s.

References: Spiegelhalter D.J. (2005) Funnel plots for comparing institutional performance. Stat. Med.
24:1185-1202 (funnel limits, overdispersion, winsorised estimate); Zeger S.L., Liang K.-Y., Albert P.S. (1988) Models for longitudinal
data: a generalized estimating equation approach. Biometrics 44:1049-1060 (marginal vs conditional logit).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special, stats

from objectivity.analysis.markers.base import SIZE_BANDS, TestInfo
from objectivity.analysis.markers.exact import NODES, WEIGHTS, node_probabilities
from objectivity.analysis.schema import task_column
from objectivity.analysis.wording import encode

Array = npt.NDArray[Any]

MIN_ANCHOR_POINTS = 3  # [собственный] a poorer anchor cannot tell a strong school from a lenient one
MIN_REGION_PUPILS = 200  # [собственный] too few to fit the regional model
MIN_REGION_SCHOOLS = 20  # [собственный] too few to estimate the between-school spread
MIN_BAND_SCHOOLS = 50  # [собственный] a size band with fewer schools uses the σ of the whole region
WINSOR = 0.1  # Spiegelhalter (2005): z winsorised at its 10% and 90% points
_Q = float(stats.norm.isf(WINSOR))
# E[winsorised Z²] for Z ~ N(0, 1): ∫ z²φ over (−q, q) plus the two capped tails
WINSORISED_NORMAL = (1 - 2 * WINSOR) - 2 * _Q * float(stats.norm.pdf(_Q)) + 2 * WINSOR * _Q**2
MAX_ANCHOR_BINS = 12
RIDGE = 1e-3  # a very weak prior on the logit coefficients: keeps an anchor score where all pupils agree finite
SIGMA_MAX = 3.0
BISECTIONS = 8  # σ to 0.012: finer changes no p-value by more than the randomisation
ESTIMATE_EXACT_BELOW = 10  # while σ is estimated, schools of this size and more use a normal law per node
MIN_REFERENCE_PUPILS = 500  # [собственный] reference pupils needed to fit the region's logits on them alone
EXACT_BELOW = 50  # the final p: exact law below, normal law per node with continuity correction from here
SIZE_CHUNKS = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 160, 200, 256)


@dataclass
class _Region:
    """Pupils sorted by school, with what the layer needs of each."""

    logins: list[str]
    school: Array  # school index of each pupil
    starts: Array  # first pupil of each school; length schools + 1
    n: Array  # present pupils per school
    anchor: Array  # anchor score per pupil
    marks: Array  # c = I(≥ «4») + I(≥ «5») per pupil


def shares(
    rows: pl.DataFrame, info: TestInfo, *, seed: int = 0, reference: Collection[str] | None = None
) -> pl.DataFrame:
    """L6 for one test: per school, are «4»-«5» and «5» more frequent than its anchor columns predict?
    `reference`: logins of schools with results known to be objective; with at least MIN_REFERENCE_PUPILS
    of their pupils the marginal logits are fitted on them alone (the «ВПР с контролем объективности»
    sample as a clean reference), and applied to every school."""
    anchor = anchor_columns(info)
    if not all(task_column(j + 1) in rows.columns for j in anchor):
        anchor = []  # the file lacks a scoring column the anchor needs
    region = _region(rows, info, anchor)
    if not _can_judge(region, info, anchor):
        return _silent(region)
    eta4, eta5 = _fit(region, np.isin(np.asarray(region.logins), list(reference or ())))
    observed = np.bincount(region.school, weights=region.marks, minlength=len(region.n))
    model = _Model(region, eta4, eta5, observed, np.random.default_rng(seed).random(len(region.n)))
    sigma = _band_sigmas(model)
    p = _p_values(model, sigma, np.arange(len(region.n)), exact_below=EXACT_BELOW)
    mean, sd = _mean_sd(model, sigma)
    stat = (observed - mean) / np.maximum(sd, 1e-12)
    return _result(region, stat, p, _explanations(model, info, sigma))


# --- pupils and anchors -------------------------------------------------------------------------


def anchor_columns(info: TestInfo) -> list[int]:
    """Indices of the columns the school can hardly move: auto-scored ones, else basic short-answer ones."""
    if any(info.auto):
        return [j for j, auto in enumerate(info.auto) if auto]
    if len(info.criterion) != len(info.column_max) or len(info.levels) != len(info.column_max):
        return []
    return [
        j
        for j, (judged, level) in enumerate(zip(info.criterion, info.levels, strict=True))
        if not judged and level == "Б"
    ]


def _region(rows: pl.DataFrame, info: TestInfo, anchor: list[int]) -> _Region:
    cuts = info.cuts or (info.max_total + 1,) * 3
    anchor_sum = pl.sum_horizontal([pl.col(task_column(j + 1)).fill_null(0) for j in anchor]) if anchor else pl.lit(0)
    marks = (pl.col("total") >= cuts[1]).cast(pl.Int8) + (pl.col("total") >= cuts[2]).cast(pl.Int8)
    pupils = rows.select(
        pl.col("school_login"), anchor_sum.cast(pl.Float64).alias("a"), marks.cast(pl.Float64).alias("c")
    )
    logins, school = np.unique(pupils["school_login"].to_numpy().astype(str), return_inverse=True)
    order = np.argsort(school, kind="stable")  # pupils school after school
    n = np.bincount(school, minlength=len(logins))
    starts = np.concatenate([[0], np.cumsum(n)])
    anchor_score, marks_of = pupils["a"].to_numpy()[order], pupils["c"].to_numpy()[order]
    return _Region([str(x) for x in logins], school[order], starts, n, anchor_score, marks_of)


def _can_judge(region: _Region, info: TestInfo, anchor: list[int]) -> bool:
    points = sum(info.column_max[j] for j in anchor)
    enough = len(region.anchor) >= MIN_REGION_PUPILS and len(region.n) >= MIN_REGION_SCHOOLS
    return info.cuts is not None and points >= MIN_ANCHOR_POINTS and enough


# --- the regional model -------------------------------------------------------------------------


def _fit(region: _Region, clean_school: Array) -> tuple[Array, Array]:
    """Marginal logits of ≥ «4» and ≥ «5» per pupil, given its anchor score and its school's level.

    Pupils of one school with one anchor score share a design row, so the fit runs on those cells; only
    the cells of the reference schools (`clean_school`) count when they hold enough pupils."""
    level = _anchor_bins(region.anchor)
    levels = int(level.max()) + 1
    keys, cell = np.unique(region.school * levels + level, return_inverse=True)
    school, cell_level = keys // levels, keys % levels
    design = np.column_stack([np.eye(levels)[cell_level], _school_terms(region, school, cell_level / levels)])
    size = np.bincount(cell, minlength=len(keys)).astype(float)
    fours, fives = (np.bincount(cell, weights=region.marks >= k, minlength=len(keys)) for k in (1, 2))
    counted = clean_school[school] if size[clean_school[school]].sum() >= MIN_REFERENCE_PUPILS else school >= 0
    eta4 = _logit_fit(design, fours * counted, size * counted)[cell]
    eta5 = np.minimum(_logit_fit(design, fives * counted, size * counted)[cell], eta4)  # «5» implies «4»
    return eta4, eta5


def _school_terms(region: _Region, school: Array, height: Array) -> Array:
    """Columns of the school's level per cell: size-band intercepts, L and L × the pupil's place."""
    mean = _shrunk_means(region)
    top = float(region.anchor.max())
    logit = np.log((mean + 0.5) / (top - mean + 0.5))[school]
    logit -= logit.mean()
    bands = np.eye(len(SIZE_BANDS))[_band_of(region.n)][school, 1:]  # the first band is the reference
    return np.column_stack([bands, logit, logit * height])


def _shrunk_means(region: _Region) -> Array:
    """m + (ā_s − m)·n/(n + k): the school's anchor mean shrunk by one-way random-effects ANOVA toward
    the mean m of its size band (small rural schools are weaker on average: shrinking them toward the
    whole region would expect too much of them)."""
    a, n, total = region.anchor, region.n, len(region.anchor)
    means = np.bincount(region.school, weights=a) / n
    band = _band_of(n)
    band_mean = (np.bincount(band, weights=means * n) / np.maximum(np.bincount(band, weights=n), 1))[band]
    within = float(((a - means[region.school]) ** 2).sum()) / max(total - len(n), 1)
    between = float((n * (means - band_mean) ** 2).sum()) / max(len(n) - 1, 1)
    n0 = (total - float((n**2).sum()) / total) / max(len(n) - 1, 1)
    tau2 = max((between - within) / n0, 0.0)
    weight = n * tau2 / (n * tau2 + within) if within > 0 else np.ones(len(n))
    return np.asarray(band_mean + weight * (means - band_mean))


def _anchor_bins(anchor: Array) -> Array:
    """Index of each pupil's anchor score (of its quantile bin when there are more than MAX_ANCHOR_BINS)."""
    values = np.unique(anchor)
    if len(values) > MAX_ANCHOR_BINS:
        edges = np.unique(np.quantile(anchor, np.linspace(0, 1, MAX_ANCHOR_BINS + 1)[1:-1]))
        return np.searchsorted(edges, anchor, side="right")
    return np.searchsorted(values, anchor)


def _logit_fit(design: Array, successes: Array, size: Array) -> Array:
    """Linear predictor of a ridge-penalised binomial logistic regression (Newton-Raphson / IRLS)."""
    beta = np.zeros(design.shape[1])
    penalty = RIDGE * np.eye(design.shape[1])
    for _ in range(100):
        p = special.expit(design @ beta)
        hessian = design.T @ (design * (size * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, design.T @ (successes - size * p) - penalty @ beta)
        beta += step
        if np.abs(step).max() < 1e-6:
            break
    return np.asarray(design @ beta)


# --- overdispersion ------------------------------------------------------------------------------


@dataclass
class _Model:
    """The fitted region and what is judged: marginal logits per pupil, S and U per school."""

    region: _Region
    eta4: Array  # marginal logit of ≥ «4» per pupil
    eta5: Array  # marginal logit of ≥ «5» per pupil
    observed: Array  # S per school
    uniform: Array  # U per school, for the randomised p


def _band_of(n: Array) -> Array:
    return np.searchsorted(np.array([high for _low, high in SIZE_BANDS]), n)


def _band_sigmas(model: _Model) -> Array:
    """σ of the school effect per school, estimated in its size band (pooled when the band is thin)."""
    n = model.region.n
    band = _band_of(n)
    sigma = np.zeros(len(n))
    thin = np.zeros(len(n), dtype=bool)
    for b in np.unique(band):
        members = np.flatnonzero(band == b)
        if len(members) >= MIN_BAND_SCHOOLS:
            sigma[members] = _sigma_for(model, members)
        else:
            thin[members] = True
    if thin.any():
        sigma[thin] = _sigma_for(model, np.arange(len(n)))
    return sigma


def _winsorised_square(z: Array) -> float:
    low, high = np.quantile(z, [WINSOR, 1 - WINSOR])
    return float((np.clip(z, low, high) ** 2).mean())


def _sigma_for(model: _Model, schools: Array) -> float:
    """Solve mean(winsorised z²) = its value for N(0, 1) for σ by bisection (Spiegelhalter 2005:
    winsorising keeps the schools with inflated marks from widening the limits that judge them)."""

    def excess(sigma: float) -> float:
        p = _p_values(model, np.full(len(model.region.n), sigma), schools, ESTIMATE_EXACT_BELOW)
        return _winsorised_square(stats.norm.isf(np.clip(p[schools], 1e-12, 1 - 1e-12))) - WINSORISED_NORMAL

    if excess(0.0) <= 0:
        return 0.0
    low, high = 0.0, SIGMA_MAX
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if excess(middle) > 0 else (low, middle)
    return (low + high) / 2


# --- the school's distribution -------------------------------------------------------------------


def _pupils_of(region: _Region, schools: Array) -> tuple[Array, Array]:
    """Indices of the pupils of `schools` and, for each, its position in `schools`."""
    counts = region.n[schools]
    local = np.repeat(np.arange(len(schools)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return region.starts[schools][local] + offset, local


def _p_values(model: _Model, sigma: Array, schools: Array, exact_below: int) -> Array:
    """Randomised one-sided p for `schools`: the exact law under `exact_below` pupils, a normal one above."""
    p = np.full(len(model.region.n), np.nan)
    size = model.region.n[schools]
    for chunk in _chunks(model.region.n, schools[size < exact_below]):
        p[chunk] = _exact_p(model, sigma, chunk)
    big = schools[size >= exact_below]
    if len(big):
        p[big] = _normal_p(model, sigma, big)
    return np.asarray(np.clip(p, 0.0, 1.0))


def _chunks(n: Array, chosen: Array) -> list[Array]:
    """Schools grouped by size, so padding to the biggest school of a group wastes little work."""
    group = np.searchsorted(np.array(SIZE_CHUNKS), n[chosen])
    return [chosen[group == g] for g in np.unique(group)]


def _exact_p(model: _Model, sigma: Array, schools: Array) -> Array:
    """P(S > s) + U·P(S = s) from the exact law: the pupils' 0/1/2 steps convolved, mixed over the nodes."""
    law = _exact_law(model, sigma, schools)
    s = model.observed[schools].astype(np.int64)
    rows = np.arange(len(schools))
    at = law[rows, s]
    above = np.cumsum(law[:, ::-1], axis=1)[:, ::-1][rows, s] - at
    return np.asarray(above + model.uniform[schools] * at)


def _exact_law(model: _Model, sigma: Array, schools: Array) -> Array:
    """Law of S per school (rows, support 0..2·size), mixed over the school effect."""
    region = model.region
    size = int(region.n[schools].max())
    pupils, local = _pupils_of(region, schools)
    position = pupils - region.starts[schools][local]
    steps = np.zeros((len(schools), size, len(NODES), 3))
    steps[..., 0] = 1.0  # a missing pupil adds nothing
    p4 = node_probabilities(model.eta4[pupils], sigma[schools][local])
    p5 = node_probabilities(model.eta5[pupils], sigma[schools][local])
    steps[local, position] = np.stack([1 - p4, p4 - p5, p5], axis=-1)
    law = np.zeros((len(schools), len(NODES), 2 * size + 1))
    law[:, :, 0] = 1.0
    for k in range(size):
        step = steps[:, k]
        grown = law * step[:, :, :1]
        grown[:, :, 1:] += law[:, :, :-1] * step[:, :, 1:2]
        grown[:, :, 2:] += law[:, :, :-2] * step[:, :, 2:3]
        law = grown
    return np.asarray(np.einsum("snk,n->sk", law, WEIGHTS))


def _normal_p(model: _Model, sigma: Array, schools: Array) -> Array:
    """The same p with each node's law of S replaced by a normal one with a continuity correction."""
    node_mean, node_var = _node_moments(model, sigma, schools)
    sd = np.sqrt(np.maximum(node_var, 1e-12))
    s = model.observed[schools][:, None]
    upper, lower = stats.norm.cdf((s + 0.5 - node_mean) / sd), stats.norm.cdf((s - 0.5 - node_mean) / sd)
    return np.asarray((1 - upper + model.uniform[schools][:, None] * (upper - lower)) @ WEIGHTS)


def _node_moments(model: _Model, sigma: Array, schools: Array) -> tuple[Array, Array]:
    """Mean and variance of S per school (rows) given each node of the school effect (columns)."""
    pupils, local = _pupils_of(model.region, schools)
    p4 = node_probabilities(model.eta4[pupils], sigma[schools][local])
    p5 = node_probabilities(model.eta5[pupils], sigma[schools][local])
    return _sum_by(local, p4 + p5, len(schools)), _sum_by(local, p4 + 3 * p5 - (p4 + p5) ** 2, len(schools))


def _sum_by(local: Array, values: Array, count: int) -> Array:
    return np.stack([np.bincount(local, weights=values[:, j], minlength=count) for j in range(values.shape[1])], 1)


def _mean_sd(model: _Model, sigma: Array) -> tuple[Array, Array]:
    """Mean and SD of S mixed over the school effect: E = Σ_j w_j E_j, Var = Σ_j w_j V_j + Var_j(E_j)."""
    node_mean, node_var = _node_moments(model, sigma, np.arange(len(model.region.n)))
    mean = node_mean @ WEIGHTS
    return mean, np.sqrt(node_var @ WEIGHTS + ((node_mean - mean[:, None]) ** 2) @ WEIGHTS)


# --- output --------------------------------------------------------------------------------------


def _explanations(model: _Model, info: TestInfo, sigma: Array) -> list[str]:
    """Per school, code "shares": pupils with «4» or «5» and with «5», how many were expected, and the anchor
    (automatically checked or basic short-answer tasks) the expectation rests on: the school's mean, its maximum
    and the region's mean."""
    region = model.region
    count = len(region.n)
    pupil_sigma = sigma[region.school]
    expected4 = _sum_by(region.school, node_probabilities(model.eta4, pupil_sigma), count) @ WEIGHTS
    expected5 = _sum_by(region.school, node_probabilities(model.eta5, pupil_sigma), count) @ WEIGHTS
    got4 = np.bincount(region.school, weights=region.marks >= 1, minlength=count)
    got5 = np.bincount(region.school, weights=region.marks >= 2, minlength=count)
    own = np.bincount(region.school, weights=region.anchor, minlength=count) / region.n
    points = sum(info.column_max[j] for j in anchor_columns(info))
    region_mean = float(region.anchor.mean())
    return [
        encode(
            "shares",
            got4=int(got4[i]),
            n=int(region.n[i]),
            expected4=float(expected4[i]),
            got5=int(got5[i]),
            expected5=float(expected5[i]),
            auto=any(info.auto),
            own=float(own[i]),
            points=int(points),
            region=region_mean,
        )
        for i in range(count)
    ]


def _result(region: _Region, stat: Array, p: Array, texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "school_login": pl.Series(region.logins, dtype=pl.String),
            "n": pl.Series(region.n, dtype=pl.Int64),
            "stat_shares": pl.Series(stat, dtype=pl.Float64),
            "p_shares": pl.Series(p, dtype=pl.Float64),
            "explain_shares": pl.Series(texts, dtype=pl.String),
        }
    )


def _silent(region: _Region) -> pl.DataFrame:
    """Every school with p = null: the layer cannot judge this test."""
    count = len(region.n)
    return pl.DataFrame(
        {
            "school_login": pl.Series(region.logins, dtype=pl.String),
            "n": pl.Series(region.n, dtype=pl.Int64),
            "stat_shares": pl.Series([None] * count, dtype=pl.Float64),
            "p_shares": pl.Series([None] * count, dtype=pl.Float64),
            "explain_shares": pl.Series([""] * count, dtype=pl.String),
        }
    )
