"""L4 «journal vs ВПР» (objectivity.analysis.markers.journal): size on clean regions, power on injected
«journal» schools, reference values of the core computations, and the output contract of base.py."""

import itertools
import math
import time

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import optimize, stats

from objectivity.analysis.markers import exact
from objectivity.analysis.markers.base import TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.exact import poisson_binomial_pmf
from objectivity.analysis.markers.journal import fit_logistic, journal
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.words import in_words

COLUMNS = ["school_login", "n", "stat_journal", "p_journal", "explain_journal"]
FORBIDDEN = ("манипуляц", "фальсификац", "нарушител", "рейтинг", "вероятност")


def randomised_upper_p(chances, observed, rng):
    """The layer's p under τ = 0: a Poisson-binomial count's randomised upper p-value (markers.exact)."""
    return exact.randomised_upper_p(poisson_binomial_pmf(chances), observed, rng.uniform(size=len(observed)))


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def layer_on_regions(seeds, inject=None, n_schools=600):
    """The layer on every test of generated regions (grades 4-5, ru + ma), with each school's kind."""
    parts = []
    for seed in seeds:
        tests = default_tests([2024], grades=(4, 5), subjects=("ru", "ma"))
        region = generate_region(seed=seed, years=[2024], n_schools=n_schools, tests=tests, inject=inject or {})
        for spec, frame in region.results.items():
            out = journal(counted(frame), info_from_spec(spec), seed=seed)
            truth = region.truth.filter((pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject))
            out = out.join(truth.select("school_login", "kind"), on="school_login", how="left")
            parts.append(out.with_columns(pl.col("kind").fill_null("clean")))
    out = pl.concat(parts)
    return out.with_columns(pl.col("n").map_elements(size_band, return_dtype=pl.String).alias("band"))


def rejection_by_band(out: pl.DataFrame, kind: str) -> dict[str, tuple[float, int]]:
    rows = out.filter((pl.col("kind") == kind) & pl.col("p_journal").is_not_null())
    table = rows.group_by("band").agg((pl.col("p_journal") < 0.05).mean().alias("share"), pl.len().alias("schools"))
    return {r["band"]: (r["share"], r["schools"]) for r in table.iter_rows(named=True)}


# --- bar 1: type-I error ------------------------------------------------------------------------


def test_type_one_error_in_every_size_band():
    # 6 seeds × 600 schools × 4 tests (about 1 s); measured: 1-9 0.047, 10-19 0.049, 20-49 0.053, 50+ 0.057
    out = layer_on_regions(seeds=(1, 2, 3, 4, 5, 6))
    shares = rejection_by_band(out, "clean")
    assert set(shares) == {"1-9", "10-19", "20-49", "50+"}
    for band, (share, schools) in shares.items():
        assert schools >= 1000, band
        assert 0.03 <= share <= 0.07, (band, share)


# --- bar 2: power -------------------------------------------------------------------------------


def test_power_on_injected_journal_schools():
    # 6 seeds (52-82 injected schools per band); measured TPR at α = 0.05: 1-9 0.24, 10-19 0.37,
    # 20-49 0.56, 50+ 0.92 (clean schools of the same regions: 0.045-0.047)
    out = layer_on_regions(seeds=(1, 2, 3, 4, 5, 6), inject={"journal": 0.08})
    clean, lifted = rejection_by_band(out, "clean"), rejection_by_band(out, "journal")
    assert lifted["20-49"][0] >= 0.35, lifted
    assert lifted["50+"][0] >= 0.75, lifted
    for band in ("20-49", "50+"):
        assert lifted[band][0] >= 5 * clean[band][0], (band, lifted, clean)


# --- bar 3: reference values --------------------------------------------------------------------


def test_poisson_binomial_with_equal_chances_is_the_binomial():
    # Reference: scipy.stats.binom.pmf (the Poisson-binomial with one chance is the binomial).
    chances = np.array([[0.3] * 12, [0.55] * 12])
    pmf = poisson_binomial_pmf(chances)
    assert np.allclose(pmf[0], stats.binom.pmf(np.arange(13), 12, 0.3), atol=1e-12)
    assert np.allclose(pmf[1], stats.binom.pmf(np.arange(13), 12, 0.55), atol=1e-12)


