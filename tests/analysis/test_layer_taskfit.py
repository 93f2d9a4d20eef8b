"""L2 task misfit (markers.taskfit): its null holds on clean regions, it finds help on hard tasks,
its parts agree with outside references, and it keeps the common layer contract (markers.base)."""

import time

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

from objectivity.analysis.markers.base import TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.taskfit import (
    _result,
    anova_components,
    bin_moments,
    paule_mandel,
    shrunk_means,
    taskfit,
)
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.bcg import bcg_log_risk_ratios
from tests.analysis.words import in_words

TESTS = default_tests([2024], grades=(4, 5))
SEEDS = (1, 2, 3)
COLUMNS = ["school_login", "n", "stat_taskfit", "p_taskfit", "explain_taskfit"]
FORBIDDEN = ("манипуляц", "фальсифик", "нарушител", "рейтинг", "вероятност")


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def layer_on_region(seed: int, inject: dict[str, float] | None = None, n_schools: int = 600) -> pl.DataFrame:
    """taskfit on every test of a generated region, with the truth's kind (null for clean schools)."""
    region = generate_region(seed=seed, years=[2024], n_schools=n_schools, tests=TESTS, inject=inject)
    frames = [
        in_words(taskfit(counted(frame), info_from_spec(spec))).with_columns(
            seed=pl.lit(seed),
            year=pl.lit(spec.year, pl.Int64),
            grade=pl.lit(spec.grade, pl.Int64),
            subject=pl.lit(spec.subject),
        )
        for spec, frame in region.results.items()
    ]
    truth = region.truth.select("year", "grade", "subject", "school_login", "kind")
    out = pl.concat(frames).join(truth, on=["year", "grade", "subject", "school_login"], how="left")
    return out.with_columns(band=pl.col("n").map_elements(size_band, return_dtype=pl.String))


def flagged_share(frame: pl.DataFrame) -> dict[str, float]:
    rates = frame.group_by("band").agg((pl.col("p_taskfit") < 0.05).mean().alias("rate"))
    return dict(zip(rates["band"].to_list(), rates["rate"].to_list(), strict=True))


@pytest.fixture(scope="module")
def clean() -> pl.DataFrame:
    return pl.concat([layer_on_region(seed) for seed in SEEDS])


def injected(kind: str) -> pl.DataFrame:
    return pl.concat([layer_on_region(seed, {kind: 0.08}) for seed in SEEDS])


# --- 1. type-I error -----------------------------------------------------------------------------


def test_null_holds_in_every_size_band(clean):
    """3 seeds × 600 schools × 4 tests. Measured: 1-9 0.045, 10-19 0.049, 20-49 0.049, 50+ 0.059
    (other seeds: 4-6 → 0.048/0.032/0.043/0.051, 7-9 → 0.047/0.042/0.047/0.047)."""
    assert clean["p_taskfit"].null_count() == 0
    rates = flagged_share(clean)
    assert set(rates) == {"1-9", "10-19", "20-49", "50+"}
    for band, rate in rates.items():
        assert 0.03 <= rate <= 0.07, (band, rate)


def test_far_tail_holds_in_small_schools(clean):
    """Small schools' mean residuals are skewed (few pupils, skewed advanced-column scores): with the normal
    law 0.0038 of the 1-9 band fell below 0.001 on the evaluation's regions; with the three-moment law 0.0008."""
    small = clean.filter(pl.col("band") == "1-9")["p_taskfit"].to_numpy()
    assert small.size > 1000
    assert (small < 0.001).mean() <= 0.002


def test_other_levels_hold_too(clean):
    """The tails matter, not the middle: target scores are skewed, so the median p is about 0.52
    (Kolmogorov-Smirnov distance from uniform ≈ 0.03), while shares at 0.01 and 0.10 stay close."""
    p = clean["p_taskfit"].to_numpy()
    assert 0.004 <= (p < 0.01).mean() <= 0.02
    assert 0.08 <= (p < 0.10).mean() <= 0.12


# --- 2. power ------------------------------------------------------------------------------------


def test_help_on_hard_tasks_is_found():
    """Target kind «hard» (+1 on the two hardest columns for 35% of pupils), inject={"hard": 0.08}.
    Measured TPR at α = 0.05, seeds 1-3 (59/25/30/30 schools): 1-9 0.53, 10-19 0.48, 20-49 0.77,
    50+ 0.97; clean schools of the same regions 0.04-0.05."""
    out = injected("hard")
    big = out.filter(pl.col("n") >= 20)
    hard = big.filter(pl.col("kind") == "hard")
    others = big.filter(pl.col("kind").is_null())
    tpr = float((hard["p_taskfit"] < 0.05).mean())
    fpr = float((others["p_taskfit"] < 0.05).mean())
    assert hard.height >= 40
    assert tpr >= 0.7, tpr
    assert fpr <= 0.07 and tpr >= 8 * fpr
    explained = hard.sort("p_taskfit")["explain_taskfit"][0]
    assert explained.startswith("столб") and "п.п. к ожидаемому" in explained


