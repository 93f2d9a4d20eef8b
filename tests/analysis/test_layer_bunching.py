"""L1 cut-off bunching (objectivity.analysis.markers.bunching): reference values, output contract,
size on clean generated regions and power against pushed pupils (METHODS.md §2-3)."""

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats

from objectivity.analysis.markers.base import SIZE_BANDS, TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.bunching import bunching
from objectivity.analysis.markers.exact import poisson_binomial_pmf, randomised_upper_p
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.clean_reference import reference_run
from tests.analysis.words import in_words

COLUMNS = ["school_login", "n", "stat_bunching", "p_bunching", "explain_bunching"]
BANDS = [size_band(low) for low, _ in SIZE_BANDS]
BANNED = ("манипуляц", "фальсификац", "нарушител", "рейтинг", "вероятност")


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def layer_on_region(seed: int, inject: dict[str, float] | None = None, n_schools: int = 600) -> pl.DataFrame:
    """The layer on every test of a generated region (grades 4-5, ru + ma), with the truth's kind joined."""
    region = generate_region(
        seed=seed, years=[2024], n_schools=n_schools, tests=default_tests([2024], grades=(4, 5)), inject=inject
    )
    out = []
    for spec, frame in region.results.items():
        truth = region.truth.filter(
            (pl.col("year") == spec.year) & (pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject)
        ).select("school_login", "kind")
        result = in_words(bunching(counted(frame), info_from_spec(spec), seed=seed))
        out.append(result.join(truth, on="school_login", how="left").with_columns(pl.lit(str(spec)).alias("test")))
    return pl.concat(out).with_columns(pl.col("n").map_elements(size_band, return_dtype=pl.String).alias("band"))