def test_poisson_binomial_with_unequal_chances_matches_enumeration():
    # Reference: the definition, summing the probability of each of the 2^6 outcomes by hand.
    chances = np.array([0.1, 0.35, 0.5, 0.62, 0.8, 0.93])
    expected = np.zeros(7)
    for outcome in itertools.product((0, 1), repeat=6):
        hit = np.array(outcome)
        expected[hit.sum()] += np.prod(np.where(hit == 1, chances, 1 - chances))
    padded = np.array([[*chances, 0.0, 0.0]])  # padding trials never succeed
    assert np.allclose(poisson_binomial_pmf(padded)[0, :7], expected, atol=1e-12)
    assert np.allclose(poisson_binomial_pmf(padded)[0, 7:], 0.0)


def test_randomised_p_brackets_the_exact_binomial_test():
    # Reference: scipy.stats.binomtest(x, n, p, alternative="greater").pvalue = P(X ≥ x);
    # the randomised p lies between P(X > x) and P(X ≥ x) and equals P(X ≥ x) − U·P(X = x).
    n, chance, observed = 15, 0.4, np.array([9, 3, 15])
    rates = np.full((3, n), chance)
    uniform = np.random.default_rng(7).uniform(size=3)
    p = randomised_upper_p(rates, observed, np.random.default_rng(7))
    for i, x in enumerate(observed):
        at_least = stats.binomtest(int(x), n, chance, alternative="greater").pvalue
        exactly = stats.binom.pmf(x, n, chance)
        assert math.isclose(p[i], at_least - exactly + uniform[i] * exactly, abs_tol=1e-12)
        assert at_least - exactly - 1e-12 <= p[i] <= at_least + 1e-12


def test_randomised_p_is_uniform_under_the_null():
    # With the true chances the randomised p-value is exactly Uniform(0, 1) (Kolmogorov-Smirnov vs scipy).
    rng = np.random.default_rng(3)
    chances = rng.uniform(0.1, 0.9, size=(4000, 8))
    observed = (rng.random(chances.shape) < chances).sum(axis=1)
    p = randomised_upper_p(chances, observed, np.random.default_rng(4))
    assert stats.kstest(p, "uniform").pvalue > 0.01


def test_logistic_fit_with_a_binary_covariate_has_the_closed_form():
    # Reference: for one 0/1 covariate the MLE is intercept = logit(share in group 0), slope = log odds
    # ratio of the 2×2 table (here 12/30 and 21/30), computed by hand.
    x = np.repeat([0.0, 1.0], 30)
    y = np.concatenate([np.repeat([1.0, 0.0], [12, 18]), np.repeat([1.0, 0.0], [21, 9])])
    coef = fit_logistic(np.column_stack([np.ones(60), x]), y)
    assert math.isclose(coef[0], math.log(12 / 18), abs_tol=1e-5)
    assert math.isclose(coef[1], math.log((21 / 9) / (12 / 18)), abs_tol=1e-5)


def test_logistic_fit_matches_a_general_optimiser():
    # Reference: scipy.optimize.minimize on the negative log-likelihood.
    rng = np.random.default_rng(11)
    design = np.column_stack([np.ones(400), rng.normal(size=400), rng.normal(size=400)])
    y = (rng.random(400) < 1 / (1 + np.exp(-(design @ np.array([-0.3, 0.8, -0.5]))))).astype(float)

    def loss(coef: np.ndarray) -> float:
        eta = design @ coef
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta))

    best = optimize.minimize(loss, np.zeros(3), method="BFGS").x
    assert np.allclose(fit_logistic(design, y), best, atol=1e-4)


# --- bar 4: the output contract ------------------------------------------------------------------


@pytest.fixture(scope="module")
def injected():
    tests = default_tests([2024], grades=(4,), subjects=("ru",))
    region = generate_region(seed=8, years=[2024], n_schools=300, tests=tests, inject={"journal": 0.1})
    spec, frame = next(iter(region.results.items()))
    rows = counted(frame)
    return rows, info_from_spec(spec), journal(rows, info_from_spec(spec), seed=1)


