"""The combination of layers: ACAT, Storey's π0, the Grenander density, BH — against outside references."""

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis import combine as combine_module
from objectivity.analysis.combine import (
    benjamini_hochberg,
    cauchy_combination,
    combine,
    density_at,
    grenander,
    probability_manipulated,
    storey_pi0,
)


def test_acat_of_equal_pvalues_is_that_pvalue_and_missing_layers_are_skipped():
    """Liu & Xie (2020), JASA 115:393, eq. (2): with equal weights, ACAT of identical p-values is p."""
    p = np.array([[0.03, 0.03, np.nan], [0.5, np.nan, np.nan], [np.nan, np.nan, np.nan]])
    combined = cauchy_combination(p)
    assert combined[0] == pytest.approx(0.03) and combined[1] == pytest.approx(0.5) and np.isnan(combined[2])


def test_acat_matches_the_cauchy_distribution():
    """The statistic is standard Cauchy under the null: p = 1 − F(T) with scipy.stats.cauchy."""
    p = np.array([[0.01, 0.2, 0.7]])
    t = np.mean(np.tan((0.5 - p) * np.pi))
    assert cauchy_combination(p)[0] == pytest.approx(stats.cauchy.sf(t))


def test_acat_keeps_its_size_under_independence():
    rng = np.random.default_rng(1)
    combined = cauchy_combination(rng.uniform(size=(20000, 4)))
    assert abs(np.mean(combined < 0.05) - 0.05) < 0.006


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
    assert out["flagged"][0] == 1 and out["risk"][0] == "высокий"
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


def test_thinned_hull_of_national_data_keeps_the_density_near_zero(monkeypatch):
    """Above EXACT_HULL_UP_TO p-values the hull is thinned; the density where flags are decided is unchanged."""
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=60_000), rng.beta(0.2, 8, size=1_500)])
    thinned = probability_manipulated(np.array([1e-4, 1e-3, 0.01, 0.3]), p)
    monkeypatch.setattr(combine_module, "EXACT_HULL_UP_TO", 10**9)
    exact = probability_manipulated(np.array([1e-4, 1e-3, 0.01, 0.3]), p)
    assert thinned[:3] == pytest.approx(exact[:3], abs=1e-12)
    assert thinned[3] == pytest.approx(exact[3], abs=0.02)
