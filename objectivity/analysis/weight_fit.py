"""Fitting and validating the layer weights of the combination on real exports with injected manipulation.

The weighted harmonic mean p (objectivity.analysis.combine.harmonic_mean_p) gives each layer a share of
H⁻¹ = Σ w_i / p_i. Weights are fitted on the stored layer p-values of `objectivity evaluate --real` runs
(one analysis per injection seed; the weights do not change the layers, so the fit never re-analyses):

- the score is the mean over the kinds of manipulation of the AUC of the combined p (positives of one kind
  against every untouched school × test), so no kind is sacrificed to the others;
- weights are w = softmax(θ), searched coordinate by coordinate with steps 1, 0.5, 0.25 from θ = 0 (equal
  weights), and shrunk toward equal weights by the penalty PENALTY · KL(w ‖ uniform);
- stored as relative weights (1 = an equal share; a layer not named weighs 1) in
  objectivity.analysis.weights.WEIGHTS_FILE.

`held_out` validates the fit twice: on injections it was not fitted on (folds over injection seeds) and on
tests it was not fitted on (fitted on the other subjects' school × tests of the other seeds). `adopt` says
whether learned weights beat equal weights on both; the product uses them only then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from objectivity.analysis.combine import NULL_DRAWS, adjusted_matrix, harmonic_mean_p
from objectivity.analysis.evaluate import auc, big_subset
from objectivity.analysis.real_inject import KINDS
from objectivity.analysis.weights import method_name

PENALTY = 0.05  # × KL(w ‖ uniform): all weight on one of six layers costs 0.09 of mean kind AUC
STEPS = (1.0, 0.5, 0.25)
FIT_DRAWS = 20_000  # Monte-Carlo draws of the weighted null while fitting (only ranks matter there)
MAX_ROUNDS = 8


# ---- the data the fit reads ------------------------------------------------------------------------------


@dataclass
class Prepared:
    """School × test rows of injected runs, reduced to what the fit needs (the p-values as the combination
    sees them: combine.adjusted_matrix)."""

    adjusted: np.ndarray  # rows × layers
    kind: np.ndarray  # str, "" where untouched
    n: np.ndarray
    seed: np.ndarray
    subject: np.ndarray

    def take(self, mask: np.ndarray) -> Prepared:
        return Prepared(self.adjusted[mask], self.kind[mask], self.n[mask], self.seed[mask], self.subject[mask])


def prepare(per_seed: Mapping[int, pl.DataFrame], layers: Sequence[str]) -> Prepared:
    """Stack the rows of every seed (as `real_rows` gives them: p_<layer>, stat_<layer>, n, subject, kind)."""
    parts = []
    for seed, rows in per_seed.items():
        for name in layers:
            if f"p_{name}" not in rows.columns:
                rows = rows.with_columns(pl.lit(None, pl.Float64).alias(f"p_{name}"))
        adjusted = adjusted_matrix(rows, layers)
        parts.append(
            Prepared(
                adjusted=adjusted,
                kind=rows["kind"].fill_null("").to_numpy().astype(str),
                n=rows["n"].fill_null(0).to_numpy(),
                seed=np.full(rows.height, seed),
                subject=rows["subject"].cast(pl.String).to_numpy().astype(str),
            )
        )
    return Prepared(
        adjusted=np.vstack([p.adjusted for p in parts]) if parts else np.zeros((0, len(layers))),
        kind=np.concatenate([p.kind for p in parts]) if parts else np.zeros(0, dtype=str),
        n=np.concatenate([p.n for p in parts]) if parts else np.zeros(0),
        seed=np.concatenate([p.seed for p in parts]) if parts else np.zeros(0, dtype=int),
        subject=np.concatenate([p.subject for p in parts]) if parts else np.zeros(0, dtype=str),
    )


# ---- scores ----------------------------------------------------------------------------------------------


def combined_scores(data: Prepared, relative: np.ndarray | None, draws: int | None = None) -> np.ndarray:
    """−log10 of the combined p of every row (NaN p, no layer at all, ranks lowest)."""
    p = harmonic_mean_p(data.adjusted, None if relative is None else list(relative), draws or NULL_DRAWS)
    score: np.ndarray = -np.log10(np.clip(np.nan_to_num(p, nan=1.0), 1e-300, 1.0))
    return score


def subset_aucs(score: np.ndarray, data: Prepared) -> dict[str, float]:
    """AUC over all rows, rows with ≥ 20 participants, each kind and each kind with ≥ 20; and the means over
    kinds ("kinds", "kinds, ≥ 20")."""
    positive = data.kind != ""
    big = data.n >= 20
    out = {"all": auc(score, positive), "20+": auc(score[big], positive[big])}
    for kind in KINDS:
        mask = (data.kind == kind) | ~positive
        out[kind] = auc(score[mask], positive[mask])
        out[big_subset(kind)] = auc(score[mask & big], positive[mask & big])
    out["kinds"] = _mean([out[k] for k in KINDS])
    out["kinds, ≥ 20"] = _mean([out[big_subset(k)] for k in KINDS])
    return out


def mean_kind_auc(score: np.ndarray, data: Prepared) -> float:
    """The fit's target: the mean over kinds of the AUC of one kind against the untouched rows."""
    positive = data.kind != ""
    values = []
    for kind in KINDS:
        mask = (data.kind == kind) | ~positive
        values.append(auc(score[mask], positive[mask]))
    return _mean(values)