def test_output_contract(injected):
    rows, _info, out = injected
    assert out.columns == COLUMNS
    assert out.schema["n"] == pl.Int64 and out.schema["p_journal"] == pl.Float64
    assert out["school_login"].n_unique() == out.height == rows["school_login"].n_unique()
    sizes = rows.group_by("school_login").len()
    assert out.join(sizes, on="school_login").filter(pl.col("n") != pl.col("len")).is_empty()
    has_p = out["p_journal"].is_not_null()
    assert out.filter(has_p)["p_journal"].is_between(0.0, 1.0).all()
    assert (out["explain_journal"].str.len_chars() > 0).to_list() == has_p.to_list()
    assert (out["stat_journal"].is_not_null() == has_p).all()
    assert 0 < has_p.sum() < out.height  # some small schools have no pupil in any window


def test_explanations_are_plain_and_carry_numbers(injected):
    _rows, _info, out = injected
    out = in_words(out)
    top = out.sort("p_journal", nulls_last=True).row(0, named=True)
    assert top["explain_journal"].startswith("отметка «")
    assert "по журналу" in top["explain_journal"] and "ожидалось" in top["explain_journal"]
    text = " ".join(out["explain_journal"].to_list()).lower()
    assert not any(word in text for word in FORBIDDEN)


def test_deterministic_for_a_seed(injected):
    rows, info, out = injected
    # Equal up to floating-point rounding: Polars sums groups in parallel, in no fixed order.
    assert_frame_equal(journal(rows, info, seed=1), out, check_exact=False, rel_tol=1e-9)
    assert not journal(rows, info, seed=2)["p_journal"].equals(out["p_journal"])


def test_no_cuts_or_no_journal_gives_no_p(injected):
    rows, info, _out = injected
    without_cuts = TestInfo(max_total=info.max_total, cuts=None, column_max=info.column_max)
    out = journal(rows, without_cuts)
    assert out.columns == COLUMNS and out["p_journal"].is_null().all()
    assert (out["explain_journal"] == "").all()
    no_marks = journal(rows.with_columns(pl.lit(None, pl.Int8).alias("journal_mark")), info)
    assert no_marks["p_journal"].is_null().all() and no_marks.height == out.height


def test_a_small_school_by_hand():
    # Cuts 6/10/15 (grade 4 maths). Region: journal «4» pupils in the window 7-10, half at 10.
    info = TestInfo(max_total=20, cuts=(6, 10, 15), column_max=(20,))
    region = [("a", 4, score) for score in (7, 8, 9, 10, 10, 10)] * 20
    school = [("b", 4, 10)] * 4 + [("b", 3, 2), ("b", 5, 20)]
    frame = pl.DataFrame(
        region + school, schema={"school_login": pl.String, "journal_mark": pl.Int8, "total": pl.Int16}, orient="row"
    )
    out = in_words(journal(frame, info)).sort("school_login")
    b = out.row(1, named=True)
    assert b["n"] == 6
    # Every window pupil of «a» and «b» is at the cut with the region's chance 64/124; «b» has 4 of 4.
    chance = (60 + 4) / 124
    assert math.isclose(b["stat_journal"], (4 - 4 * chance) / math.sqrt(4 * chance * (1 - chance)), rel_tol=1e-3)
    assert b["p_journal"] <= chance**4 + 1e-9
    assert "из 4 учеников, набравших от 7 до 10 баллов, ровно 10 (порог «4») у 4" in b["explain_journal"]


def test_fast_enough_for_a_thousand_schools():
    rng = np.random.default_rng(0)
    info = info_from_spec(default_tests([2024], grades=(4,), subjects=("ma",))[0])
    size = 30_000
    tasks = {f"task_{j + 1}": rng.binomial(top, 0.6, size).astype(np.int8) for j, top in enumerate(info.column_max)}
    total = np.sum(list(tasks.values()), axis=0).astype(np.int16)
    frame = pl.DataFrame(
        {
            "school_login": [f"sch{i:04d}" for i in np.repeat(np.arange(1000), 30)],
            "journal_mark": np.clip(np.rint(2 + total / 5 + rng.normal(0, 0.5, size)), 2, 5).astype(np.int8),
            "total": total,
            **tasks,
        }
    )
    start = time.perf_counter()
    out = journal(frame, info)
    assert time.perf_counter() - start < 10.0  # loose: shared CI machines; measured ~0.04 s
    assert out.height == 1000


def test_one_pupil_reads_in_the_singular():
    from objectivity.analysis.wording import _scorers as _pupils

    assert _pupils(1) == "1 ученика, набравшего" and _pupils(21) == "21 ученика, набравшего"
    assert _pupils(11) == "11 учеников, набравших" and _pupils(4) == "4 учеников, набравших"