def test_blanket_inflation_is_seen_weakly():
    """«inflate» (+1 point on 40% of pupils, criterion columns first) lands mostly on basic criterion
    columns, which are part of this layer's anchor, so the layer sees it only weakly: measured TPR,
    seeds 1-3: 1-9 0.03, 10-19 0.04, 20-49 0.16, 50+ 0.29. «push» (points just under a cut) is not
    this layer's sign: 1-9 0.11, 10-19 0.00, 20-49 0.03, 50+ 0.03 (layer L1 is for it)."""
    big = injected("inflate").filter(pl.col("n") >= 20)
    tpr = float((big.filter(pl.col("kind") == "inflate")["p_taskfit"] < 0.05).mean())
    fpr = float((big.filter(pl.col("kind").is_null())["p_taskfit"] < 0.05).mean())
    assert tpr >= 0.12 and tpr > 2 * fpr, (tpr, fpr)


# --- 3. reference values -------------------------------------------------------------------------


def test_one_step_is_dersimonian_laird_on_the_bcg_trials():
    """Reference: metafor, tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (Stata `metan`):
    rma(yi, vi, method="DL") on dat.bcg gives μ = −0.7141, τ² = 0.3088 (metafor's printed output)."""
    effect, variance, _latitude = bcg_log_risk_ratios()
    beta, tau2 = paule_mandel(effect, variance, np.ones((13, 1)), iterations=1)
    assert beta[0] == pytest.approx(-0.7141, abs=5e-5)
    assert tau2 == pytest.approx(0.3088, abs=5e-5)


def test_fixed_point_is_paule_mandel():
    """Reference: Paule & Mandel (1982) define τ² by Q(τ²) = k − p; solved here with scipy.optimize.brentq."""
    effect, variance, _latitude = bcg_log_risk_ratios()
    latitude = np.array([44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33], dtype=float)  # dat.bcg ablat
    for design in (np.ones((13, 1)), np.column_stack([np.ones(13), latitude])):

        def excess_q(tau2: float, design: np.ndarray = design) -> float:
            weight = 1 / (variance + tau2)
            root = np.sqrt(weight)
            beta = np.linalg.lstsq(design * root[:, None], effect * root, rcond=None)[0]
            return float((weight * (effect - design @ beta) ** 2).sum()) - (13 - design.shape[1])

        _, tau2 = paule_mandel(effect, variance, design)
        assert tau2 == pytest.approx(optimize.brentq(excess_q, 0.0, 10.0), rel=1e-6)


def test_bin_moments_equal_scipy_binned_statistic():
    """Reference: scipy.stats.binned_statistic (mean, and std² = population variance)."""
    rng = np.random.default_rng(5)
    bins = rng.integers(0, 6, 400)
    values = rng.integers(0, 4, (400, 3)).astype(float)
    mean, variance = bin_moments(values, bins)
    edges = np.arange(7) - 0.5
    for j in range(3):
        ref_mean = stats.binned_statistic(bins, values[:, j], "mean", bins=edges).statistic
        ref_sd = stats.binned_statistic(bins, values[:, j], "std", bins=edges).statistic
        assert mean[:, j] == pytest.approx(ref_mean)
        assert variance[:, j] == pytest.approx(ref_sd**2)


def test_anova_components_match_scipy_f_oneway():
    """Reference: scipy.stats.f_oneway; MSB / MSW = 1 + n0·σ²_b / σ²_w for the moment estimates."""
    rng = np.random.default_rng(8)
    sizes = np.array([3, 7, 12, 5, 20, 9])
    group = np.repeat(np.arange(6), sizes)
    values = rng.normal(0, 1, group.size) + rng.normal(0, 0.8, 6)[group]
    within, between, n0 = anova_components(values, group, 6)
    f = stats.f_oneway(*[values[group == g] for g in range(6)]).statistic
    assert between > 0 and 1 + n0 * between / within == pytest.approx(f)
    shrunk = shrunk_means(values, group, 6)
    raw = np.array([values[group == g].mean() for g in range(6)]) - values.mean()
    reliability = sizes * between / (sizes * between + within)
    assert shrunk == pytest.approx(raw * reliability)


def test_z_and_p_by_hand_on_a_tiny_region():
    """Ten schools of four pupils; a hand computation of the layer's z (τ² from brentq) and SciPy's p."""
    info = TestInfo(max_total=3, cuts=None, column_max=(1, 1, 1), levels=("Б", "Б", "П"))
    rng = np.random.default_rng(2)
    school = np.repeat([f"s{i:02d}" for i in range(10)], 4)
    tasks = rng.integers(0, 2, (40, 3))
    rows = pl.DataFrame({"school_login": school, **{f"task_{j + 1}": tasks[:, j] for j in range(3)}})
    out = taskfit(rows, info)
    # by hand: anchor 0..2 are the bins; one target column, so its weight only scales z away
    anchor, target = tasks[:, :2].sum(axis=1), tasks[:, 2].astype(float)
    mean = np.array([target[anchor == a].mean() for a in range(3)])[anchor]
    var = np.array([target[anchor == a].var() for a in range(3)])[anchor]
    index = np.repeat(np.arange(10), 4)
    effect = np.bincount(index, target - mean) / 4
    sampling = np.bincount(index, var) / 16
    level = shrunk_means(anchor.astype(float), index, 10)
    design = np.column_stack([np.ones(10), level, level**2])
    beta, tau2 = paule_mandel(effect, sampling, design)
    z = (effect - design @ beta) / np.sqrt(sampling + tau2)
    assert out["stat_taskfit"].to_numpy() == pytest.approx(z)
    # skewness of a mean of independent residuals: Σ κ3 / n³ over the sd³ of the whole (cumulants add)
    third = np.array([((target - mean)[anchor == a] ** 3).mean() for a in range(3)])[anchor]
    skew = np.bincount(index, third) / 4**3 / (sampling + tau2) ** 1.5
    assert out["p_taskfit"].to_numpy() == pytest.approx(stats.pearson3.sf(z, np.clip(skew, -2, 2)))


