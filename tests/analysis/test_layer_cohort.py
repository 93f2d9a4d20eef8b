"""L5 cohort dynamics (markers.cohort): its null holds on clean regions, it finds an injected cohort spike,
its parts agree with outside references, and it keeps the layer contract (markers.base) for many tests."""

import re
import time

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

from objectivity.analysis.markers.base import SIZE_BANDS, info_from_spec, size_band
from objectivity.analysis.markers.cohort import (
    OUTPUT_SCHEMA,
    TRIM_CONSISTENCY,
    TRIM_Z,
    cohort,
    fit_variance,
    moderated_variance,
    stouffer,
)
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.bcg import bcg_log_risk_ratios
from tests.analysis.words import in_words

YEARS = [2024, 2025]
TESTS = default_tests(YEARS, grades=(4, 5), subjects=("ru", "ma"))
THREE_YEARS = [2023, 2024, 2025]
THREE_TESTS = default_tests(THREE_YEARS, grades=(4, 5, 6), subjects=("ru", "ma"))
SEEDS = (1, 2, 3, 4, 5, 6)
BANDS = {f"{low}-{high}" if high < 10**9 else f"{low}+" for low, high in SIZE_BANDS}
FORBIDDEN = ("рейтинг", "манипуляц", "нарушени", "фальсифик", "списыва")
KEY = ["year", "grade", "subject", "school_login"]


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def region_inputs(region):
    specs = {(s.year, s.period, s.grade, s.subject): s for s in region.results}
    tests = {key: counted(region.results[spec]) for key, spec in specs.items()}
    return tests, {key: info_from_spec(spec) for key, spec in specs.items()}


def layer_on_region(seed: int, inject=None, years=YEARS, tests=TESTS, n_schools: int = 600) -> pl.DataFrame:
    """cohort on all tests of a generated region, with the truth's kind (null for clean school × tests)."""
    region = generate_region(seed=seed, years=years, n_schools=n_schools, tests=tests, inject=inject)
    out = in_words(cohort(*region_inputs(region)))
    truth = region.truth.select(
        pl.col("year").cast(pl.Int32), pl.col("grade").cast(pl.Int32), "subject", "school_login", "kind"
    )
    out = out.join(truth, on=KEY, how="left")
    return out.with_columns(seed=pl.lit(seed), band=pl.col("n").map_elements(size_band, return_dtype=pl.String))


