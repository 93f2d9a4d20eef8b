"""Validation on injected manipulation (METHODS.md §3): how well each layer, the combination and the
ФИОКО baseline find the manipulated school × tests of generated regions.

The scenario is fixed, so no method can be tuned to one generator run: regions of `n_schools` schools
with the generator's realistic sizes, two consecutive springs, grades 4-5, Russian and maths; 8 % of
schools manipulated, one kind each, in one test: push, inflate, hard, journal, copy, exclude (equal
shares). The unit is a school × test; the positive ones are those the truth names.

Metrics (per seed, then mean and the range over seeds):
- AUC (Mann-Whitney, ties averaged); TPR at FPR = 1 % (threshold = the 99th percentile of the
  negatives' scores); precision at k (k = number of positives);
- calibration of the combined probability: ECE over 10 equal-width bins; 90 %-interval coverage =
  the share of school × tests (weighted by bin) whose bin's observed rate lies inside the bin's mean
  interval.
A method's score: layers −log10 p (missing p counts as p = 1), the combination −log10 of its combined
p (its probability, a calibrated step function of that p, is judged by ECE and coverage), the ФИОКО
baseline its number of markers (ties averaged by the rank-based AUC).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from objectivity.analysis.combine import combine
from objectivity.analysis.crude import CRUDE, CRUDE_RANK, crude_statistics, with_rank_sum
from objectivity.analysis.findings import fioco_findings
from objectivity.analysis.layered_findings import evidence_of
from objectivity.analysis.markers.base import SIZE_BANDS, TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.fioco import TEST_KEY
from objectivity.analysis.schema import counted_rows, with_test_key
from objectivity.analysis.synth import SyntheticRegion, default_tests, generate_region
from objectivity.analysis.synth_core import TestSpec
from objectivity.analysis.weights import product_weights

Layer = Callable[..., pl.DataFrame]
KINDS = ("push", "inflate", "hard", "journal", "copy", "exclude")
SHARE = 0.08
KEY = ["year", "grade", "subject", "school_login"]


YEARS = (2024, 2025)


def scenario_region(seed: int, n_schools: int) -> SyntheticRegion:
    """The fixed scenario of METHODS.md §3 for one seed."""
    tests = default_tests(YEARS, grades=(4, 5), subjects=("ru", "ma"))
    inject = {kind: SHARE / len(KINDS) for kind in KINDS}
    return generate_region(seed=seed, years=YEARS, n_schools=n_schools, tests=tests, inject=inject)


def school_tests(seed: int, n_schools: int, layers: Mapping[str, Layer]) -> pl.DataFrame:
    """One row per school × test of a generated region: truth, size band, p_<layer>, combined, ФИОКО."""
    region = scenario_region(seed, n_schools)
    frames = [_keyed(spec, frame) for spec, frame in region.results.items()]
    infos = {(s.year, s.period, s.grade, s.subject): info_from_spec(s) for s in region.results}
    sizes = pl.concat([_sizes(frame) for frame in frames])
    evidence = evidence_of(frames, infos, layers) if layers else None
    rows = sizes if evidence is None else sizes.join(evidence, on=[*KEY, "period"], how="left")
    maxima = {key: info.max_total for key, info in infos.items()}
    rows = rows.join(_fioco_scores(frames, maxima), on=KEY, how="left")
    truth = region.truth.select(*KEY, "kind").with_columns(
        pl.col("year").cast(pl.Int32), pl.col("grade").cast(pl.Int32)
    )
    rows = rows.join(truth, on=KEY, how="left")
    attributes = region.schools.select(
        pl.col("login").alias("school_login"), "settlement", "school_type", pl.col("is_small").cast(pl.Boolean)
    )
    rows = rows.join(attributes, on="school_login", how="left")
    return combine(rows, list(layers), seed=seed, weights=product_weights()) if layers else rows


def _keyed(spec: TestSpec, frame: pl.DataFrame) -> pl.DataFrame:
    return with_test_key(frame, year=spec.year, period=spec.period, grade=spec.grade, subject=spec.subject)


def _sizes(frame: pl.DataFrame) -> pl.DataFrame:
    """Present participants per school of one test, with the size band."""
    return (
        counted_rows(frame)
        .group_by(*KEY, "period")
        .agg(pl.len().alias("n"))
        .with_columns(pl.col("n").map_elements(size_band, return_dtype=pl.String).alias("band"))
    )


def _fioco_scores(frames: list[pl.DataFrame], maxima: dict[tuple[int, str, int, str], int]) -> pl.DataFrame:
    found = fioco_findings(pl.concat(frames, how="diagonal_relaxed"), maxima)
    markers = (
        pl.col("fioco_mean").fill_null(0)
        + pl.col("fioco_spearman").fill_null(0)
        + pl.col("fioco_cohort").is_in(["rise", "fall"]).fill_null(False).cast(pl.Int8)
    )
    return found.select(*KEY, markers.cast(pl.Float64).alias("score_fioco"))


# ---- metrics --------------------------------------------------------------------------------------


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve by the Mann-Whitney statistic, ties averaged."""
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = stats.rankdata(scores)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def tpr_at_fpr(scores: np.ndarray, positive: np.ndarray, fpr: float = 0.01) -> float:
    negatives = scores[~positive]
    if negatives.size == 0 or not positive.any():
        return math.nan
    threshold = np.quantile(negatives, 1 - fpr)
    return float(np.mean(scores[positive] > threshold))