def _mean(values: Sequence[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return float(np.mean(known)) if known else math.nan


# ---- the fit ---------------------------------------------------------------------------------------------


def softmax(theta: np.ndarray) -> np.ndarray:
    e = np.exp(theta - theta.max())
    result: np.ndarray = e / e.sum()
    return result


def kl_from_equal(w: np.ndarray) -> float:
    positive = w[w > 0]
    return float(np.sum(positive * np.log(positive * w.size)))


@dataclass
class Fit:
    weights: dict[str, float]  # relative: 1 = an equal share
    score: float  # mean kind AUC on the data fitted
    equal_score: float
    evaluations: int = 0


def fit_weights(data: Prepared, layers: Sequence[str], *, penalty: float = PENALTY, draws: int = FIT_DRAWS) -> Fit:
    """Relative layer weights maximising the mean kind AUC − penalty · KL(w ‖ uniform) on `data` (see the module
    docstring). Layers with no p-value in `data` keep weight 1."""
    informative = [j for j in range(len(layers)) if not np.all(np.isnan(data.adjusted[:, j]))]
    theta = np.zeros(len(layers))
    count = 0

    def objective(values: np.ndarray) -> float:
        nonlocal count
        count += 1
        w = softmax(values)
        return mean_kind_auc(combined_scores(data, w * len(layers), draws), data) - penalty * kl_from_equal(w)

    best = objective(theta)
    equal = best
    for step in STEPS:
        for _round in range(MAX_ROUNDS):
            improved = False
            for j in informative:
                for sign in (1.0, -1.0):
                    trial = theta.copy()
                    trial[j] += sign * step
                    value = objective(trial)
                    if value > best + 1e-9:
                        theta, best, improved = trial, value, True
            if not improved:
                break
    relative = softmax(theta) * len(layers)
    weights = {name: round(float(relative[j]), 4) for j, name in enumerate(layers)}
    score = mean_kind_auc(combined_scores(data, relative, draws), data)
    return Fit(weights=weights, score=score, equal_score=equal, evaluations=count)


# ---- held-out validation ---------------------------------------------------------------------------------


@dataclass
class FoldFit:
    """The weights fitted for one held-out fold: check, fold, what they were fitted on."""

    check: str
    fold: int
    trained: str
    weights: dict[str, float]


@dataclass
class HeldOut:
    """Per held-out seed and check: the AUCs (subset_aucs) with equal and with learned weights."""

    rows: list[dict[str, object]]  # check, seed, weights ("equal" / "learned"), subset, auc
    fits: list[FoldFit]

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, infer_schema_length=None)

    def summary(self) -> pl.DataFrame:
        """Mean, min and max over held-out seeds per check × weights × subset, and the paired difference."""
        frame = self.frame().with_columns(pl.col("auc").fill_nan(None))
        stats = frame.group_by("check", "weights", "subset", maintain_order=True).agg(
            pl.col("auc").mean().alias("auc"),
            pl.col("auc").min().alias("auc_min"),
            pl.col("auc").max().alias("auc_max"),
        )
        wide = frame.pivot(on="weights", index=["check", "seed", "subset"], values="auc")
        diff = (
            wide.with_columns((pl.col("learned") - pl.col("equal")).alias("diff"))
            .group_by("check", "subset", maintain_order=True)
            .agg(
                pl.col("diff").mean().alias("diff"),
                pl.col("diff").min().alias("diff_min"),
                pl.col("diff").max().alias("diff_max"),
                (pl.col("diff") > 0).sum().alias("wins"),
                pl.col("diff").is_not_null().sum().alias("seeds"),
            )
        )
        return stats.join(diff, on=["check", "subset"], how="left")

    def mean(self, check: str, weights: str, subset: str) -> float:
        frame = self.frame().filter(
            (pl.col("check") == check) & (pl.col("weights") == weights) & (pl.col("subset") == subset)
        )
        values = frame["auc"].fill_nan(None).drop_nulls()
        return float(values.mean()) if values.len() else math.nan  # type: ignore[arg-type]


CHECKS = {"injections": "другие засевы внедрения", "tests": "другие работы (предмет) и другие засевы"}


def held_out(
    data: Prepared, layers: Sequence[str], *, folds: int = 2, penalty: float = PENALTY, draws: int = FIT_DRAWS
) -> HeldOut:
    """Fit on some seeds, evaluate on the others (check "injections"); fit on the other subjects of the other
    seeds, evaluate on one subject of these seeds (check "tests"). Every seed is held out once per check."""
    seeds = sorted(set(data.seed.tolist()))
    fold_of = {seed: index % folds for index, seed in enumerate(seeds)}
    subjects = sorted(set(data.subject.tolist()))
    fold = np.array([fold_of[s] for s in data.seed.tolist()])
    rows: list[dict[str, object]] = []
    fits: list[FoldFit] = []
    for f in range(min(folds, len(seeds))):
        train, test = data.take(fold != f), data.take(fold == f)
        if not train.kind.size or not test.kind.size:
            continue
        fit = fit_weights(train, layers, penalty=penalty, draws=draws)
        fits.append(FoldFit("injections", f, "все работы", fit.weights))
        relative = np.array([fit.weights[name] for name in layers])
        rows += _evaluate("injections", test, relative)
        if len(subjects) < 2:
            continue
        learned = np.full(test.kind.size, np.nan)
        for subject in subjects:
            fitted = fit_weights(train.take(train.subject != subject), layers, penalty=penalty, draws=draws)
            trained = ", ".join(s for s in subjects if s != subject)
            fits.append(FoldFit("tests", f, trained, fitted.weights))
            mine = test.subject == subject
            weights = np.array([fitted.weights[name] for name in layers])
            learned[mine] = combined_scores(test.take(mine), weights)
        rows += _evaluate("tests", test, None, learned)
    return HeldOut(rows=rows, fits=fits)


def _evaluate(
    check: str, data: Prepared, relative: np.ndarray | None, learned: np.ndarray | None = None
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    equal = combined_scores(data, None)
    mine = combined_scores(data, relative) if learned is None else learned
    for seed in sorted(set(data.seed.tolist())):
        rows = data.seed == seed
        part = data.take(rows)
        for name, score in (("equal", equal[rows]), ("learned", mine[rows])):
            for subset, value in subset_aucs(score, part).items():
                out.append({"check": check, "seed": seed, "weights": name, "subset": subset, "auc": value})
    return out


def adopt(validation: HeldOut) -> tuple[bool, str]:
    """Learned weights become the default only if, on both checks, the mean over held-out seeds of the mean kind
    AUC and of the AUC over all school × tests is higher than with equal weights."""
    reasons, ok = [], True
    for check in CHECKS:
        for subset in ("kinds", "all"):
            learned, equal = validation.mean(check, "learned", subset), validation.mean(check, "equal", subset)
            if math.isnan(learned) or math.isnan(equal):
                ok = False
                reasons.append(f"{check}/{subset}: нет данных")
                continue
            better = learned > equal
            ok &= better
            reasons.append(f"{check}/{subset}: {learned:.3f} против {equal:.3f} ({'выше' if better else 'не выше'})")
    return ok, "; ".join(reasons)


def write_weights(
    path: Path, fit: Fit, validation: HeldOut, adopted: bool, reason: str, meta: dict[str, object]
) -> None:
    """The weights file: weights, whether the product uses them, where they came from, the held-out figures."""
    summary = validation.summary()
    figures: dict[str, dict[str, dict[str, float | None]]] = {}
    for item in summary.to_dicts():
        check, weights, subset = str(item["check"]), str(item["weights"]), str(item["subset"])
        value = item["auc"]
        figures.setdefault(check, {}).setdefault(subset, {})[weights] = (
            None if value is None or math.isnan(value) else round(float(value), 4)
        )
    data = {
        "adopted": adopted,
        "method": method_name(fit.weights),
        "weights": fit.weights,
        "why": reason,
        "fitted": meta | {"penalty": PENALTY, "score": round(fit.score, 4), "equal_score": round(fit.equal_score, 4)},
        "held_out": figures,
    }
    header = (
        "# Relative weights of the evidence layers in the weighted harmonic mean p (objectivity.analysis.weights;\n"
        "# 1 = an equal share). Written by `objectivity evaluate --real ... --fit-weights`; the product uses them\n"
        "# only when `adopted` is true. held_out: mean AUC over held-out injection seeds, equal vs learned.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
