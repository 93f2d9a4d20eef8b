"""L7 observers and rechecks (markers.oversight): without oversight data nothing is said; with it the null
holds on clean generated regions, injected inflation is found, and the exact parts agree with SciPy."""

from itertools import pairwise

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.markers import oversight
from objectivity.analysis.markers.base import TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.oversight import (
    ClassSpread,
    class_spread,
    observer_contrast,
    observers,
    rechecks,
    signed_rank_law,
    signed_rank_p,
)
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.words import in_words

TESTS = default_tests([2024], grades=(4, 5))
FORBIDDEN = ("рейтинг", "манипуляц", "нарушени", "фальсификац", "списыван")
NOISE = 0.15  # chance that one grader's score on a criterion column differs by ±1 from the true one
SAMPLE = 12  # works rechecked per school (all of them when the school has fewer)


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def tasks(info: TestInfo) -> list[str]:
    return [f"task_{j + 1}" for j in range(len(info.column_max))]


def columns(name: str) -> list[str]:
    return ["school_login", "n", f"stat_{name}", f"p_{name}", f"explain_{name}"]


def with_band(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(band=pl.col("n").map_elements(size_band, return_dtype=pl.String))


def flagged_share(frame: pl.DataFrame, p: str) -> dict[str, tuple[int, float]]:
    """Per size band: schools with a p and the share of them with p < 0.05."""
    rates = frame.filter(pl.col(p).is_not_null()).group_by("band").agg(pl.len(), (pl.col(p) < 0.05).mean())
    return {b: (int(k), float(r)) for b, k, r in rates.iter_rows()}


# --- simulated oversight data --------------------------------------------------------------------


def random_observers(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """An observer in each class's sitting with chance ½, independently of everything else."""
    classes = rows.select("school_login", "class_letter").drop_nulls().unique().sort("school_login", "class_letter")
    return classes.with_columns(observed=pl.Series(rng.random(classes.height) < 0.5))


def lift_unobserved(rows: pl.DataFrame, seen: pl.DataFrame, rng: np.random.Generator, top: int) -> pl.DataFrame:
    """+2 points for half of the pupils of classes without an observer (at most the maximum)."""
    status = rows.join(seen, on=["school_login", "class_letter"], how="left")["observed"]
    lifted = (status == False).fill_null(False).to_numpy() & (rng.random(rows.height) < 0.5)  # noqa: E712
    return rows.with_columns(total=pl.Series(np.minimum(rows["total"].to_numpy() + 2 * lifted, top), dtype=pl.Int16))


def class_effects(rows: pl.DataFrame, rng: np.random.Generator, sd: float) -> pl.DataFrame:
    """Rows whose classes differ far more than the generator's: a class effect N(0, sd²) in points."""
    classes = rows.select("school_login", "class_letter").unique().sort("school_login", "class_letter", nulls_last=True)
    classes = classes.with_columns(effect=pl.Series(rng.normal(0, sd, classes.height)).round())
    joined = rows.join(classes, on=["school_login", "class_letter"], how="left", nulls_equal=True)
    return joined.with_columns((pl.col("total") + pl.col("effect")).cast(pl.Int16)).drop("effect")


def observer_region(seed: int, *, lift: bool = False, class_sd: float = 0.0, n_schools: int = 600) -> pl.DataFrame:
    rng = np.random.default_rng(1000 + seed)
    region = generate_region(seed=seed, years=[2024], n_schools=n_schools, tests=TESTS)
    frames = []
    for spec, frame in region.results.items():
        rows = class_effects(counted(frame), rng, class_sd) if class_sd else counted(frame)
        seen = random_observers(rows, rng)
        rows = lift_unobserved(rows, seen, rng, spec.max_total) if lift else rows
        frames.append(in_words(observers(rows, info_from_spec(spec), observed=seen)))
    return with_band(pl.concat(frames))


def graded(scores: np.ndarray, info: TestInfo, rng: np.random.Generator) -> np.ndarray:
    """One grader's scores: ±1 on a criterion column with chance NOISE, kept within 0..max."""
    step = rng.choice([-1, 1], size=scores.shape) * (rng.random(scores.shape) < NOISE) * np.array(info.criterion)
    return np.clip(scores + step, 0, np.array(info.column_max))


def generous(scores: np.ndarray, info: TestInfo, rng: np.random.Generator) -> np.ndarray:
    """A school that credits more: half of its pupils get +1 on two random criterion columns below the max."""
    out = scores.copy()
    criterion = np.flatnonzero(info.criterion)
    for pupil in np.flatnonzero(rng.random(len(out)) < 0.5):
        room = [j for j in criterion if out[pupil, j] < info.column_max[j]]
        for j in rng.permutation(room)[:2]:
            out[pupil, j] += 1
    return out


def recheck_region(seed: int, *, kind: str | None = None, sample: int = SAMPLE) -> pl.DataFrame:
    """rechecks on every test: the school's scores and the expert's are two graders' scores of the same works.

    Clean (kind None): both are exchangeable, so their differences are symmetric. kind "inflate": the
    school's scores are the generator's injected ones (synth_inject, +1 for 40% of pupils, criterion columns
    first), the expert's the clean ones. kind "generous": 10% of schools given `generous` scores.
    """
    rng = np.random.default_rng(2000 + seed)
    clean = generate_region(seed=seed, years=[2024], n_schools=600, tests=TESTS)
    school_view = generate_region(seed=seed, years=[2024], n_schools=600, tests=TESTS, inject={"inflate": 0.08})
    frames = []
    for spec, frame in clean.results.items():
        info, names = info_from_spec(spec), tasks(info_from_spec(spec))
        present = frame["valid"] & ~frame["absent"] & frame["total"].is_not_null()
        true = frame.filter(present)
        own = (school_view.results[spec] if kind == "inflate" else frame).filter(present)
        mine = own.select(names).to_numpy()
        logins = true["school_login"].unique().sort()
        chosen = logins.filter(pl.Series(rng.random(len(logins)) < 0.1)) if kind == "generous" else logins.clear()
        target = true["school_login"].is_in(chosen.implode()).to_numpy()
        mine[target] = generous(mine[target], info, rng)
        marked = graded(mine, info, rng)
        school = own.with_columns(pl.Series(c, marked[:, j], pl.Int8) for j, c in enumerate(names))
        expert = true.select("school_login", "participant_code").with_columns(
            pl.Series(c, v) for c, v in zip(names, graded(true.select(names).to_numpy(), info, rng).T, strict=True)
        )
        pick = pl.int_range(pl.len()).shuffle(seed=int(rng.integers(1 << 30))).over("school_login") < sample
        out = in_words(rechecks(school, info, rechecked=expert.filter(pick), seed=seed))
        truth = school_view.truth.filter((pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject))
        bad = chosen if kind == "generous" else truth["school_login"] if kind == "inflate" else logins.clear()
        frames.append(out.with_columns(target=pl.col("school_login").is_in(bad.implode())))
    return with_band(pl.concat(frames))


@pytest.fixture(scope="module")
def clean_observers() -> pl.DataFrame:
    return pl.concat([observer_region(seed) for seed in range(1, 11)])


@pytest.fixture(scope="module")
def clean_rechecks() -> pl.DataFrame:
    return pl.concat([recheck_region(seed) for seed in range(1, 11)])


# --- 1. no oversight data ------------------------------------------------------------------------


def test_without_oversight_data_nothing_is_said():
    region = generate_region(seed=4, years=[2024], n_schools=60, tests=TESTS[:1])
    spec, frame = next(iter(region.results.items()))
    rows, info = counted(frame), info_from_spec(spec)
    empty_seen = pl.DataFrame(schema={"school_login": pl.String, "class_letter": pl.String, "observed": pl.Boolean})
    empty_works = pl.DataFrame(schema={"school_login": pl.String, "participant_code": pl.String})
    counts = rows.group_by("school_login").len().sort("school_login")
    outs = {
        "observers": [observers(rows, info), observers(rows, info, observed=empty_seen)],
        "recheck": [rechecks(rows, info), rechecks(rows, info, rechecked=empty_works)],
    }
    for name, frames in outs.items():
        for out in frames:
            assert out.schema == pl.Schema(
                dict(zip(columns(name), [pl.String, pl.Int64, pl.Float64, pl.Float64, pl.String], strict=True))
            )
            assert out["school_login"].to_list() == counts["school_login"].to_list()
            assert out["n"].to_list() == counts["len"].to_list()
            assert out[f"p_{name}"].null_count() == out.height == out[f"stat_{name}"].null_count()
            assert (out[f"explain_{name}"] == "").all()


def test_whole_school_observed_or_not_gets_no_p(monkeypatch):
    monkeypatch.setattr(oversight, "class_spread", lambda *_: ClassSpread(1.0, 0.01, 50))
    rows = pl.DataFrame(
        {
            "school_login": ["a"] * 6 + ["b"] * 6,
            "class_letter": ["А", "А", "А", "Б", "Б", "Б"] * 2,
            "total": [5, 6, 7, 8, 9, 10] * 2,
            "journal_mark": [3] * 12,
        }
    )
    seen = pl.DataFrame({"school_login": ["a", "a", "b"], "class_letter": ["А", "Б", "А"], "observed": [True] * 3})
    out = observers(rows, TestInfo(max_total=10, cuts=None, column_max=(10,)), observed=seen)
    assert out["p_observers"].to_list() == [None, None]  # «a» entirely observed; «b» has an unlisted class


# --- 2. observers --------------------------------------------------------------------------------


def test_observer_null_holds_in_every_band(clean_observers):
    """10 seeds × 600 schools × 4 tests, observers at random (½ per class). Only schools with classes of
    both kinds get a p: in generated regions those have ≥ 20 pupils. Measured (seeds 1-10): 20-49
    0.048 of 1226 schools, 50+ 0.045 of 3593, at 0.01: 0.011; seeds 1-20: 0.053 of 2566, 0.048 of 6998."""
    rates = flagged_share(clean_observers, "p_observers")
    assert set(rates) == {"20-49", "50+"}
    for band, (schools, rate) in rates.items():
        assert schools >= 1000 and 0.03 <= rate <= 0.07, (band, schools, rate)
    assert clean_observers["p_observers"].is_not_null().sum() >= 4000
    has_p = clean_observers["p_observers"].is_not_null()
    assert ((clean_observers["explain_observers"].str.len_chars() > 0) == has_p).all()


def test_observer_null_holds_when_classes_differ_a_lot(monkeypatch):
    """A class effect N(0, 3²) points added to the totals (classes of one school far apart). The region's
    class spread keeps the size: measured 0.044 (20-49, 519 schools) and 0.044 (50+, 1376), seeds 1-4
    (seeds 1-10: 0.050 and 0.049). Without it (σ²_c forced to 0, a pupil-level t test) the same schools are flagged
    at 0.33 (20-49) and 0.37 (50+), so the adjustment is what holds the null."""
    adjusted = pl.concat([observer_region(seed, class_sd=3.0) for seed in range(1, 5)])
    rate = float((adjusted["p_observers"].drop_nulls() < 0.05).mean())
    assert 0.03 <= rate <= 0.07, rate
    monkeypatch.setattr(oversight, "class_spread", lambda *_: ClassSpread(0.0, 0.0, 99))
    naive = pl.concat([observer_region(seed, class_sd=3.0) for seed in range(1, 5)])
    assert float((naive["p_observers"].drop_nulls() < 0.05).mean()) > 0.2


def test_unobserved_classes_lifted_are_found():
    """+2 points for half of the pupils of unobserved classes (a mean lift of 1 point). Measured TPR at
    α = 0.05, seeds 1-4 (546 / 1388 schools): 20-49 0.24, 50+ 0.39 (seeds 1-10: 0.25 and 0.39; at 0.01:
    0.10 and 0.18). Totals are compared net of the region's mean by journal mark, which halves the
    within-class variance (without it: 0.15 and 0.23)."""
    lifted = pl.concat([observer_region(seed, lift=True) for seed in range(1, 5)])
    rates = flagged_share(lifted, "p_observers")
    assert 0.17 <= rates["20-49"][1] <= 0.35, rates
    assert 0.30 <= rates["50+"][1] <= 0.48, rates
    text = lifted.sort("p_observers", nulls_last=True)["explain_observers"][0]
    assert text.startswith("без наблюдателя (класс") and "с наблюдателем (класс" in text and "балла" in text


def test_observer_explanation_reads_like_the_example(monkeypatch):
    monkeypatch.setattr(oversight, "class_spread", lambda *_: ClassSpread(1.0, 0.01, 50))
    rows = pl.DataFrame(
        {
            "school_login": ["s"] * 12,
            "class_letter": ["А"] * 4 + ["Б"] * 4 + ["В"] * 4,
            "total": [20, 22, 21, 23, 21, 22, 20, 21, 15, 16, 17, 15],
            "journal_mark": [None] * 12,
        },
        schema_overrides={"journal_mark": pl.Int8},
    )
    seen = pl.DataFrame({"school_login": ["s"] * 3, "class_letter": ["А", "Б", "В"], "observed": [False, False, True]})
    out = in_words(observers(rows, TestInfo(max_total=30, cuts=None, column_max=(30,)), observed=seen))
    assert out["explain_observers"][0] == (
        "без наблюдателя (классы „А“ и „Б“, 8 учеников): в среднем 21,3 балла; "
        "с наблюдателем (класс „В“, 4 ученика): 15,8 балла; с учётом отметок по журналу разница +5,5 балла "
        "при обычном разбросе средних между классами одной школы в регионе около 1,0 балла"
    )
    assert out["stat_observers"][0] == pytest.approx(21.25 - 15.75)
    assert out["p_observers"][0] < 0.01


# --- 3. rechecks ---------------------------------------------------------------------------------


def test_recheck_null_holds_in_every_band(clean_rechecks):
    """10 seeds × 600 schools × 4 tests, up to 12 works rechecked per school, each of the two graders ±1 on a
    criterion column with chance 0.15. Measured (seeds 1-10): 1-9 0.048 (9025 schools), 10-19 0.054
    (4851), 20-49 0.051 (3656), 50+ 0.049 (4713); at 0.01: 0.010. (Seeds 1-3 alone: 10-19 at 0.069 of
    1407, a 3-SE draw, hence 10 seeds.) p = 1 (the expert agreed on every work): 4.5% of schools of 1-9."""
    rates = flagged_share(clean_rechecks, "p_recheck")
    assert set(rates) == {"1-9", "10-19", "20-49", "50+"}
    for band, (schools, rate) in rates.items():
        assert schools >= 3000 and 0.03 <= rate <= 0.07, (band, schools, rate)
    p = clean_rechecks["p_recheck"].drop_nulls().to_numpy()
    # given any disagreement the randomised p is exactly uniform
    assert stats.kstest(p[p < 1], "uniform").pvalue > 0.001
    has_p = clean_rechecks["p_recheck"].is_not_null()
    assert has_p.all() and (clean_rechecks["explain_recheck"].str.len_chars() > 0).all()


def recheck_rates(frame: pl.DataFrame) -> dict[tuple[str, bool], float]:
    rates = frame.group_by("band", "target").agg((pl.col("p_recheck") < 0.05).mean())
    return {(b, t): float(r) for b, t, r in rates.iter_rows()}


def test_generous_marking_is_found_on_twelve_works():
    """10% of schools credit +1 on two criterion columns for half of their pupils (≈ +1 point per work);
    12 works rechecked. Measured TPR at α = 0.05 (seeds 1-3; 263 / 137 / 94 / 150 schools): 1-9 0.27,
    10-19 0.55, 20-49 0.62, 50+ 0.54; other schools 0.046-0.054. Twelve works against grader noise
    (sd of d ≈ 1.9 points) limit it: the same schools with every work rechecked, next test."""
    rates = recheck_rates(pl.concat([recheck_region(seed, kind="generous") for seed in (1, 2, 3)]))
    for band, low in (("1-9", 0.18), ("10-19", 0.42), ("20-49", 0.48), ("50+", 0.42)):
        assert rates[band, True] >= low, (band, rates)
        assert 0.03 <= rates[band, False] <= 0.07, (band, rates)


def test_every_work_rechecked_finds_inflation():
    """Every present pupil's work rechecked. Generous schools (seeds 1-3): 1-9 0.27, 10-19 0.61, 20-49 0.94,
    50+ 0.99. The generator's own «inflate» (synth_inject: +1 for 40% of pupils, criterion columns first;
    63 / 25 / 25 / 31 schools): 1-9 0.14, 10-19 0.36, 20-49 0.60, 50+ 0.81."""
    generous = recheck_rates(pl.concat([recheck_region(seed, kind="generous", sample=1000) for seed in (1, 2, 3)]))
    assert generous["20-49", True] >= 0.85 and generous["50+", True] >= 0.95, generous
    inflated = pl.concat([recheck_region(seed, kind="inflate", sample=1000) for seed in (1, 2, 3)])
    big = inflated.filter(pl.col("target") & (pl.col("n") >= 20))
    assert big.height >= 40 and float((big["p_recheck"] < 0.05).mean()) >= 0.55
    text = big.sort("p_recheck", nulls_last=True)["explain_recheck"][0]
    assert text.startswith("перепроверен") and "баллы ОО выше" in text and "больше всего в столбц" in text


def test_recheck_explanation_and_unmatched_codes():
    info = TestInfo(max_total=6, cuts=None, column_max=(2, 2, 2), criterion=(True, True, True))
    rows = pl.DataFrame(
        {
            "school_login": ["s"] * 4,
            "participant_code": ["1", "2", "3", "4"],
            "task_1": [2, 2, 1, 0],
            "task_2": [1, 2, 2, 1],
            "task_3": [2, 0, 1, 1],
        }
    )
    expert = pl.DataFrame(
        {
            "school_login": ["S", "s", "s", "s", "s", "other"],
            "participant_code": ["1", "2", "3", "9", "8", "1"],
            "task_1": [1, 2, 0, 0, 0, 0],
            "task_2": [1, 1, 2, 0, 0, 0],
            "task_3": [2, None, 2, 0, 0, 0],  # task 3 of work 2 not rechecked: compared on tasks 1-2
        }
    )
    out = in_words(rechecks(rows, info, rechecked=expert))
    assert out["stat_recheck"][0] == pytest.approx((1 + 1 + 0) / 3)
    assert out["explain_recheck"][0] == (
        "перепроверены 3 работы: по 2 из них баллы ОО выше, по 0 — ниже; в среднем баллы ОО выше на 0,7 балла "
        "на работу; больше всего в столбцах 1 (+0,7) и 2 (+0,3); ещё 2 кода участников из перепроверки "
        "не найдено среди результатов ОО"
    )
    agreed = in_words(rechecks(rows, info, rechecked=rows.head(2)))
    assert agreed["p_recheck"][0] == 1.0
    assert agreed["explain_recheck"][0] == "перепроверены 2 работы: баллы ОО и эксперта совпали во всех"


def test_output_contract_and_texts(clean_observers, clean_rechecks):
    for out, name in ((clean_observers, "observers"), (clean_rechecks, "recheck")):
        p = out[f"p_{name}"].drop_nulls()
        assert ((p >= 0) & (p <= 1)).all()
        texts = " ".join(out[f"explain_{name}"].to_list()).lower()
        assert texts and not any(word in texts for word in FORBIDDEN)
        assert not any(ch.isdigit() and nxt == "." for ch, nxt in pairwise(texts))  # decimal comma


# --- 4. outside references -----------------------------------------------------------------------


def test_contrast_is_student_t_without_class_spread():
    """Reference: scipy.stats.ttest_ind(equal_var=True, alternative="greater"): one class per status and
    σ²_c = 0 make the layer's t the pooled two-sample t with n − 2 degrees of freedom."""
    rng = np.random.default_rng(3)
    for n_u, n_o in ((5, 7), (24, 26), (3, 2)):
        totals = rng.integers(0, 30, n_u + n_o).astype(float)
        klass = np.repeat([0, 1], [n_u, n_o]).astype(np.int64)
        contrast = observer_contrast(totals, klass, klass == 0, ClassSpread(0.0, 0.0, 50))
        reference = stats.ttest_ind(totals[:n_u], totals[n_u:], equal_var=True, alternative="greater")
        assert contrast is not None
        assert contrast.t == pytest.approx(reference.statistic)
        assert contrast.df == pytest.approx(n_u + n_o - 2)
        assert contrast.p == pytest.approx(reference.pvalue)


def test_class_spread_on_one_school_is_one_way_anova():
    """Reference: scipy.stats.f_oneway — with one group, MSB / MSW = 1 + n0·σ²_c / MSW (moments)."""
    rng = np.random.default_rng(8)
    sizes = np.array([12, 25, 20, 28])
    klass = np.repeat(np.arange(4), sizes)
    totals = rng.normal(20, 6, klass.size) + rng.normal(0, 3, 4)[klass]
    spread = class_spread(totals, np.zeros(klass.size, dtype=np.int64), klass)
    within = sum(((totals[klass == c] - totals[klass == c].mean()) ** 2).sum() for c in range(4)) / (klass.size - 4)
    n0 = (klass.size - (sizes**2).sum() / klass.size) / 3
    f = stats.f_oneway(*[totals[klass == c] for c in range(4)]).statistic
    assert spread.groups == 1 and 1 + n0 * spread.variance / within == pytest.approx(f)


def test_class_spread_is_unbiased_over_many_schools():
    """Moment estimators are unbiased: 300 schools of 1-4 classes with σ_c = 2, σ_w = 6 → σ̂²_c ≈ 4."""
    rng = np.random.default_rng(9)
    estimates = []
    for _ in range(20):
        classes = rng.integers(1, 5, 300)
        group = np.repeat(np.arange(300), classes)
        sizes = rng.integers(10, 29, group.size)
        klass = np.repeat(np.arange(group.size), sizes)
        totals = (
            rng.normal(0, 6, klass.size) + rng.normal(0, 2, group.size)[klass] + rng.normal(0, 4, 300)[group][klass]
        )
        estimates.append(class_spread(totals, group[klass], klass).variance)
    assert np.mean(estimates) == pytest.approx(4.0, abs=0.4)


def test_signed_rank_without_ties_is_scipy_wilcoxon_exact():
    """Reference: scipy.stats.wilcoxon(method="exact", alternative="greater") for distinct |d| ≠ 0;
    the layer's p with u = 1 is P(W⁺ ≥ w)."""
    rng = np.random.default_rng(11)
    for m in (3, 8, 15):
        d = rng.permutation(np.arange(1, m + 1)) * rng.choice([-1, 1], m) + 0.0
        reference = stats.wilcoxon(d, alternative="greater", method="exact")
        w2, _ = signed_rank_law(d)
        assert w2 / 2 == pytest.approx(reference.statistic)
        assert signed_rank_p(d, 1.0) == pytest.approx(reference.pvalue)


def test_signed_rank_with_ties_and_zeros_is_scipy_permutation_test():
    """Reference: scipy.stats.permutation_test(permutation_type="samples") on one sample flips signs
    exactly (all 2^m); the statistic W⁺ of midranks with zeros dropped, alternative "greater"."""
    d = np.array([2.0, 1.0, 1.0, 0.0, -1.0, 3.0, 1.0, 0.0, -2.0, 2.0, 1.0])

    def w_plus(x: np.ndarray, axis: int = -1) -> np.ndarray:
        ranks = stats.rankdata(np.where(x == 0, np.nan, np.abs(x)), axis=axis, nan_policy="omit")
        return np.nansum(np.where(x > 0, ranks, 0.0), axis=axis)

    reference = stats.permutation_test((d,), w_plus, permutation_type="samples", alternative="greater")
    assert signed_rank_p(d, 1.0) == pytest.approx(reference.pvalue)
    at, pmf = signed_rank_law(d)
    assert signed_rank_p(d, 0.0) == pytest.approx(reference.pvalue - pmf[at])


def test_equal_differences_give_the_sign_test():
    """Reference: scipy.stats.binomtest(k, m, ½, alternative="greater") — when every |d| is 1 all ranks
    tie and W⁺ is the count of positive d."""
    d = np.array([1.0] * 9 + [-1.0] * 3 + [0.0] * 2)
    assert signed_rank_p(d, 1.0) == pytest.approx(stats.binomtest(9, 12, 0.5, alternative="greater").pvalue)


def test_randomised_p_is_uniform_under_symmetry():
    """Exactness: with U ~ U(0, 1), p is uniform for symmetric d, even for 4 works (checked by KS)."""
    rng = np.random.default_rng(12)
    p = np.array([signed_rank_p(rng.integers(-2, 3, 4).astype(float), rng.uniform()) for _ in range(4000)])
    assert stats.kstest(p, "uniform").pvalue > 0.01
    assert 0.04 <= (p < 0.05).mean() <= 0.06