def precision_at_k(scores: np.ndarray, positive: np.ndarray) -> float:
    """Share of positives among the k highest scores (k = number of positives); the places left at the k-th
    score go to its tied school × tests at random, so the figure is their expectation (ФИОКО scores tie a lot,
    and the row order must not decide)."""
    k = int(positive.sum())
    if k == 0:
        return math.nan
    kth = np.sort(scores)[::-1][k - 1]
    above, tied = scores > kth, scores == kth
    expected = positive[above].sum() + (k - above.sum()) * positive[tied].mean()
    return float(expected / k)


def calibration(
    probability: np.ndarray, low: np.ndarray, high: np.ndarray, positive: np.ndarray
) -> tuple[float, float]:
    """(ECE over 10 bins, 90 %-interval coverage by bin) of a predicted probability."""
    p = np.nan_to_num(probability, nan=0.0)
    bins = np.minimum((p * 10).astype(int), 9)
    ece = coverage = 0.0
    for b in np.unique(bins):
        inside = bins == b
        rate, weight = positive[inside].mean(), inside.mean()
        ece += weight * abs(p[inside].mean() - rate)
        lo, hi = np.nanmean(low[inside]), np.nanmean(high[inside])
        coverage += weight * float(lo - 1e-9 <= rate <= hi + 1e-9)
    return float(ece), float(coverage)


# ---- the evaluation ---------------------------------------------------------------------------


@dataclass
class Result:
    method: str
    subset: str  # "all", a kind, or a size band
    auc: float
    tpr: float
    precision: float


