"""The combination of layers: ACAT, Storey's π0, the Grenander density, BH — against outside references."""

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.combine import (
    benjamini_hochberg,
    bootstrap_interval,
    combine,
    density_at,
    grenander,
    harmonic_mean_p,
    probability_manipulated,
    signals,
    storey_pi0,
)
from objectivity.analysis.wording import risk_word


def test_hmp_follows_wilsons_landau_law_in_the_tail_and_skips_missing_layers():
    """Wilson (2019), PNAS 116(4):1195: 1/HMP of L p-values ~ Landau(log L + 0.874, π/2) (scipy.stats.landau)."""
    p = np.array([[0.0001, 0.2, 0.7], [0.5, np.nan, np.nan], [np.nan, np.nan, np.nan]])
    combined = harmonic_mean_p(p)
    inverse = np.mean(1 / p[0])
    assert combined[0] == pytest.approx(stats.landau.sf(inverse, loc=np.log(3) + 0.874, scale=np.pi / 2))
    assert combined[1] == 0.5 and np.isnan(combined[2])


def test_hmp_is_uniform_under_the_null_so_the_probability_stays_calibrated():
    """Kolmogorov-Smirnov against the uniform law (scipy.stats.kstest) on fresh independent uniforms."""
    rng = np.random.default_rng(3)
    for layers in (2, 5, 7):
        combined = harmonic_mean_p(rng.uniform(size=(20000, layers)))
        assert stats.kstest(combined, "uniform").pvalue > 0.01, layers


def test_hmp_keeps_its_size_under_independence_and_under_dependence():
    """Monte-Carlo: independent uniforms, and uniforms of equicorrelated normals (ρ = 0.5)."""
    rng = np.random.default_rng(1)
    independent = harmonic_mean_p(rng.uniform(size=(40000, 7)))
    assert abs(np.mean(independent < 0.01) - 0.01) < 0.002
    assert abs(np.mean(independent < 0.05) - 0.05) < 0.004
    shared = rng.normal(size=(40000, 1))
    z = np.sqrt(0.5) * shared + np.sqrt(0.5) * rng.normal(size=(40000, 7))
    dependent = harmonic_mean_p(stats.norm.sf(z))
    assert np.mean(dependent < 0.01) <= 0.015


def test_a_layer_near_one_does_not_cancel_a_strong_one():
    """The reason for the HMP over the Cauchy combination: p = 0.999 in one layer costs little."""
    layers = np.array([[0.001, 0.999, 0.998, 0.5]])
    assert harmonic_mean_p(layers)[0] < 0.01
    t = np.mean(np.tan((0.5 - layers[0]) * np.pi))
    assert stats.cauchy.sf(t) > 0.5  # what ACAT (Liu & Xie 2020) would have made of it


def test_bh_equals_scipy():
    """scipy.stats.false_discovery_control(method='bh') gives BH-adjusted p-values."""
    rng = np.random.default_rng(2)
    p = np.concatenate([rng.uniform(size=200), rng.uniform(0, 0.002, size=20)])
    expected = stats.false_discovery_control(p, method="bh") <= 0.05
    assert np.array_equal(benjamini_hochberg(p, 0.05), expected)


def test_storey_pi0_by_hand():
    p = np.array([0.01, 0.2, 0.6, 0.7, 0.9, 0.55])
    assert storey_pi0(p) == pytest.approx((4 / 6) / 0.5 if (4 / 6) / 0.5 < 1 else 1.0)


def test_grenander_is_a_decreasing_density():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(size=900), rng.beta(0.3, 5, size=100)])
    knots, slopes = grenander(p)
    assert np.all(np.diff(slopes) <= 1e-9) and np.sum(slopes * np.diff(knots)) == pytest.approx(1.0)
    assert density_at(np.array([0.001]), knots, slopes)[0] > density_at(np.array([0.9]), knots, slopes)[0]


def test_probabilities_are_high_for_small_p_and_near_zero_for_the_bulk():
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(size=950), rng.uniform(0, 1e-4, size=50)])
    prob = probability_manipulated(p)
    assert prob[-50:].mean() > 0.8 and np.median(prob[:950]) < 0.1


def test_combine_adds_its_columns_and_needs_agreement_to_flag():
    frame = pl.DataFrame(
        {
            "school_login": [f"s{i}" for i in range(300)],
            "p_a": [1e-6, 1e-6, *np.linspace(0.01, 1, 298)],
            "p_b": [1e-6, 0.5, *np.linspace(1, 0.01, 298)],
        }
    )
    out = combine(frame, ["a", "b"])
    assert {"p_combined", "probability", "probability_low", "probability_high", "flagged", "risk"} <= set(out.columns)
    assert out["flagged"][0] == 1 and risk_word(out["risk"][0]) == "высокий"
    assert out["flagged"][1] == 0 or out["layers_agreeing"][1] >= 2 or out["p_a"][1] < 0.001