def share_below(frame: pl.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """Share of schools with p < alpha per size band, among schools with a p-value."""
    rated = frame.filter(pl.col("p_bunching").is_not_null())
    table = rated.group_by("band").agg((pl.col("p_bunching") < alpha).mean().alias("share"))
    return dict(zip(table["band"].to_list(), table["share"].to_list(), strict=True))


# --- reference values --------------------------------------------------------------------------


def test_poisson_binomial_equals_scipy():
    """scipy.stats.poisson_binom (SciPy ≥ 1.15) and, for equal chances, scipy.stats.binom."""
    rng = np.random.default_rng(5)
    chances = rng.uniform(0.05, 0.95, (3, 12))
    chances[2, 7:] = 0.0  # padding: sure failures do not change the distribution
    pmf = poisson_binomial_pmf(chances)
    for row, used, p in zip(pmf, (12, 12, 7), chances, strict=True):
        expected = stats.poisson_binom.pmf(np.arange(used + 1), p[:used])
        assert row[: used + 1] == pytest.approx(expected, abs=1e-12)
        assert row[used + 1 :] == pytest.approx(0.0, abs=1e-15)
    equal = poisson_binomial_pmf(np.full((1, 9), 0.3))[0]
    assert equal == pytest.approx(stats.binom.pmf(np.arange(10), 9, 0.3), abs=1e-12)


def test_randomised_p_brackets_the_exact_binomial_test():
    """u = 1 gives scipy.stats.binomtest(k, n, q, alternative='greater'); u = 0 gives binom.sf(k)."""
    pmf = poisson_binomial_pmf(np.full((5, 8), 0.625))
    seen = np.array([0, 3, 5, 7, 8])
    at_one = randomised_upper_p(pmf, seen, np.ones(5))
    at_zero = randomised_upper_p(pmf, seen, np.zeros(5))
    for k, one, zero in zip(seen, at_one, at_zero, strict=True):
        assert one == pytest.approx(stats.binomtest(int(k), 8, 0.625, alternative="greater").pvalue)
        assert zero == pytest.approx(stats.binom.sf(k, 8, 0.625), abs=1e-12)


def test_randomised_p_is_uniform_under_its_null():
    rng = np.random.default_rng(7)
    chances = rng.uniform(0.4, 0.9, (20000, 6))
    seen = (rng.random(chances.shape) < chances).sum(axis=1)
    p = randomised_upper_p(poisson_binomial_pmf(chances), seen, rng.random(20000))
    assert stats.kstest(p, "uniform").pvalue > 0.01


def tiny_region() -> pl.DataFrame:
    """Two schools with equal means (so equal levels); cuts 6/10: windows 4-7 and 8-11.

    Window «3»: a has 4, 6, 6, 7 and b has 5, 5, 7, 7 → the region's rate over the cut 5/8.
    Window «4»: a has 9, 10 and b has 8, 11 → rate 2/4. 12 and 13 lie outside both windows.
    """
    totals = {"a": [4, 6, 6, 7, 12, 13, 9, 10], "b": [5, 5, 7, 7, 12, 12, 8, 11]}
    return pl.DataFrame(
        {"school_login": [s for s, t in totals.items() for _ in t], "total": [x for t in totals.values() for x in t]},
        schema={"school_login": pl.String, "total": pl.Int16},
    )


def test_whole_layer_on_a_worked_example():
    """Without criterion information and with equal levels the region's rate per window is its raw share, so
    school a's p is the randomised tail of Poisson-binomial(4 × 5/8, 2 × 1/2) at 4 (scipy.stats.poisson_binom)."""
    info = TestInfo(max_total=20, cuts=(6, 10, 15), column_max=())
    out = in_words(bunching(tiny_region(), info, seed=11)).sort("school_login")
    u = np.random.default_rng(11).random(2)  # one U per school, in the order of sorted logins
    chances = [0.625] * 4 + [0.5] * 2
    for row, seen, u_school in zip(out.iter_rows(named=True), (4, 3), u, strict=True):
        tail = stats.poisson_binom.sf(seen, chances) + u_school * stats.poisson_binom.pmf(seen, chances)
        assert row["p_bunching"] == pytest.approx(tail, abs=1e-9)
        mean, var = stats.poisson_binom.stats(chances, moments="mv")
        assert row["stat_bunching"] == pytest.approx((seen - mean) / np.sqrt(var), abs=1e-9)
    explanation = out["explain_bunching"][0]
    assert (
        "порог «3» (6 баллов): с 4–5 баллами ожидалось 1,5, фактически 1; с 6–7 баллами ожидалось 2,5, фактически 3"
        in (explanation)
    )
    assert "порог «4» (10 баллов): с 8–9 баллами ожидалось 1,0, фактически 1" in explanation


# --- output contract ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_region():
    region = generate_region(
        seed=3,
        years=[2024],
        n_schools=200,
        tests=default_tests([2024], grades=(4,), subjects=("ma",)),
        inject={"push": 0.1},
    )
    ((spec, frame),) = region.results.items()
    return counted(frame), info_from_spec(spec)


def test_output_contract(small_region):
    rows, info = small_region
    out = in_words(bunching(rows, info, seed=1))
    assert out.columns == COLUMNS
    assert out.height == rows["school_login"].n_unique() == out["school_login"].n_unique()
    sizes = rows.group_by("school_login").len()
    assert out.join(sizes, on="school_login")["n"].to_list() == out.join(sizes, on="school_login")["len"].to_list()
    p = out["p_bunching"].drop_nulls()
    assert ((p >= 0) & (p <= 1)).all() and p.len() > 0 and out["p_bunching"].null_count() > 0
    has_p = out["p_bunching"].is_not_null()
    assert (has_p == (out["explain_bunching"].str.len_chars() > 0)).all()
    assert (has_p == out["stat_bunching"].is_not_null()).all()
    text = " ".join(out["explain_bunching"].to_list()).lower()
    assert not any(word in text for word in BANNED)


def test_deterministic_and_independent_of_row_order(small_region):
    rows, info = small_region
    first = in_words(bunching(rows, info, seed=4))  # the numbers in the explanation as shown: rounded
    # Equal up to floating-point rounding: Polars sums groups in parallel, in no fixed order.
    assert_frame_equal(first, in_words(bunching(rows, info, seed=4)), check_exact=False, rel_tol=1e-9)
    shuffled = in_words(bunching(rows.sample(fraction=1.0, shuffle=True, seed=9), info, seed=4))
    assert_frame_equal(first, shuffled, check_exact=False, rel_tol=1e-9)  # sums in another order: rounding only
    assert not first.equals(in_words(bunching(rows, info, seed=5)))  # the randomisation follows the seed


def test_nothing_to_say_without_cuts_or_rows(small_region):
    rows, info = small_region
    no_cuts = bunching(rows, TestInfo(max_total=info.max_total, cuts=None, column_max=info.column_max), seed=0)
    assert no_cuts["p_bunching"].null_count() == no_cuts.height and (no_cuts["explain_bunching"] == "").all()
    empty = bunching(rows.head(0), info)
    assert empty.columns == COLUMNS and empty.height == 0


def test_works_when_criterion_columns_are_unknown(small_region):
    rows, info = small_region
    bare = TestInfo(max_total=info.max_total, cuts=info.cuts, column_max=info.column_max)
    out = in_words(bunching(rows, bare))
    assert out["p_bunching"].drop_nulls().len() > 0
    assert "из школ того же уровня" in out["explain_bunching"].drop_nulls().filter(out["explain_bunching"] != "")[0]


# --- size and power on generated regions -------------------------------------------------------

SEEDS = range(6)  # 6 regions × 600 schools × 4 tests: ~1 s


def test_type_one_error_on_clean_regions():
    """No injection: p < 0.05 in 3-7% of schools in every size band (measured ≈ 4.6-5.3%)."""
    clean = pl.concat([layer_on_region(seed) for seed in SEEDS])
    shares = share_below(clean)
    assert set(shares) == set(BANDS)
    for band, share in shares.items():
        assert 0.03 <= share <= 0.07, (band, share)


def test_power_against_pushed_pupils():
    """Push (METHODS §3: pupils 1-2 points under «3»/«4» lifted with p = 0.6) is found far more often than
    chance in schools with ≥ 20 present pupils; journal is found less often, inflate (a uniform shift) not at all
    — inflate moves pupils across the windows without piling them at the cut, so this layer is blind to it."""
    frames = pl.concat([layer_on_region(seed, {"push": 0.08, "journal": 0.08, "inflate": 0.08}) for seed in SEEDS])
    big = frames.filter(pl.col("n") >= 20)
    rate = big.group_by("kind").agg((pl.col("p_bunching") < 0.05).mean().alias("tpr"))
    tpr = dict(zip(rate["kind"].to_list(), rate["tpr"].to_list(), strict=True))
    push = share_below(frames.filter(pl.col("kind") == "push"))
    print({"push by band": push, "≥20 by kind": tpr})
    assert push["20-49"] >= 0.4 and push["50+"] >= 0.65
    assert tpr["push"] >= 10 * tpr[None]
    assert tpr["journal"] >= 0.2
    assert tpr["inflate"] < 0.1


def test_a_clean_reference_restores_the_size_and_adds_power():
    """Measured: with 40% of schools pushing, the region's own rates make the layer cautious (clean schools
    0.035 at α = 0.05, pushed ones 0.40); fitted on half the clean schools, 0.059 and 0.47."""
    with_reference, without = (reference_run(bunching, "bunching")[mode] for mode in ("with", "without"))
    assert 0.04 <= with_reference[0] <= 0.075 and without[0] < with_reference[0]
    assert with_reference[1] >= without[1] + 0.04
