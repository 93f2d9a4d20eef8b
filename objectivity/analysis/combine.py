"""Combining the evidence layers into one calibrated probability per school × test (METHODS.md §2).

1. Layer p-values (raised to 0.5 where the layer's statistic shows no excess: `_without_floor_noise`) are
   combined by the harmonic mean p-value (HMP; Wilson 2019, PNAS 116(4):1195), which
   stays valid under dependence between layers as p → 0: with the L layers that have information for the
   school × test, H⁻¹ = (1/L) Σ 1/p_i, and the combined p = P(H⁻¹ ≥ observed) for independent uniform
   p-values (`mean_inverse_sf`: Monte-Carlo in the body, so p is uniform under the null and step 2 stays
   calibrated; Wilson's asymptotically exact Landau(log L + 0.874, π/2) law in the tail; scipy.stats.landau).
   Unlike the Cauchy combination (ACAT; Liu & Xie 2020, used before), a layer with p near 1 cannot cancel a
   strong one: tan((0.5 − p)π) of
   p = 0.999 is −318 and wipes out p = 0.003 of another layer, while 1/p adds at most 1. On the evaluation
   scenario this raised the AUC from 0.73 to 0.76 (copying within a class: 0.91 → 0.99).
   Layers may carry weights (`combine(weights=…)`; Wilson 2019 allows any fixed w_i ≥ 0 with Σ w = 1):
   H⁻¹ = Σ w_i / p_i over the layers present, weights renormalised, its null law by Monte-Carlo for those
   weights (`weighted_inverse_sf`) and Landau(0.874 + Σ w_i log(1/w_i), π/2) in the tail (`landau_location`);
   equal weights give exactly the unweighted result. The product's weights come from
   objectivity.analysis.weights (equal unless fitted ones beat them on held-out real-data injections).
2. Across all school × tests of a region, the share of clean ones π0 is estimated (Storey 2002, λ = 0.5)
   and the density of combined p-values by a monotone decreasing (Grenander) estimate; the probability
   that a school × test is manipulated is 1 − lfdr(p) = 1 − π0 / f(p) (Efron 2004, local FDR).
   A 90% interval comes from a bootstrap over school × tests.
3. Flags control the FDR of the flagged list (Benjamini & Hochberg 1995, `Rules.q`, 0.05) and need either
   ≥ `Rules.min_agreeing` (2) layers that signal, or one layer with p < `Rules.extreme` (0.001) that persists
   over years (the same layer signalled for the same school and subject in another year: column
   `persistent_<layer>`; without such columns a single extreme layer is enough). A layer signals when
   p < `Rules.signal_below` (0.05) and its statistic shows an excess (stat_<layer> > 0, when the column is
   there): randomised p-values are uniform under the null even where the statistic sits at its floor (no
   identical vectors at all), and such a p is no sign. The rules are defined once, with their sources, in
   objectivity.analysis.parameters.Rules; a run records them.

Output columns of `combine`: every input column, plus p_combined, layers_agreeing, probability,
probability_low, probability_high, flagged (0/1), risk (a code: "low" / "medium" / "high"; words in
objectivity.analysis.wording).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from scipy import optimize, stats

from objectivity.analysis import wording
from objectivity.analysis.parameters import RULES, Rules

Array = np.ndarray
LANDAU_SHIFT = 0.874  # Wilson (2019): the location of 1/HMP of L independent uniforms is log L + 0.874
NULL_DRAWS = 200_000
MIN_REFERENCE = 10  # p-values of a region below which no probability is estimated


def harmonic_mean_p(pvalues: Array, weights: Sequence[float] | None = None, draws: int = NULL_DRAWS) -> Array:
    """Row-wise combined p of a (schools × layers) array with NaN for missing layers (Wilson 2019); NaN when all
    are missing, the p itself when one is present.

    `weights` (one per column, ≥ 0; None: equal) give the weighted HMP, H⁻¹ = Σ w_i / p_i with the weights of
    the layers present in the row renormalised to sum to 1 (Wilson 2019 allows any fixed weights summing to 1).
    Rows whose present layers have equal weights are combined exactly as without weights; `draws` sets the
    Monte-Carlo of unequal weights (fewer when fitting weights, where only ranks matter)."""
    present = ~np.isnan(pvalues)
    if weights is None or _all_equal(np.asarray(weights, dtype=float)):
        return _equal_hmp(pvalues, present)
    relative = np.asarray(weights, dtype=float)
    if relative.shape != (pvalues.shape[1],) or np.any(relative < 0) or not np.all(np.isfinite(relative)):
        raise ValueError("harmonic_mean_p: one finite weight ≥ 0 per layer")
    inverse = 1.0 / np.clip(np.nan_to_num(pvalues, nan=1.0), 1e-300, 1.0)
    result = np.full(pvalues.shape[0], np.nan)
    patterns, which = np.unique(present, axis=0, return_inverse=True)
    for index, pattern in enumerate(patterns):
        rows = which.ravel() == index
        if not pattern.any():
            continue
        w = relative[pattern]
        w = np.full(w.size, 1.0 / w.size) if w.sum() <= 0 else w / w.sum()  # no weight at all: equal shares
        if _all_equal(w):
            result[rows] = _equal_hmp(pvalues[np.ix_(rows, pattern)], present[np.ix_(rows, pattern)])
            continue
        result[rows] = weighted_inverse_sf(inverse[np.ix_(rows, pattern)] @ w, w, draws)
    return result


def _all_equal(weights: Array) -> bool:
    return weights.size == 0 or bool(np.all(weights == weights[0]))


def _equal_hmp(pvalues: Array, present: Array) -> Array:
    """The equal-weight HMP of every row (the product's combination before layer weights)."""
    count = present.sum(axis=1)
    inverse = np.where(present, 1.0 / np.clip(np.nan_to_num(pvalues, nan=1.0), 1e-300, 1.0), 0.0).sum(axis=1)
    mean_inverse = np.divide(inverse, count, out=np.ones(count.shape), where=count > 0)
    result = np.full(count.shape, np.nan)
    for layers in np.unique(count[count > 0]):
        rows = count == layers
        result[rows] = mean_inverse_sf(mean_inverse[rows], int(layers))
    return result


@functools.cache
def _null_mean_inverse(layers: int) -> Array:
    """Sorted draws of (1/L) Σ 1/U_i for L independent uniforms (fixed seed: the same law everywhere)."""
    rng = np.random.default_rng(20190125)
    draws: Array = np.sort((1.0 / rng.uniform(size=(NULL_DRAWS, layers))).mean(axis=1))
    return draws


def mean_inverse_sf(value: Array, layers: int) -> Array:
    """P(H⁻¹ ≥ value) for L independent uniform p-values: Monte-Carlo over the body of the law, so the combined p
    is uniform under the null (Wilson's Landau law is off by up to a third near p = 0.5), and Wilson's Landau law
    beyond the draws' 0.999 quantile, where it is exact as p → 0 and Monte-Carlo is coarse."""
    if layers == 1:
        return np.minimum(1.0, 1.0 / value)
    draws = _null_mean_inverse(layers)
    simulated = 1.0 - np.searchsorted(draws, value, side="left") / draws.size
    landau = stats.landau.sf(value, loc=np.log(layers) + LANDAU_SHIFT, scale=np.pi / 2)
    tail = value > draws[int(0.999 * draws.size)]
    result: Array = np.where(tail, landau, simulated)
    return result


def landau_location(weights: Array) -> float:
    """Location of the Landau law of Σ w_i / U_i (Σ w = 1): LANDAU_SHIFT + Σ w_i log(1/w_i).

    1/U is in the domain of the stable law with α = 1, β = 1 (Landau(0.874, π/2) for one layer); for α = 1,
    w·X has scale w·σ and location w·μ − (2/π)σ w log w, so the sum of independent terms has scale π/2 and
    location 0.874 + Σ w_i log(1/w_i): log L + 0.874 for equal weights, Wilson's law. Checked against
    Monte-Carlo in tests/analysis/test_combine.py."""
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    return float(LANDAU_SHIFT - np.sum(w * np.log(w)))


def _weights_key(weights: Array) -> tuple[float, ...]:
    """The law of Σ w_i / U_i does not depend on the order of the layers: one cache entry per sorted set."""
    return tuple(sorted(round(float(w), 9) for w in weights if w > 0))


@functools.lru_cache(maxsize=64)
def _null_weighted(key: tuple[float, ...], draws: int) -> Array:
    """Sorted draws of Σ w_i / U_i for independent uniforms, w = `key` (fixed seed: the same law everywhere)."""
    rng = np.random.default_rng(20190125)
    weights = np.asarray(key)
    simulated: Array = np.sort((1.0 / rng.uniform(size=(draws, weights.size))) @ weights)
    return simulated


def weighted_inverse_sf(value: Array, weights: Array, draws: int = NULL_DRAWS) -> Array:
    """P(Σ w_i / U_i ≥ value) for independent uniform U_i and weights summing to 1: Monte-Carlo for these
    weights over the body of the law, the Landau law (`landau_location`, scale π/2) beyond the draws' 0.999
    quantile, as `mean_inverse_sf` does for equal weights."""
    key = _weights_key(np.asarray(weights, dtype=float))
    if len(key) == 1:
        return np.minimum(1.0, 1.0 / np.asarray(value))
    null = _null_weighted(key, draws)
    simulated = 1.0 - np.searchsorted(null, value, side="left") / null.size
    landau = stats.landau.sf(value, loc=landau_location(np.asarray(key)), scale=np.pi / 2)
    tail = value > null[int(0.999 * null.size)]
    result: Array = np.where(tail, landau, simulated)
    return result


def storey_pi0(p: Array, lam: float = 0.5) -> float:
    """Share of true nulls among p-values (Storey 2002), capped at 1."""
    if p.size == 0:
        return 1.0
    share = float(np.mean(p > lam))
    return min(1.0, share / (1 - lam))


def grenander(p: Array) -> tuple[Array, Array]:
    """Knots and slopes of the least concave majorant of the empirical CDF on [0, 1]: a decreasing density.

    The slopes of the majorant are the antitonic regression of the histogram's slopes between consecutive
    distinct p-values, weighted by the gaps (Robertson, Wright & Dykstra 1988, §7.2), computed by
    scipy.optimize.isotonic_regression in linear time — the bootstrap stays fast on national data.
    """
    values, counts = np.unique(np.clip(p, 0.0, 1.0), return_counts=True)
    knots = np.unique(np.concatenate([[0.0], values, [1.0]]))
    mass = np.zeros(knots.size - 1)
    mass[np.maximum(np.searchsorted(knots, values, side="left") - 1, 0)] += counts / p.size
    widths = np.maximum(np.diff(knots), 1e-12)
    fitted = optimize.isotonic_regression(mass / widths, weights=widths, increasing=False).x
    return knots, np.asarray(fitted)


def density_at(p: Array, knots: Array, slopes: Array) -> Array:
    index = np.clip(np.searchsorted(knots, p, side="right") - 1, 0, slopes.size - 1)
    result: Array = slopes[index]
    return result


def probability_manipulated(p: Array, reference: Array | None = None) -> Array:
    """1 − local FDR of each p given the region's p-values (`reference`, default: p itself)."""
    ref = p[~np.isnan(p)] if reference is None else reference[~np.isnan(reference)]
    if ref.size < MIN_REFERENCE:
        return np.full(p.shape, np.nan)
    knots, slopes = grenander(ref)
    f = density_at(np.nan_to_num(p, nan=1.0), knots, slopes)
    lfdr = np.minimum(1.0, storey_pi0(ref) / np.maximum(f, 1e-12))
    return np.where(np.isnan(p), np.nan, 1.0 - lfdr)


def bootstrap_interval(p: Array, *, seed: int, rounds: int = 100, level: float = 0.9) -> tuple[Array, Array]:
    """A `level` interval of each probability from resampling the region's school × tests."""
    low, high = np.full(p.shape, np.nan), np.full(p.shape, np.nan)
    known = ~np.isnan(p)
    valid = np.sort(
        p[known]
    )  # resampled in a fixed order: the same region gives the same interval whatever its row order
    if valid.size < MIN_REFERENCE:  # no probability at all (probability_manipulated), so no interval either
        return low, high
    rng = np.random.default_rng(seed)
    draws = np.stack([probability_manipulated(p, rng.choice(valid, valid.size)) for _ in range(rounds)])
    tail = (1 - level) / 2
    low[known], high[known] = np.quantile(draws[:, known], [tail, 1 - tail], axis=0)
    return low, high


SIGNAL_BELOW = RULES.signal_below


def signals(p: float | None, stat: float | None) -> bool:
    """Does one layer signal for one school × test (see the module docstring, step 3)?"""
    return p is not None and p == p and p < SIGNAL_BELOW and (stat is None or stat != stat or stat > 0)


def signal_expr(name: str, columns: Sequence[str]) -> pl.Expr:
    """`signals` of layer `name` as a polars expression over p_<name> and, when present, stat_<name>."""
    below = pl.col(f"p_{name}").fill_nan(None).fill_null(1.0) < SIGNAL_BELOW
    stat = f"stat_{name}"
    return below & (pl.col(stat).fill_nan(None).fill_null(1.0) > 0) if stat in columns else below


def benjamini_hochberg(p: Array, q: float = RULES.q) -> Array:
    """Boolean array: rejected at FDR q by Benjamini-Hochberg (SciPy's adjusted p-values); NaN never rejected."""
    valid = ~np.isnan(p)
    rejected = np.zeros(p.size, dtype=bool)
    if valid.any():
        rejected[valid] = stats.false_discovery_control(p[valid], method="bh") <= q
    return rejected


def combine(
    findings: pl.DataFrame,
    layers: Sequence[str],
    *,
    seed: int = 0,
    rules: Rules = RULES,
    weights: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """Add the combined evidence to a frame with one p_<layer> column per layer (see module docstring), flagged
    by `rules` (objectivity.analysis.parameters.Rules; the signal level of a layer is always Rules.signal_below).

    `weights`: relative weight of each layer in the HMP (a layer not named weighs 1; None: all equal), as
    objectivity.analysis.weights fits them; the flag rule and the FDR control do not depend on them."""
    matrix = layer_matrix(findings, layers)
    adjusted = _without_floor_noise(findings, layers, matrix)
    combined = _combined(adjusted, layers, weights)
    # p ≥ 0.5 wherever the statistic shows no excess, so this is `signals` of every layer at once
    signalled = np.nan_to_num(adjusted, nan=1.0) < SIGNAL_BELOW
    agreeing = signalled.sum(axis=1)
    extreme_hit = np.any(
        signalled & (np.nan_to_num(matrix, nan=1.0) < rules.extreme) & _persistence(findings, layers), axis=1
    )
    flagged = benjamini_hochberg(combined, rules.q) & ((agreeing >= rules.min_agreeing) | extreme_hit)
    probability = probability_manipulated(combined)
    low, high = bootstrap_interval(combined, seed=seed)
    out = findings.with_columns(
        pl.Series("p_combined", combined),
        pl.Series("layers_agreeing", agreeing.astype(np.int64)),
        pl.Series("probability", probability),
        pl.Series("probability_low", low),
        pl.Series("probability_high", high),
        pl.Series("flagged", flagged.astype(np.int8)),
    )
    return out.with_columns(_risk(rules.risk_medium).alias("risk"))


def layer_matrix(findings: pl.DataFrame, layers: Sequence[str]) -> Array:
    """(rows × layers) p-values, NaN where a layer gave none."""
    return np.column_stack([findings[f"p_{name}"].cast(pl.Float64).fill_null(np.nan).to_numpy() for name in layers])


def adjusted_matrix(findings: pl.DataFrame, layers: Sequence[str]) -> Array:
    """(rows × layers) p-values as the combination sees them (`_without_floor_noise`)."""
    return _without_floor_noise(findings, layers, layer_matrix(findings, layers))


def combined_p(findings: pl.DataFrame, layers: Sequence[str], weights: Mapping[str, float] | None = None) -> Array:
    """The combined p of every row (steps 1 of the module docstring), with relative layer `weights`."""
    return _combined(adjusted_matrix(findings, layers), layers, weights)


def _combined(adjusted: Array, layers: Sequence[str], weights: Mapping[str, float] | None) -> Array:
    if weights is None:
        return harmonic_mean_p(adjusted)
    return harmonic_mean_p(adjusted, [float(weights.get(name, 1.0)) for name in layers])


def _without_floor_noise(findings: pl.DataFrame, layers: Sequence[str], matrix: Array) -> Array:
    """Layer p-values for the combination: where a layer's statistic shows no excess (stat_<layer> ≤ 0) its p
    is raised to at least 0.5. A randomised p is uniform under the null even at the floor of a discrete
    statistic (no identical vectors at all), which is right for the layer's own size but only adds noise to
    the combination; raising p keeps the combined p valid (conservative) and drops the noise."""
    out = matrix.copy()
    for j, name in enumerate(layers):
        if f"stat_{name}" in findings.columns:
            no_excess = findings[f"stat_{name}"].cast(pl.Float64).fill_null(np.nan).to_numpy() <= 0
            out[:, j] = np.where(no_excess, np.maximum(out[:, j], 0.5), out[:, j])
    return out


def _persistence(findings: pl.DataFrame, layers: Sequence[str]) -> Array:
    """(rows × layers) booleans: the layer also signalled in another year; all True when unknown."""
    columns = [f"persistent_{name}" for name in layers]
    if not all(c in findings.columns for c in columns):
        return np.ones((findings.height, len(layers)), dtype=bool)
    return np.column_stack([findings[c].fill_null(False).to_numpy() for c in columns])


def _risk(medium: float) -> pl.Expr:
    """High exactly for the flagged school × tests, so the risk and the «с признаками» filter agree; medium for a
    probability of at least `medium` without a flag; low otherwise."""
    probability = pl.col("probability").fill_nan(0.0).fill_null(0.0)
    return (
        pl.when(pl.col("flagged") == 1)
        .then(pl.lit(wording.HIGH))
        .when(probability >= medium)
        .then(pl.lit(wording.MEDIUM))
        .otherwise(pl.lit(wording.LOW))
    )