def method_scores(rows: pl.DataFrame, layers: Sequence[str], extra: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Scores per method (higher = more suspicious); `extra` names methods scored by a `score_<name>` column
    (the crude statistics; a missing figure ranks lowest)."""
    scores = {
        name: -np.log10(np.clip(rows[f"p_{name}"].cast(pl.Float64).fill_null(1.0).to_numpy(), 1e-300, 1.0))
        for name in layers
    }
    if "p_combined" in rows.columns:  # ranked by the combined p (the probability is its calibrated step function)
        combined = rows["p_combined"].cast(pl.Float64).fill_nan(1.0).fill_null(1.0).to_numpy()
        scores["combined"] = -np.log10(np.clip(combined, 1e-300, 1.0))
    scores["ФИОКО"] = rows["score_fioco"].fill_null(0.0).to_numpy()
    for name in extra:
        values = rows[f"score_{name}"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        known = ~np.isnan(values)
        scores[name] = np.where(known, values, values[known].min() - 1 if known.any() else 0.0)
    return scores


def results_of(rows: pl.DataFrame, layers: Sequence[str], extra: Sequence[str] = ()) -> list[Result]:
    scores = method_scores(rows, layers, extra)
    positive = rows["kind"].is_not_null().to_numpy()
    kinds = rows["kind"].fill_null("").to_numpy()
    bands = rows["band"].to_numpy()
    subsets: dict[str, np.ndarray] = {"all": np.ones(rows.height, dtype=bool), "20+": rows["n"].to_numpy() >= 20}
    subsets |= {kind: (kinds == kind) | ~positive for kind in KINDS}
    subsets |= {big_subset(kind): subsets["20+"] & subsets[kind] for kind in KINDS}
    subsets |= {size_band(low): bands == size_band(low) for low, _high in SIZE_BANDS}
    out = []
    for method, score in scores.items():
        for subset, mask in subsets.items():
            s, y = score[mask], positive[mask]
            out.append(Result(method, subset, auc(s, y), tpr_at_fpr(s, y), precision_at_k(s, y)))
    return out


def big_subset(kind: str) -> str:
    """The subset name of one kind among school × tests with at least 20 participants."""
    return f"{kind}, ≥ 20"


def false_positive_rates(rows: pl.DataFrame) -> dict[str, float]:
    """Share of clean school × tests flagged by the combination, per size band."""
    clean = rows.filter(pl.col("kind").is_null())
    rates = {}
    for low, _high in SIZE_BANDS:
        flags = clean.filter(pl.col("band") == size_band(low))["flagged"].cast(pl.Float64).to_numpy()
        rates[size_band(low)] = float(flags.mean()) if flags.size else math.nan
    return rates


# ---- the report -------------------------------------------------------------------------------


def summarise(per_seed: list[list[Result]]) -> pl.DataFrame:
    """Mean and range over seeds of each metric, per method × subset, over the seeds where it is defined (a small
    region can have no manipulated school × test of one kind with 20 participants)."""
    rows = [
        {"seed": i, "method": r.method, "subset": r.subset, "auc": r.auc, "tpr": r.tpr, "precision": r.precision}
        for i, results in enumerate(per_seed)
        for r in results
    ]
    metrics = ("auc", "tpr", "precision")
    frame = pl.DataFrame(rows).with_columns(pl.col(m).fill_nan(None) for m in metrics)
    return frame.group_by("method", "subset", maintain_order=True).agg(
        *(pl.col(m).mean().alias(m) for m in metrics),
        *(pl.col(m).min().alias(f"{m}_min") for m in metrics),
        *(pl.col(m).max().alias(f"{m}_max") for m in metrics),
    )


def cell(row: dict[str, float], metric: str) -> str:
    value = row[metric]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f} ({row[metric + '_min']:.2f}–{row[metric + '_max']:.2f})"


FAIRNESS_ATTRIBUTES = ("band", "settlement", "school_type", "is_small")


def fairness(rows: pl.DataFrame) -> list[dict[str, object]]:
    """Flag rates of clean school × tests by school attribute, with a chi-square test of independence
    (scipy.stats.chi2_contingency): flags should not follow size, settlement, small-school status or type."""
    clean = rows.filter(pl.col("kind").is_null())
    out: list[dict[str, object]] = []
    for attribute in FAIRNESS_ATTRIBUTES:
        groups = clean.group_by(attribute).agg(
            pl.len().alias("n"), pl.col("flagged").cast(pl.Int64).sum().alias("flagged")
        )
        groups = groups.sort(attribute)
        table = np.column_stack([groups["flagged"].to_numpy(), (groups["n"] - groups["flagged"]).to_numpy()])
        informative = table[:, 0].sum() > 0 and table.shape[0] > 1
        p = float(stats.chi2_contingency(table).pvalue) if informative else math.nan
        rates = {str(g): round(f / n, 4) for g, n, f in groups.select(attribute, "n", "flagged").iter_rows()}
        out.append({"attribute": attribute, "rates": rates, "p": p})
    return out


# ---- real exports as the background (METHODS.md §3: real data first) ------------------------------------

CRUDE_METHODS = (*CRUDE, CRUDE_RANK)
P_BINS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def test_key(frame: pl.DataFrame) -> tuple[int, str, int, str]:
    return (int(frame["year"][0]), str(frame["period"][0]), int(frame["grade"][0]), str(frame["subject"][0]))


def crude_of(frames: Sequence[pl.DataFrame], infos: Mapping[tuple[int, str, int, str], TestInfo]) -> pl.DataFrame:
    """The crude statistics (objectivity.analysis.crude) of every school × test, with their rank sum."""
    parts = []
    for frame in frames:
        if frame.is_empty() or (key := test_key(frame)) not in infos:
            continue
        found = crude_statistics(frame, infos[key]).drop("n")
        parts.append(found.with_columns(pl.lit(v).alias(k) for k, v in zip(TEST_KEY, key, strict=True)))
    if not parts:
        return pl.DataFrame(schema={**dict.fromkeys(TEST_KEY), "school_login": pl.String})
    frame = pl.concat(parts, how="diagonal_relaxed").with_columns(
        pl.col("year").cast(pl.Int32), pl.col("grade").cast(pl.Int32)
    )
    return with_rank_sum(frame, TEST_KEY)


def real_rows(
    findings: pl.DataFrame,
    frames: Sequence[pl.DataFrame],
    infos: Mapping[tuple[int, str, int, str], TestInfo],
    truth: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per school × test of a run of the product on real exports: the findings' n, p_<layer>, stat_<layer>,
    p_combined, flagged, the ФИОКО score, the crude statistics (`score_<name>`), the size band and the injected kind."""
    found = findings.filter(pl.col("n").fill_null(0) > 0)
    markers = (
        pl.col("fioco_mean").fill_null(0)
        + pl.col("fioco_spearman").fill_null(0)
        + pl.col("fioco_cohort").is_in(["rise", "fall"]).fill_null(False).cast(pl.Int8)
    )
    layers = [c for c in found.columns if c.startswith(("p_", "stat_"))]  # stat_: the combination's floor rule
    rows = found.select(
        *TEST_KEY,
        "school_login",
        pl.col("n").cast(pl.Int64),
        *layers,
        *(c for c in ("flagged", "probability", "probability_low", "probability_high") if c in found.columns),
        markers.cast(pl.Float64).alias("score_fioco"),
        pl.col("n").cast(pl.Int64).map_elements(size_band, return_dtype=pl.String).alias("band"),
    ).with_columns(pl.col("year").cast(pl.Int32), pl.col("grade").cast(pl.Int32))
    crude = crude_of(frames, infos).rename({c: f"score_{c}" for c in CRUDE_METHODS})
    rows = rows.join(crude, on=[*TEST_KEY, "school_login"], how="left")
    if truth is None or truth.is_empty():
        return rows.with_columns(pl.lit(None, pl.String).alias("kind"))
    kinds = truth.select(*TEST_KEY, "school_login", "kind").with_columns(
        pl.col("year").cast(pl.Int32), pl.col("grade").cast(pl.Int32)
    )
    return rows.join(kinds, on=[*TEST_KEY, "school_login"], how="left")


def layers_with_p(rows: pl.DataFrame, layers: Sequence[str]) -> list[str]:
    """The layers that gave a p-value to at least one school × test of the run."""
    return [
        name
        for name in layers
        if f"p_{name}" in rows.columns and rows[f"p_{name}"].cast(pl.Float64).fill_nan(None).drop_nulls().len() > 0
    ]


def null_shares(rows: pl.DataFrame, layers: Sequence[str], by: Sequence[str] = ()) -> pl.DataFrame:
    """Per group `by` (none: the whole run) and layer, on un-injected data: the share of school × tests with a
    p-value that have p < 0.05 and p < 0.001, over all and over those with ≥ 20 participants, with the counts;
    and the share the combination flags (layer "combined")."""
    out = []
    groups = rows.partition_by(list(by), as_dict=True, maintain_order=True) if by else {(): rows}
    for group, frame in groups.items():
        where = dict(zip(by, group, strict=True))
        for name in layers:
            p = frame[f"p_{name}"].cast(pl.Float64).fill_nan(None)
            big = frame["n"] >= 20
            item = {**where, "layer": name}
            for suffix, values in (("", p.drop_nulls()), ("_20", p.filter(big).drop_nulls())):
                count = values.len()
                item[f"count{suffix}"] = count
                item[f"p05{suffix}"] = _share(values < 0.05)
                item[f"p001{suffix}"] = _share(values < 0.001)
            out.append(item)
        if "flagged" in frame.columns:
            flagged, big = frame["flagged"].cast(pl.Float64).fill_null(0.0), frame["n"] >= 20
            out.append(
                {**where, "layer": "combined", "count": frame.height, "count_20": int(big.sum())}
                | {"flag": _share(flagged > 0), "flag_20": _share(flagged.filter(big) > 0)}
            )
    return pl.DataFrame(out, infer_schema_length=None)


def _share(mask: pl.Series) -> float:
    """The share of True in a boolean series; NaN when it is empty."""
    return float(np.mean(mask.to_numpy())) if mask.len() else math.nan


def pvalue_histogram(p: np.ndarray) -> list[float]:
    """Density ÷ uniform of p-values in the bins P_BINS (1 everywhere for uniform p); NaN-free input."""
    if p.size == 0:
        return [math.nan] * (len(P_BINS) - 1)
    counts, _edges = np.histogram(np.clip(p, 0.0, 1.0), bins=np.asarray(P_BINS))
    return [float(c / p.size / (hi - lo)) for c, lo, hi in zip(counts, P_BINS[:-1], P_BINS[1:], strict=True)]