def test_three_moment_law_of_a_mean_of_exponentials_is_the_gamma_law():
    # Reference: scipy.stats.gamma. The mean of n Exp(1) residuals (third cumulant 2 each) is Gamma(n, 1/n):
    # the layer's skewness Σ κ3 / n³ / sd³ = 2/√n, and its three-moment (Pearson III) tail is then exact.
    n = 9
    skew = n * 2.0 / n**3 / (n * 1.0 / n**2) ** 1.5
    assert skew == pytest.approx(2 / np.sqrt(n))
    z = np.array([-1.0, 0.0, 2.0, 4.0])
    out = _result([f"s{i}" for i in range(4)], np.full(4, n), z, [], np.full(4, skew))
    exact = stats.gamma(n, scale=1 / n).sf(1 + z / np.sqrt(n))
    assert out["p_taskfit"].to_numpy() == pytest.approx(exact, rel=1e-9)


# --- 4. output contract --------------------------------------------------------------------------


def test_output_contract(clean):
    one = clean.filter((pl.col("seed") == SEEDS[0]) & (pl.col("grade") == 4) & (pl.col("subject") == "ru"))
    assert one.select(COLUMNS).columns == COLUMNS
    assert one["school_login"].is_unique().all()
    p = one["p_taskfit"].drop_nulls()
    assert ((p >= 0) & (p <= 1)).all()
    has_p = one["p_taskfit"].is_not_null()
    assert ((one["explain_taskfit"].str.len_chars() > 0) == has_p).all()
    texts = " ".join(one["explain_taskfit"].to_list()).lower()
    assert not any(word in texts for word in FORBIDDEN)


def test_one_row_per_school_with_its_present_pupils():
    region = generate_region(seed=4, years=[2024], n_schools=60, tests=TESTS[:1])
    spec, frame = next(iter(region.results.items()))
    rows = counted(frame)
    out = taskfit(rows, info_from_spec(spec))
    assert out.columns == COLUMNS
    assert out.schema == pl.Schema(
        {
            "school_login": pl.String,
            "n": pl.Int64,
            "stat_taskfit": pl.Float64,
            "p_taskfit": pl.Float64,
            "explain_taskfit": pl.String,
        }
    )
    counts = rows.group_by("school_login").len().sort("school_login")
    assert out["school_login"].to_list() == counts["school_login"].to_list()
    assert out["n"].to_list() == counts["len"].to_list()


def test_no_levels_or_too_few_schools_give_null_p_and_no_text():
    region = generate_region(seed=4, years=[2024], n_schools=60, tests=TESTS[:1])
    spec, frame = next(iter(region.results.items()))
    rows, info = counted(frame), info_from_spec(spec)
    unknown = TestInfo(max_total=info.max_total, cuts=info.cuts, column_max=info.column_max)
    few = rows.filter(pl.col("school_login").is_in(rows["school_login"].unique().sort()[:5].implode()))
    for out in (taskfit(rows, unknown), taskfit(few, info)):
        assert out.height > 0
        assert out["p_taskfit"].null_count() == out.height == out["stat_taskfit"].null_count()
        assert (out["explain_taskfit"] == "").all()


def test_same_input_same_output():
    region = generate_region(seed=6, years=[2024], n_schools=80, tests=TESTS[:1])
    spec, frame = next(iter(region.results.items()))
    rows, info = counted(frame), info_from_spec(spec)
    assert taskfit(rows, info, seed=0).equals(taskfit(rows, info, seed=1))


# --- speed ---------------------------------------------------------------------------------------


def test_a_region_of_1000_schools_of_30_takes_well_under_a_second():
    region = generate_region(seed=7, years=[2024], n_schools=1500, tests=TESTS[:1])
    spec, frame = next(iter(region.results.items()))
    rows = counted(frame).head(30_000)
    rows = rows.with_columns(school_login=pl.format("s{}", (pl.int_range(pl.len()) // 30).cast(pl.String)))
    info = info_from_spec(spec)
    started = time.perf_counter()
    out = taskfit(rows, info)
    elapsed = time.perf_counter() - started
    assert out.height == 1000 and elapsed < 10.0, elapsed  # loose: shared CI machines; measured ~0.03 s