def rates(frame: pl.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    has_p = frame.filter(pl.col("p_cohort").is_not_null())
    out = has_p.group_by("band").agg((pl.col("p_cohort") < alpha).mean().alias("rate"))
    return dict(zip(out["band"].to_list(), out["rate"].to_list(), strict=True))


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    return float(stats.mannwhitneyu(positive, negative).statistic / (len(positive) * len(negative)))


@pytest.fixture(scope="module")
def clean() -> pl.DataFrame:
    return pl.concat([layer_on_region(seed) for seed in SEEDS])


@pytest.fixture(scope="module")
def spiked() -> pl.DataFrame:
    return pl.concat([layer_on_region(seed, {"cohort": 0.1}) for seed in SEEDS])


# --- 1. type-I error -----------------------------------------------------------------------------


def test_null_holds_in_every_size_band(clean):
    """6 seeds × 600 schools, 2024-2025, grades 4-5, ru + ma (grade 4 of 2024 and grade 5 of 2025 have
    p-values). Measured at α = 0.05: 1-9 0.051 (4,511 school × tests), 10-19 0.050 (2,841),
    20-49 0.049 (2,226), 50+ 0.047 (2,790)."""
    found = rates(clean)
    assert set(found) == BANDS
    for band, rate in found.items():
        assert 0.03 <= rate <= 0.07, (band, rate)
    assert clean.filter(pl.col("p_cohort").is_not_null()).height > 10_000


def test_other_levels_hold_too(clean):
    """Measured: p < 0.01 in 0.010 of school × tests, p < 0.10 in 0.099; the median p is near ½."""
    p = clean["p_cohort"].drop_nulls().to_numpy()
    assert 0.005 <= (p < 0.01).mean() <= 0.015
    assert 0.085 <= (p < 0.10).mean() <= 0.115
    assert 0.47 <= float(np.median(p)) <= 0.53


def test_only_tests_with_a_neighbour_of_the_cohort_get_p(clean):
    """2024-2025, grades 4-5: grade 4 of 2025 and grade 5 of 2024 have no neighbour of their cohort."""
    has_p = clean.group_by("year", "grade").agg(pl.col("p_cohort").is_not_null().mean().alias("share"))
    share = {(r["year"], r["grade"]): r["share"] for r in has_p.to_dicts()}
    assert share[(2025, 4)] == 0 and share[(2024, 5)] == 0
    assert share[(2024, 4)] > 0.7 and share[(2025, 5)] > 0.7  # primary-only schools send no grade 5


def test_null_holds_when_both_neighbours_are_combined():
    """2023-2025, grades 4-6: grade 5 of 2024 has the earlier (4, 2023) and the later (6, 2025) test.
    4 seeds × 600 schools, measured at α = 0.05: 1-9 0.046, 10-19 0.058, 20-49 0.050, 50+ 0.037;
    the variance of the combined z is 1.01-1.04 in every band (ρ is estimated, not assumed; with ρ = 0
    the test fails)."""
    out = pl.concat([layer_on_region(seed, years=THREE_YEARS, tests=THREE_TESTS) for seed in (1, 2, 3, 4)])
    middle = out.filter((pl.col("grade") == 5) & (pl.col("year") == 2024) & pl.col("p_cohort").is_not_null())
    found = rates(middle)
    assert set(found) == BANDS
    for band, rate in found.items():
        assert 0.03 <= rate <= 0.07, (band, rate)
    spread = middle.group_by("band").agg(pl.col("stat_cohort").var().alias("v"))
    assert spread["v"].is_between(0.9, 1.12).all(), spread
    both = middle.filter(
        pl.col("explain_cohort").str.contains("за год") & pl.col("explain_cohort").str.contains("через год")
    )
    assert both.height > 0.9 * middle.height


def test_few_pupils_with_different_numbers_present_keep_the_null(clean):
    """Schools where one of the two tests has 1-3 present pupils and the other a different number: the
    pupils compared are partly different ones, which the terms in |1/n₁ − 1/n₂| and 1/max(n₁, n₂) carry.
    Measured (707 school × tests): variance of z 1.03, p < 0.05 in 0.052 (without those terms 1.35, 0.078)."""
    four = clean.filter((pl.col("year") == 2024) & (pl.col("grade") == 4) & pl.col("p_cohort").is_not_null())
    five = clean.filter((pl.col("year") == 2025) & (pl.col("grade") == 5)).select(
        "seed", "subject", "school_login", pl.col("n").alias("n_next")
    )
    few = four.join(five, on=["seed", "subject", "school_login"]).filter(
        (pl.min_horizontal("n", "n_next") <= 3) & (pl.col("n") != pl.col("n_next"))
    )
    assert few.height >= 500
    assert 0.85 <= float(few["stat_cohort"].var()) <= 1.15
    assert 0.03 <= float((few["p_cohort"] < 0.05).mean()) <= 0.07


def test_clean_schools_keep_their_null_next_to_spiking_ones(spiked):
    """10% of schools spike in grade 4 of 2024: the fit leaves them out (|z| > 2.5, variance corrected
    for the trimming), so the clean schools of that test are not shielded. Measured: 0.045 / 0.042 /
    0.041 / 0.040 by band (with a plain fit on all schools: down to 0.008 for 50+)."""
    four = spiked.filter((pl.col("year") == 2024) & (pl.col("grade") == 4) & pl.col("kind").is_null())
    for band, rate in rates(four).items():
        assert 0.03 <= rate <= 0.07, (band, rate)


# --- 2. power ------------------------------------------------------------------------------------


def test_an_injected_cohort_spike_is_found(spiked):
    """inject={"cohort": 0.1}: one grade-4 parallel lifted by 15-25% of the maximum in 2024, clean in
    grade 5 in 2025. 6 seeds, 360 spiked school × tests, 312 with a grade 5 in 2025 (the others are
    primary-only schools: no evidence, p null). Measured share p < 0.05: 1-9 0.68 (112), 10-19 0.90 (61),
    20-49 1.00 (61), 50+ 1.00 (78); AUC of stat_cohort against the test's clean schools 0.973
    (1-9 0.937, 10-19 0.978, 20+ ≥ 0.998)."""
    four = spiked.filter((pl.col("year") == 2024) & (pl.col("grade") == 4) & pl.col("p_cohort").is_not_null())
    hit = four.filter(pl.col("kind") == "cohort")
    clean = four.filter(pl.col("kind").is_null())
    assert hit.height >= 250
    assert auc(hit["stat_cohort"].to_numpy(), clean["stat_cohort"].to_numpy()) >= 0.95
    detected = rates(hit)
    assert detected["20-49"] >= 0.95 and detected["50+"] >= 0.95, detected
    assert detected["10-19"] >= 0.8 and detected["1-9"] >= 0.55, detected
    top = hit.sort("p_cohort")["explain_cohort"][0]
    assert top.startswith("4 класс в 2024 г.:") and "через год возврат на" in top


def test_the_spike_is_not_held_against_the_next_year(spiked):
    """The same schools' grade 5 in 2025 looks like a fall, not a rise: almost never p < 0.05."""
    spiked_logins = spiked.filter(pl.col("kind") == "cohort").select("seed", "subject", "school_login")
    five = spiked.filter((pl.col("year") == 2025) & (pl.col("grade") == 5)).join(
        spiked_logins, on=["seed", "subject", "school_login"]
    )
    assert five["p_cohort"].drop_nulls().len() >= 250
    assert (five["p_cohort"].drop_nulls() < 0.05).mean() < 0.01


def test_a_spike_between_two_neighbours_is_found():
    """A made-up spike: in grade 5 of 2024 (between grade 4 of 2023 and grade 6 of 2025) 40 schools of
    10+ pupils get +20% of the maximum on every pupil (capped at the maximum). Measured: all 40 at p < 0.05."""
    region = generate_region(seed=11, years=THREE_YEARS, n_schools=600, tests=THREE_TESTS)
    tests, infos = region_inputs(region)
    key = (2024, "spring", 5, "ru")
    sizes = tests[key].group_by("school_login").len().filter(pl.col("len") >= 10)
    chosen = sizes.sort("school_login")["school_login"].gather_every(max(1, sizes.height // 40))[:40]
    lift = round(0.2 * infos[key].max_total)
    total = pl.when(pl.col("school_login").is_in(chosen.implode())).then(pl.col("total") + lift).otherwise("total")
    tests[key] = tests[key].with_columns(pl.min_horizontal(total, infos[key].max_total).cast(pl.Int16).alias("total"))
    out = in_words(cohort(tests, infos)).filter(pl.col("year") == 2024, pl.col("grade") == 5, pl.col("subject") == "ru")
    hit = out.filter(pl.col("school_login").is_in(chosen.implode()))
    assert hit.height == 40 and hit["p_cohort"].null_count() <= 4
    assert (hit["p_cohort"].drop_nulls() < 0.05).mean() >= 0.95
    text = hit.sort("p_cohort")["explain_cohort"][0]
    assert "за год подъём на" in text and "через год возврат на" in text


# --- 3. reference values -------------------------------------------------------------------------


def normal_loglik(effect, design, beta, variance) -> float:
    return float(stats.norm.logpdf(effect, design @ beta, np.sqrt(variance)).sum())


def test_reml_tau2_on_the_bcg_trials_is_metafors():
    """Reference: Viechtbauer (2010) «Conducting meta-analyses in R with the metafor package», J. Stat.
    Softw. 36(3), §4: rma(yi, vi, data=dat) on dat.bcg gives τ² = 0.3132, μ = −0.7145; with mods=~ablat
    τ² = 0.0764, intercept 0.2515, slope −0.0291 (REML, metafor's printed output)."""
    effect, variance, ablat = bcg_log_risk_ratios()
    one = np.ones((13, 1))
    beta, theta = fit_variance(effect, one, variance, one)
    assert theta[0] == pytest.approx(0.3132, abs=5e-5) and beta[0] == pytest.approx(-0.7145, abs=5e-5)
    design = np.column_stack([np.ones(13), ablat])
    beta, theta = fit_variance(effect, design, variance, one)
    # metafor stops its Fisher scoring at a change under 1e-5 and prints 0.0764; the exact maximum is 0.07635
    assert theta[0] == pytest.approx(0.0764, abs=1e-4)
    assert beta == pytest.approx([0.2515, -0.0291], abs=5e-5)


def test_ml_fit_on_the_bcg_trials_has_metafors_log_likelihood():
    """Reference: metafor tests/testthat/test_misc_fitstats.r: logLik of rma(yi, vi, method="ML") on
    dat.bcg is −12.6651, of rma(yi ~ ablat, vi, method="ML") −7.6857."""
    effect, variance, ablat = bcg_log_risk_ratios()
    one = np.ones((13, 1))
    for design, expected in ((one, -12.6651), (np.column_stack([one, ablat]), -7.6857)):
        beta, theta = fit_variance(effect, design, variance, one, restricted=False)
        assert normal_loglik(effect, design, beta, variance + theta[0]) == pytest.approx(expected, abs=5e-5)


def test_three_component_reml_is_the_maximum_scipy_finds():
    """The layer's own model, V = offset + τ² + c'·v + e·u: the fixed point is the maximum of the REML
    log-likelihood −½(Σ log V + log|X'V⁻¹X| + r'V⁻¹r), found independently with scipy.optimize (L-BFGS-B)."""
    rng = np.random.default_rng(3)
    n1, n2 = rng.integers(1, 60, 400), rng.integers(1, 60, 400)
    v = 250 / n1 + 250 / n2
    u = np.abs(1 / n1 - 1 / n2)
    level = rng.normal(0, 5, 400)
    design = np.column_stack([np.ones(400), level])
    components = np.column_stack([np.ones(400), v, u])
    truth = 8 + 0.3 * v + 150 * u
    effect = 1 - 0.15 * level + rng.normal(0, np.sqrt(truth))
    offset = 0.05 * v
    beta, theta = fit_variance(effect, design, offset, components)

    def minus_reml(params: np.ndarray) -> float:
        variance = offset + components @ params
        weight = 1 / variance
        info = design.T @ (design * weight[:, None])
        b = np.linalg.solve(info, design.T @ (weight * effect))
        r = effect - design @ b
        return 0.5 * float(np.log(variance).sum() + np.linalg.slogdet(info)[1] + (weight * r**2).sum())

    found = optimize.minimize(minus_reml, x0=[5.0, 0.5, 50.0], bounds=[(0, None)] * 3, method="L-BFGS-B")
    assert minus_reml(theta) <= found.fun + 1e-6
    assert theta == pytest.approx(found.x, rel=2e-3, abs=1e-3)
    assert theta == pytest.approx([8, 0.25, 150], rel=0.5)  # and near the truth that made the data


def test_normal_tails_are_scipys(clean):
    """p = 1 − Φ(stat), Φ from scipy.stats.norm."""
    known = clean.filter(pl.col("p_cohort").is_not_null())
    assert known["p_cohort"].to_numpy() == pytest.approx(stats.norm.sf(known["stat_cohort"].to_numpy()), abs=1e-12)


def test_trimming_correction_is_the_truncated_normal_variance():
    """Reference: scipy.stats.truncnorm(−c, c).var() is Var(Z | |Z| ≤ c)."""
    assert pytest.approx(stats.truncnorm(-TRIM_Z, TRIM_Z).var(), rel=1e-12) == TRIM_CONSISTENCY


def test_stouffer_for_correlated_z_keeps_the_normal_tail():
    """(z₁ + z₂)/√(2 + 2ρ) of bivariate normal z with correlation ρ is N(0, 1): its upper 5% share against
    scipy.stats.norm.isf(0.05), and one z alone when the other is missing."""
    rng = np.random.default_rng(1)
    for rho in (0.0, 0.5, 0.8):
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], 200_000)
        joint = stouffer(z[:, 0], z[:, 1], rho)
        assert joint.std() == pytest.approx(1.0, abs=0.01)
        assert (joint > stats.norm.isf(0.05)).mean() == pytest.approx(0.05, abs=0.002)
    assert stouffer(np.array([1.5, np.nan, np.nan]), np.array([np.nan, -0.5, np.nan]), 0.5)[:2] == pytest.approx(
        [1.5, -0.5]
    )
    assert np.isnan(stouffer(np.array([np.nan]), np.array([np.nan]), 0.5)[0])


def test_moderated_variance_by_hand():
    """((n − 1)s² + k·s²_pooled)/(n − 1 + k), s²_pooled = Σ(n − 1)s² / Σ(n − 1); one pupil gets s²_pooled."""
    variance, n = np.array([100.0, 0.0, 400.0]), np.array([11, 1, 3])
    pooled = (10 * 100 + 2 * 400) / 12
    expected = [(1000 + 10 * pooled) / 20, pooled, (800 + 10 * pooled) / 12]
    assert moderated_variance(variance, n) == pytest.approx(expected)


# --- 4. output contract and edge cases -----------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return region_inputs(generate_region(seed=4, years=YEARS, n_schools=120, tests=TESTS))


def test_one_row_per_test_and_school_with_its_present_pupils(small):
    tests, infos = small
    out = cohort(tests, infos)
    assert out.schema == pl.Schema(OUTPUT_SCHEMA)
    expected = pl.concat(
        [
            frame.group_by("school_login")
            .len()
            .with_columns(year=pl.lit(y, pl.Int32), grade=pl.lit(g, pl.Int32), subject=pl.lit(s))
            for (y, _, g, s), frame in tests.items()
        ]
    )
    joined = out.join(expected, on=["year", "grade", "subject", "school_login"], how="full", coalesce=True)
    assert joined.height == out.height == expected.height
    assert (joined["n"] == joined["len"]).all()
    assert out.select(KEY).is_unique().all()
    assert (out["period"] == "spring").all()


def test_p_and_explanation_go_together_in_plain_russian(clean):
    assert ((clean["explain_cohort"].str.len_chars() > 0) == clean["p_cohort"].is_not_null()).all()
    assert (clean["stat_cohort"].is_null() == clean["p_cohort"].is_null()).all()
    p = clean["p_cohort"].drop_nulls()
    assert ((p >= 0) & (p <= 1)).all()
    texts = " ".join(clean["explain_cohort"].to_list()).lower()
    assert not any(word in texts for word in FORBIDDEN)
    assert "п.п." in texts and re.search(r"\d,\d п\.п\.", texts) and not re.search(r"\d\.\d", texts)


def test_explanation_numbers_are_the_schools(small):
    """The percents in the text are the school's and the region's means of total / max_total."""
    tests, infos = small
    out = in_words(cohort(tests, infos)).filter(pl.col("p_cohort").is_not_null(), pl.col("grade") == 4)
    row = out.sort("p_cohort").row(0, named=True)
    key = (row["year"], row["period"], 4, row["subject"])
    percent = tests[key]["total"].cast(pl.Float64) * 100 / infos[key].max_total
    school = percent.filter(tests[key]["school_login"] == row["school_login"]).mean()
    later = (row["year"] + 1, row["period"], 5, row["subject"])
    region_later = (tests[later]["total"].cast(pl.Float64) * 100 / infos[later].max_total).mean()
    text = row["explain_cohort"]
    assert text.startswith(
        f"4 класс в {row['year']} г.: {round(school)}\u00a0% от максимума при {round(percent.mean())}\u00a0% по региону"
    )
    assert f"при {round(region_later)}\u00a0% по региону" in text.split("та же параллель")[1]
    assert f"(учеников: {row['n']})" in text


def test_a_single_test_has_no_neighbour(small):
    tests, infos = small
    key = (2024, "spring", 4, "ru")
    out = cohort({key: tests[key]}, infos)
    assert out.height == tests[key]["school_login"].n_unique()
    assert out["p_cohort"].null_count() == out.height == out["stat_cohort"].null_count()
    assert (out["explain_cohort"] == "").all()


def test_autumn_is_never_compared_with_spring(small):
    tests, infos = small
    spring, later = (2024, "spring", 4, "ru"), (2025, "spring", 5, "ru")
    autumn = (2025, "autumn", 5, "ru")
    mixed = cohort({spring: tests[spring], autumn: tests[later]}, {spring: infos[spring], autumn: infos[later]})
    assert mixed.height > 0 and mixed["p_cohort"].null_count() == mixed.height
    assert set(mixed["period"].unique()) == {"spring", "autumn"}
    both_autumn = {(2024, "autumn", 4, "ru"): tests[spring], autumn: tests[later]}
    infos_autumn = {(2024, "autumn", 4, "ru"): infos[spring], autumn: infos[later]}
    assert cohort(both_autumn, infos_autumn)["p_cohort"].null_count() < mixed.height  # autumn with autumn is fine


def test_other_subject_or_a_gap_year_is_not_a_neighbour(small):
    tests, infos = small
    pairs = [
        ((2024, "spring", 4, "ru"), (2025, "spring", 5, "ma")),  # other subject
        ((2024, "spring", 4, "ru"), (2024, "spring", 5, "ru")),  # same year
    ]
    for first, second in pairs:
        out = cohort({first: tests[first], second: tests[second]}, infos)
        assert out["p_cohort"].null_count() == out.height


def test_no_reference_data_or_too_few_schools_give_null_p(small):
    tests, infos = small
    first, second = (2024, "spring", 4, "ru"), (2025, "spring", 5, "ru")
    no_info = cohort({first: tests[first], second: tests[second]}, {second: infos[second]})
    assert no_info.height > 0 and no_info["p_cohort"].null_count() == no_info.height
    logins = tests[first]["school_login"].unique().sort()[:15].implode()
    few = {key: tests[key].filter(pl.col("school_login").is_in(logins)) for key in (first, second)}
    out = cohort(few, infos)
    assert out.height > 0 and out["p_cohort"].null_count() == out.height


def test_empty_input_gives_an_empty_frame_of_the_contract():
    out = cohort({}, {})
    assert out.height == 0 and out.schema == pl.Schema(OUTPUT_SCHEMA)


def test_same_input_same_output_whatever_the_seed(small):
    tests, infos = small
    assert cohort(tests, infos, seed=0).equals(cohort(tests, infos, seed=5))


def test_a_big_region_takes_well_under_a_second():
    region = generate_region(seed=7, years=YEARS, n_schools=1500, tests=TESTS)
    tests, infos = region_inputs(region)
    started = time.perf_counter()
    out = cohort(tests, infos)
    elapsed = time.perf_counter() - started
    assert out.height > 4000 and elapsed < 5.0, elapsed  # loose: shared CI machines; measured ~0.1 s