def test_a_single_extreme_layer_flags_only_when_it_persists_over_years():
    base = {
        "school_login": [f"s{i}" for i in range(300)],
        "p_a": [1e-6, 1e-6, *np.linspace(0.01, 1, 298)],
        "p_b": [0.9, 0.9, *np.linspace(1, 0.01, 298)],
    }
    persistent = {"persistent_a": [True, False, *[False] * 298], "persistent_b": [False] * 300}
    out = combine(pl.DataFrame({**base, **persistent}), ["a", "b"])
    assert out["flagged"][0] == 1 and out["flagged"][1] == 0


def reference_majorant(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least concave majorant of the ECDF by the textbook upper-hull walk (Andrew's monotone chain)."""
    x = np.concatenate([[0.0], np.sort(p), [1.0]])
    y = np.concatenate([[0.0], np.arange(1, p.size + 1) / p.size, [1.0]])
    hull = [0]
    for i in range(1, x.size):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (y[b] - y[a]) * (x[i] - x[a]) <= (y[i] - y[a]) * (x[b] - x[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    return x[hull], y[hull]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grenander_by_isotonic_regression_is_the_slope_of_the_concave_majorant(seed):
    """The antitonic-regression form (Robertson, Wright & Dykstra 1988) against the hull walk, ties included."""
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(size=3000), rng.beta(0.3, 6, size=200), np.round(rng.uniform(size=300), 2)])
    knots, slopes = grenander(p)
    hull_x, hull_y = reference_majorant(p)
    grid = np.linspace(0.0005, 0.9995, 2000)
    inside = np.clip(np.searchsorted(hull_x, grid, side="right") - 1, 0, hull_x.size - 2)
    expected = (hull_y[inside + 1] - hull_y[inside]) / np.maximum(hull_x[inside + 1] - hull_x[inside], 1e-12)
    assert density_at(grid, knots, slopes) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_a_small_p_at_the_floor_of_its_statistic_is_no_sign():
    """Randomised p-values can be small where the statistic shows nothing (no identical vectors at all)."""
    frame = pl.DataFrame({"p_a": [0.01, 0.01], "stat_a": [0.0, 3.0], "p_b": [0.02, 0.02], "stat_b": [1.5, 1.5]}).vstack(
        pl.DataFrame({"p_a": [0.5] * 30, "stat_a": [0.0] * 30, "p_b": [0.6] * 30, "stat_b": [-1.0] * 30})
    )
    out = combine(frame, ["a", "b"])
    assert out["layers_agreeing"].to_list()[:2] == [1, 2]
    assert signals(0.01, 0.0) is False and signals(0.01, None) is True and signals(None, 5.0) is False


def test_a_layer_without_excess_adds_no_noise_to_the_combination():
    """A randomised p at the floor of a layer's statistic (stat ≤ 0) enters the combination as at least 0.5."""
    frame = pl.DataFrame({"p_a": [0.001, 0.001], "stat_a": [0.0, 2.0], "p_b": [0.4, 0.4], "stat_b": [1.0, 1.0]})
    frame = frame.vstack(
        pl.DataFrame({"p_a": [0.5] * 30, "stat_a": [0.0] * 30, "p_b": [0.6] * 30, "stat_b": [-1.0] * 30})
    )
    combined = combine(frame, ["a", "b"])["p_combined"].to_list()
    assert combined[0] == pytest.approx(harmonic_mean_p(np.array([[0.5, 0.4]]))[0])
    assert combined[1] == pytest.approx(harmonic_mean_p(np.array([[0.001, 0.4]]))[0])


def test_the_interval_does_not_depend_on_the_order_of_the_rows():
    # the region's rows come out of joins in no fixed order; the same p-values must give the same interval
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(size=950), rng.beta(0.2, 8, size=50), [np.nan] * 5])
    order = rng.permutation(p.size)
    low, high = bootstrap_interval(p, seed=1)
    shuffled_low, shuffled_high = bootstrap_interval(p[order], seed=1)
    assert np.array_equal(shuffled_low, low[order], equal_nan=True)
    assert np.array_equal(shuffled_high, high[order], equal_nan=True)
    assert np.isnan(low[-5:]).all() and (high[:-5] >= low[:-5]).all()
