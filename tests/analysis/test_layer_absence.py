"""The absence layer: its null on clean generated regions, its power on «exclude», and SciPy references."""

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.markers.absence import _noncentral_laws, _rate_p, absence, region_odds_ratio
from objectivity.analysis.markers.base import info_from_spec, size_band
from objectivity.analysis.synth import default_tests, generate_region

COLUMNS = ["school_login", "n", "stat_absence", "p_absence", "explain_absence"]


def layer_on(seed: int, inject: dict) -> pl.DataFrame:
    tests = default_tests([2025], grades=(4, 5), subjects=("ru", "ma"))
    region = generate_region(seed=seed, years=[2025], n_schools=600, tests=tests, inject=inject)
    parts = []
    for spec, frame in region.results.items():
        out = absence(frame, info_from_spec(spec), seed=seed)
        truth = region.truth.filter((pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject))
        parts.append(out.with_columns(pl.col("school_login").is_in(truth["school_login"].to_list()).alias("injected")))
    return pl.concat(parts)


def test_fisher_noncentral_with_odds_one_is_the_hypergeometric():
    """With ψ = 1 Fisher's noncentral hypergeometric is the central one (scipy.stats.hypergeom)."""
    law = stats.nchypergeom_fisher(30, 12, 5, 1.0)
    assert law.pmf(3) == pytest.approx(stats.hypergeom(30, 12, 5).pmf(3))
    # and its upper tail at x is Fisher's exact one-sided p for the table [[x, 12−x], [5−x, 13+x]]
    table = [[3, 9], [2, 16]]
    assert law.sf(2) == pytest.approx(stats.fisher_exact(table, alternative="greater").pvalue)


def test_vectorised_law_equals_scipy_nchypergeom_fisher():
    """Mean, upper tail and point mass of the layer's own law against scipy.stats.nchypergeom_fisher."""
    rng = np.random.default_rng(7)
    m = rng.integers(2, 60, 200)
    weak = np.array([rng.integers(1, k) for k in m])
    absent = np.array([rng.integers(1, k + 1) for k in m])
    x = np.array([rng.integers(max(0, a - (k - w)), min(w, a) + 1) for k, w, a in zip(m, weak, absent, strict=True)])
    for odds in (0.7, 1.0, 2.3):
        mean, above, at = _noncentral_laws(m, weak, absent, x, odds)
        laws = [stats.nchypergeom_fisher(k, w, a, odds) for k, w, a in zip(m, weak, absent, strict=True)]
        assert mean == pytest.approx([law.mean() for law in laws], rel=1e-9, abs=1e-9)
        assert above == pytest.approx([law.sf(v) for law, v in zip(laws, x, strict=True)], rel=1e-7, abs=1e-12)
        assert at == pytest.approx([law.pmf(v) for law, v in zip(laws, x, strict=True)], rel=1e-7, abs=1e-12)


def test_region_odds_ratio_by_hand():
    rows = pl.DataFrame({"journal_mark": [2, 3, 4, 5, 2, 4], "absent": [True, False, False, False, True, True]})
    # weak: 2 absent, 1 present; other: 1 absent, 2 present; +0.5 each cell
    assert region_odds_ratio(rows) == pytest.approx((2.5 * 2.5) / (1.5 * 1.5))


@pytest.mark.slow
def test_null_holds_in_every_size_band():
    out = pl.concat([layer_on(seed, {}) for seed in (1, 2, 3)]).filter(pl.col("p_absence").is_not_null())
    bands = out.with_columns(pl.col("n").map_elements(size_band, return_dtype=pl.String).alias("band"))
    for band, part in bands.group_by("band"):
        rate = float((part["p_absence"] < 0.05).mean())
        assert 0.03 <= rate <= 0.07, (band, rate, part.height)


def test_power_on_excluded_weak_pupils_and_contract():
    out = layer_on(5, {"exclude": 0.08})
    assert out.drop("injected").columns == COLUMNS
    assert ((out["p_absence"].is_null()) == (out["explain_absence"] == "")).all()
    big = out.filter(pl.col("n") >= 20)
    hit = float((big.filter(pl.col("injected"))["p_absence"].fill_null(1) < 0.05).mean())
    clean = float((big.filter(~pl.col("injected"))["p_absence"].fill_null(1) < 0.05).mean())
    assert hit >= 0.7 and hit > 10 * clean, (hit, clean)  # measured: 0.85 vs 0.03 (seed 5); 0.46 by «who» alone
    p = out["p_absence"].drop_nulls().to_numpy()
    assert np.all((p >= 0) & (p <= 1))


def test_how_many_part_is_binomial_without_spread_and_widens_with_it():
    """Part 1: with no spread between schools the beta-binomial law is the binomial one (scipy.stats.binom);
    with spread (Williams 1982) the same count is less surprising."""
    rolled = np.full(200, 20)
    even = np.full(200, 2)  # every school exactly at the rate 0.1: no spread
    rate, p = _rate_p(np.r_[rolled, 20], np.r_[even, 6], np.zeros(201))
    assert rate == pytest.approx(406 / 4020)
    assert p[-1] == pytest.approx(stats.binom.sf(6, 20, rate), rel=1e-3)
    spread = np.tile([0, 4], 100)  # same rate, much more spread
    _rate, wide = _rate_p(np.r_[rolled, 20], np.r_[spread, 6], np.zeros(201))
    assert wide[-1] > p[-1]
