"""Layer weights of the combination: the weighted HMP's null law, equal weights as before, the fit and its
held-out validation, and the weights file the product reads."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.combine import (
    LANDAU_SHIFT,
    combine,
    combined_p,
    harmonic_mean_p,
    landau_location,
    mean_inverse_sf,
    weighted_inverse_sf,
)
from objectivity.analysis.real_inject import KINDS
from objectivity.analysis.weight_fit import (
    Prepared,
    adopt,
    combined_scores,
    fit_weights,
    held_out,
    mean_kind_auc,
    prepare,
    subset_aucs,
    write_weights,
)
from objectivity.analysis.weights import EQUAL_METHOD, method_name, read_weights


def test_the_weighted_hmp_is_uniform_under_the_null_with_unequal_weights():
    """Kolmogorov-Smirnov against the uniform law on fresh independent uniforms, with missing layers too."""
    rng = np.random.default_rng(11)
    p = rng.uniform(size=(30000, 4))
    p[rng.uniform(size=p.shape) < 0.2] = np.nan  # patterns of present layers, each renormalised
    combined = harmonic_mean_p(p, [4.0, 2.0, 1.0, 0.25])
    known = combined[~np.isnan(combined)]
    assert stats.kstest(known, "uniform").pvalue > 0.01
    assert abs(np.mean(known < 0.01) - 0.01) < 0.002


def test_the_equal_weight_law_would_not_do_for_unequal_weights():
    """The check above can fail: Σ w_i / U_i judged by the law of the plain mean is not uniform."""
    rng = np.random.default_rng(12)
    u = rng.uniform(size=(30000, 3))
    w = np.array([0.8, 0.15, 0.05])
    wrong = mean_inverse_sf((1 / u) @ w, 3)
    right = weighted_inverse_sf((1 / u) @ w, w)
    assert stats.kstest(wrong, "uniform").pvalue < 1e-6
    assert stats.kstest(right, "uniform").pvalue > 0.01


def test_the_landau_location_of_weighted_hmp_is_the_entropy_of_the_weights():
    """1/U is α = 1 stable-like: Σ w_i / U_i ~ Landau(0.874 + Σ w log(1/w), π/2). Equal weights give Wilson's
    log L + 0.874; for very unequal weights the entropy location matches Monte-Carlo, log L does not."""
    assert landau_location(np.full(5, 0.2)) == pytest.approx(np.log(5) + LANDAU_SHIFT)
    rng = np.random.default_rng(13)
    w = np.array([0.97, 0.01, 0.01, 0.01])
    draws = (1 / rng.uniform(size=(400_000, 4))) @ w
    for q in (0.5, 0.9, 0.99):
        value = np.quantile(draws, q)
        entropy = stats.landau.sf(value, loc=landau_location(w), scale=np.pi / 2)
        plain = stats.landau.sf(value, loc=np.log(4) + LANDAU_SHIFT, scale=np.pi / 2)
        assert abs(entropy - (1 - q)) < 0.035
        assert abs(entropy - (1 - q)) <= abs(plain - (1 - q))
    assert abs(stats.landau.sf(np.quantile(draws, 0.5), loc=np.log(4) + LANDAU_SHIFT, scale=np.pi / 2) - 0.5) > 0.1
    tail = np.quantile(draws, 0.999)  # where the product switches to Landau: within 10 % of the Monte-Carlo tail
    assert stats.landau.sf(tail, loc=landau_location(w), scale=np.pi / 2) == pytest.approx(0.001, rel=0.1)


def frame(rng: np.random.Generator, rows: int = 400) -> pl.DataFrame:
    p = rng.uniform(size=(rows, 3)) ** 1.5
    p[rng.uniform(size=p.shape) < 0.15] = np.nan
    stat = rng.normal(size=rows)
    return pl.DataFrame({"p_a": p[:, 0], "p_b": p[:, 1], "p_c": p[:, 2], "stat_a": stat}).with_columns(
        pl.col(c).fill_nan(None) for c in ("p_a", "p_b", "p_c")
    )


def test_equal_weights_reproduce_the_combination_exactly():
    rng = np.random.default_rng(14)
    findings = frame(rng)
    today = combine(findings, ["a", "b", "c"], seed=1)
    equal = combine(findings, ["a", "b", "c"], seed=1, weights={"a": 2.0, "b": 2.0, "c": 2.0})
    assert equal.equals(today)
    assert combine(findings, ["a", "b", "c"], seed=1, weights={}).equals(today)  # unnamed layers weigh 1
    p = np.array([[0.01, 0.2, np.nan], [0.3, 0.4, 0.5]])
    assert np.array_equal(harmonic_mean_p(p, [1.0, 1.0, 1.0]), harmonic_mean_p(p))
    # a row where only the equally weighted layers are present is combined as before, too
    assert harmonic_mean_p(p, [3.0, 3.0, 1.0])[0] == harmonic_mean_p(p)[0]
    assert harmonic_mean_p(p, [3.0, 3.0, 1.0])[1] != harmonic_mean_p(p)[1]


def test_weights_move_the_combined_p_toward_the_heavier_layer_and_keep_the_flag_rule():
    rng = np.random.default_rng(15)
    findings = frame(rng)
    heavy_a = combined_p(findings, ["a", "b", "c"], {"a": 5.0})
    heavy_b = combined_p(findings, ["a", "b", "c"], {"b": 5.0})
    row = pl.DataFrame({"p_a": [1e-4], "p_b": [0.6], "p_c": [0.7]})
    assert combined_p(row, ["a", "b", "c"], {"a": 5.0})[0] < combined_p(row, ["a", "b", "c"])[0]
    assert combined_p(row, ["a", "b", "c"], {"b": 5.0})[0] > combined_p(row, ["a", "b", "c"])[0]
    assert not np.allclose(heavy_a, heavy_b, equal_nan=True)
    weighted = combine(findings, ["a", "b", "c"], weights={"a": 5.0})
    today = combine(findings, ["a", "b", "c"])
    assert weighted["layers_agreeing"].equals(today["layers_agreeing"])  # the agreement rule ignores weights


def synthetic(seed: int, seeds: tuple[int, ...] = (1, 2, 3, 4), signal: int = 0, per_kind: int = 25) -> Prepared:
    """School × test rows of a few 'injection seeds' and two subjects: only layer `signal` sees the
    manipulated rows (p ~ Beta(0.25, 1)); the other layers are uniform noise everywhere."""
    rng = np.random.default_rng(seed)
    parts = []
    for s in seeds:
        negatives = 1500
        kinds = np.array([""] * negatives + [k for k in KINDS for _ in range(per_kind)])
        p = rng.uniform(size=(kinds.size, 4))
        positive = kinds != ""
        p[positive, signal] = rng.beta(0.25, 1.0, size=positive.sum())
        subject = rng.choice(np.array(["ru", "ma"]), size=kinds.size)
        parts.append(Prepared(p, kinds, rng.integers(5, 60, kinds.size), np.full(kinds.size, s), subject))
    return Prepared(
        np.vstack([q.adjusted for q in parts]),
        np.concatenate([q.kind for q in parts]),
        np.concatenate([q.n for q in parts]),
        np.concatenate([q.seed for q in parts]),
        np.concatenate([q.subject for q in parts]),
    )


LAYERS = ["bunching", "journal", "absence", "shares"]


def test_the_fit_finds_the_one_informative_layer():
    data = synthetic(16, signal=2)
    fit = fit_weights(data, LAYERS)
    assert max(fit.weights, key=lambda name: fit.weights[name]) == "absence"
    assert fit.weights["absence"] > 2.0 and all(fit.weights[n] < 1.0 for n in LAYERS if n != "absence")
    assert fit.score > fit.equal_score + 0.02


def test_the_fit_leaves_equal_weights_when_every_layer_is_noise():
    rng = np.random.default_rng(17)
    data = synthetic(17)
    data.adjusted[:, 0] = rng.uniform(size=data.kind.size)  # no layer carries the signal any more
    fit = fit_weights(data, LAYERS)
    assert all(0.4 < w < 2.5 for w in fit.weights.values())  # shrunk toward equal: no layer is dropped or crowned


def test_held_out_evaluation_holds_out_seeds_and_subjects_and_adopts_only_a_real_gain():
    data = synthetic(18, signal=1)
    validation = held_out(data, LAYERS)
    frame = validation.frame()
    for check in ("injections", "tests"):
        seen = frame.filter((pl.col("check") == check) & (pl.col("subset") == "all") & (pl.col("weights") == "equal"))
        assert sorted(seen["seed"].to_list()) == [1, 2, 3, 4]  # every seed held out once per check
    assert {f.trained for f in validation.fits if f.check == "tests"} == {"ru", "ma"}
    assert len(validation.fits) == 2 + 4  # two folds × (one injection fit + one per subject)
    for check in ("injections", "tests"):
        assert validation.mean(check, "learned", "kinds") > validation.mean(check, "equal", "kinds") + 0.02
    ok, reason = adopt(validation)
    assert ok, reason
    summary = validation.summary()
    assert {"diff", "wins", "auc_min", "auc_max"} <= set(summary.columns)


def test_held_out_evaluation_does_not_see_the_held_out_rows():
    """Scramble the truth of fold 2 only: weights fitted on fold 1 are the same, and the held-out figures for
    fold 1's seeds do not change."""
    data = synthetic(19, signal=1)
    scrambled = synthetic(19, signal=1)
    rng = np.random.default_rng(0)
    second = np.isin(scrambled.seed, [2, 4])  # fold 1 (index 1) of seeds 1..4
    scrambled.adjusted[second] = rng.uniform(size=(second.sum(), len(LAYERS)))
    first, other = held_out(data, LAYERS), held_out(scrambled, LAYERS)
    assert [f.weights for f in first.fits if f.fold == 1] == [f.weights for f in other.fits if f.fold == 1]
    fold0 = [f.weights for f in first.fits if f.fold == 0]
    assert fold0 != [f.weights for f in other.fits if f.fold == 0]


def test_subset_aucs_and_the_fit_target_agree():
    data = synthetic(20, signal=0)
    score = combined_scores(data, np.array([3.0, 1.0, 1.0, 1.0]))
    figures = subset_aucs(score, data)
    assert figures["kinds"] == pytest.approx(mean_kind_auc(score, data))
    assert set(KINDS) <= set(figures) and "push, ≥ 20" in figures


def test_prepare_reads_real_rows_and_applies_the_floor_rule():
    rows = pl.DataFrame(
        {
            "p_bunching": [0.01, 0.2],
            "stat_bunching": [-1.0, 2.0],
            "p_journal": [0.3, None],
            "n": [25, 8],
            "subject": ["ru", "ma"],
            "kind": [None, "push"],
        }
    )
    data = prepare({3: rows}, ["bunching", "journal", "absence"])
    assert data.adjusted[0, 0] == 0.5  # no excess: raised, as the combination does
    assert np.isnan(data.adjusted[1, 1]) and np.all(np.isnan(data.adjusted[:, 2]))
    assert data.kind.tolist() == ["", "push"] and data.seed.tolist() == [3, 3]


def test_the_weights_file_is_read_only_when_adopted(tmp_path: Path):
    data = synthetic(21, signal=0)
    validation = held_out(data, LAYERS)
    fit = fit_weights(data, LAYERS)
    path = tmp_path / "w.yaml"
    write_weights(path, fit, validation, False, "not better", {"date": "2026-12-02"})
    stored = read_weights(path)
    assert stored is not None and not stored.adopted and stored.weights == fit.weights
    write_weights(path, fit, validation, True, "better", {"date": "2026-12-02"})
    stored = read_weights(path)
    assert stored is not None and stored.adopted and stored.method == method_name(fit.weights)
    assert len(stored.method) <= 40 and stored.method != EQUAL_METHOD
    assert read_weights(tmp_path / "missing.yaml") is None
