"""L3 within-class similarity: output contract, the exact permutation null of a small region against
SciPy's hypergeometric distribution, the size of the test on clean generated regions, and its power
on injected copying (METHODS.md §2-3; Jacob & Levitt 2003)."""

import math
import re

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.markers import similarity as similarity_module
from objectivity.analysis.markers.base import SIZE_BANDS, TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.similarity import similarity
from objectivity.analysis.synth import default_tests, generate_region

INFO = TestInfo(max_total=3, cuts=(1, 2, 3), column_max=(1, 1, 1))
COLUMNS = ["school_login", "n", "stat_similarity", "p_similarity", "explain_similarity"]
FORBIDDEN = ("манипуляц", "фальсификац", "нарушител", "рейтинг", "вероятност")


def pupils(rows: list[tuple[str, str | None, tuple[int, ...]]]) -> pl.DataFrame:
    """A pupil frame from (school, class letter, score vector) triples."""
    width = len(rows[0][2])
    return pl.DataFrame(
        {
            "school_login": [school for school, _, _ in rows],
            "class_letter": [klass for _, klass, _ in rows],
            "total": [sum(vector) for _, _, vector in rows],
            **{f"task_{j + 1}": [vector[j] for _, _, vector in rows] for j in range(width)},
        },
        schema_overrides={f"task_{j + 1}": pl.Int8 for j in range(width)} | {"total": pl.Int16},
    )


def small_region(pair: tuple[int, ...], klass: tuple[str | None, str | None] = ("А", "А")) -> pl.DataFrame:
    """School «a» has two pupils with `pair`; 20 pupils with total 1 elsewhere, one per school:
    4 × (1,0,0), 6 × (0,1,0), 10 × (0,0,1) counting school «a»'s two (so 18 elsewhere when both are total 1)."""
    counts = {(1, 0, 0): 4, (0, 1, 0): 6, (0, 0, 1): 10}
    counts[pair] -= 2
    others = [v for v, c in counts.items() for _ in range(c)]
    rows = [("a", klass[0], pair), ("a", klass[1], pair)]
    rows += [(f"s{i:02d}", "А", v) for i, v in enumerate(others)]
    return pupils(rows)


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def region_results(seed: int, n_schools: int, inject: dict[str, float] | None) -> pl.DataFrame:
    """One row per school × test of a generated region (grades 4-5, ru + ma): p, band, injected kind."""
    tests = default_tests([2024], grades=(4, 5), subjects=("ru", "ma"))
    region = generate_region(seed=seed, years=[2024], n_schools=n_schools, tests=tests, inject=inject)
    parts = []
    for spec, frame in region.results.items():
        out = similarity(counted(frame), info_from_spec(spec), seed=seed)
        truth = region.truth.filter((pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject))
        parts.append(out.join(truth.select("school_login", "kind"), on="school_login", how="left"))
    return pl.concat(parts).with_columns(pl.col("n").map_elements(size_band, return_dtype=pl.String).alias("band"))


def rates_by_band(results: pl.DataFrame) -> dict[str, tuple[int, float]]:
    with_p = results.filter(pl.col("p_similarity").is_not_null())
    table = with_p.group_by("band").agg(pl.len().alias("count"), (pl.col("p_similarity") < 0.05).mean().alias("rate"))
    return {row["band"]: (row["count"], row["rate"]) for row in table.iter_rows(named=True)}


# --- reference values --------------------------------------------------------------------------------


def test_statistic_is_the_log_rarity_of_the_shared_vector():
    out = similarity(small_region((0, 0, 1)), INFO, seed=1).filter(pl.col("school_login") == "a")
    # 20 pupils of the region have total 1, 10 of them the vector (0,0,1): w = ln(20/10)
    assert out["stat_similarity"][0] == pytest.approx(math.log(2))
    assert out["n"][0] == 2


@pytest.mark.parametrize("pair", [(0, 0, 1), (0, 1, 0), (1, 0, 0)])
def test_permutation_null_of_one_pair_matches_the_hypergeometric_distribution(pair):
    # Reference: scipy.stats.hypergeom. Shuffling the 20 vectors with total 1 among their 20 pupils gives
    # school «a»'s two pupils a draw of 2 without replacement from an urn of 20 holding N_v of vector v:
    # P(both get v) = hypergeom(M=20, n=N_v, N=2).pmf(2). The statistic exceeds the observed one exactly
    # when they coincide on a rarer vector. E[randomised p] = (E[G] + (E[E] + 1)/2) / (B + 1).
    counts = {(1, 0, 0): 4, (0, 1, 0): 6, (0, 0, 1): 10}
    both = {v: stats.hypergeom(20, c, 2).pmf(2) for v, c in counts.items()}
    above = sum(p for v, p in both.items() if counts[v] < counts[pair])
    permutations = 200
    expected = (permutations * above + (permutations * both[pair] + 1) / 2) / (permutations + 1)
    frame = small_region(pair)
    p = [
        similarity(frame, INFO, seed=s, permutations=permutations).filter(pl.col("school_login") == "a")[
            "p_similarity"
        ][0]
        for s in range(300)
    ]
    # SD of one p ≤ 0.1 here, so the mean of 300 is within ±0.018 at 3 SE
    assert np.mean(p) == pytest.approx(expected, abs=0.018)


def test_expected_pairs_in_the_explanation_match_the_hypergeometric_mean():
    # Reference: scipy.stats.hypergeom, as above: E[identical pairs] = Σ_v P(both get v) = 66/190.
    mean = sum(stats.hypergeom(20, c, 2).pmf(2) for c in (4, 6, 10))
    out = similarity(small_region((0, 0, 1)), INFO, seed=3, permutations=4000)
    text = out.filter(pl.col("school_login") == "a")["explain_similarity"][0]
    shown = re.search(r"ожидалось в среднем (\d+,\d+)", text)
    assert shown is not None
    assert float(shown.group(1).replace(",", ".")) == pytest.approx(mean, abs=0.03)  # 4 SE of 4000 draws
    assert "у 2 учеников одинаковые баллы" in text and "такой набор у 10 из 20 учеников с 1 баллом" in text


def rare_pair_region() -> pl.DataFrame:
    """School «a»: two pupils of one class share (1,0,0), which 10 of the region's 10,000 pupils with total 1
    have; everyone else sits alone in his school."""
    others = [(1, 0, 0)] * 8 + [(0, 1, 0)] * 4990 + [(0, 0, 1)] * 5000
    rows = [("a", "А", (1, 0, 0)), ("a", "А", (1, 0, 0))]
    return pupils(rows + [(f"s{i:05d}", "А", v) for i, v in enumerate(others)])


def test_a_pair_beyond_every_permutation_gets_its_tail_p_from_more_draws():
    # Reference: scipy.stats.binom. Only both pupils drawing (1,0,0) reaches the observed statistic: with
    # replacement q = (10/10,000)² = 1e-6 per draw, so over the last stage's D = 1,000,000 draws the count E is
    # Binomial(D, q) and the randomised p = U·(E + 1)/(D + 1) has mean (D·q + 1)/2/(D + 1) ≈ 1e-6. Without the
    # tail draws p could not fall below 1/(permutations + 1).
    frame = rare_pair_region()
    draws = similarity_module.TAIL_STAGES[-1]
    expected = (stats.binom(draws, 1e-6).mean() + 1) / 2 / (draws + 1)
    p = [
        similarity(frame, INFO, seed=s, permutations=50).filter(pl.col("school_login") == "a")["p_similarity"][0]
        for s in range(20)
    ]
    assert max(p) < (stats.binom(draws, 1e-6).isf(1e-9) + 1) / (draws + 1)
    assert min(p) > 0
    assert np.mean(p) == pytest.approx(expected, abs=0.6e-6)  # SD of one p ≈ 0.82e-6: 3.3 SE of 20


# --- rules of the null -------------------------------------------------------------------------------


def test_vectors_every_pupil_with_that_total_has_give_no_information():
    frame = pupils([("a", "А", (0, 0, 0)), ("a", "А", (0, 0, 0)), ("b", "А", (1, 1, 1)), ("b", "А", (1, 1, 1))])
    out = similarity(frame, INFO)
    assert out["p_similarity"].is_null().all()
    assert out["stat_similarity"].to_list() == [0.0, 0.0]
    assert (out["explain_similarity"] == "").all()


def test_pupils_of_different_classes_never_coincide_and_unknown_class_means_one_class():
    apart = similarity(small_region((1, 0, 0), ("А", "Б")), INFO).filter(pl.col("school_login") == "a")
    assert apart["p_similarity"][0] is None  # no two pupils of one class share a total
    mixed = similarity(small_region((1, 0, 0), ("А", None)), INFO).filter(pl.col("school_login") == "a")
    assert mixed["stat_similarity"][0] == pytest.approx(math.log(20 / 4))
    assert "класс указан не у всех" in mixed["explain_similarity"][0]


def test_same_seed_same_output_and_empty_input():
    frame = small_region((0, 1, 0))
    assert similarity(frame, INFO, seed=5).equals(similarity(frame, INFO, seed=5))
    empty = similarity(frame.clear(), INFO)
    assert empty.columns == COLUMNS and empty.is_empty()


# --- generated regions ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean() -> pl.DataFrame:
    return pl.concat([region_results(seed, 600, None) for seed in (11, 12, 13)])


@pytest.fixture(scope="module")
def copied() -> pl.DataFrame:
    return pl.concat([region_results(seed, 600, {"copy": 0.08}) for seed in (21, 22, 23)])


def test_output_contract(clean):
    assert clean.columns[:5] == COLUMNS
    first = clean.select(COLUMNS)
    assert dict(first.schema) == {
        "school_login": pl.String,
        "n": pl.Int64,
        "stat_similarity": pl.Float64,
        "p_similarity": pl.Float64,
        "explain_similarity": pl.String,
    }
    p = first["p_similarity"].drop_nulls()
    assert ((p >= 0) & (p <= 1)).all()
    assert (first["p_similarity"].is_not_null() == (first["explain_similarity"] != "")).all()
    assert (first["stat_similarity"] >= 0).all()
    texts = " ".join(first["explain_similarity"].to_list()).lower()
    assert not any(word in texts for word in FORBIDDEN)


def test_one_row_per_school_present():
    tests = default_tests([2024], grades=(4,), subjects=("ma",))
    region = generate_region(seed=4, years=[2024], n_schools=80, tests=tests)
    ((spec, frame),) = region.results.items()
    rows = counted(frame)
    out = similarity(rows, info_from_spec(spec))
    sizes = rows.group_by("school_login").len().sort("school_login")
    assert out["school_login"].to_list() == sizes["school_login"].to_list()
    assert out["n"].to_list() == sizes["len"].to_list()


def test_size_on_clean_regions_in_every_band(clean):
    rates = rates_by_band(clean)
    assert set(rates) == {size_band(low) for low, _ in SIZE_BANDS}
    for band, (count, rate) in rates.items():
        assert count >= 400, band
        assert 0.03 <= rate <= 0.07, (band, count, rate)


def test_power_on_copied_blocks(copied):
    # Measured with these seeds (TPR at α = 0.05, copied schools): ≥ 0.9 in every band; clean schools ≈ 0.05.
    injected = copied.filter(pl.col("kind") == "copy")
    large = rates_by_band(injected.filter(pl.col("n") >= 20))
    for band, (count, rate) in large.items():
        assert count >= 10, band
        assert rate >= 0.8, (band, count, rate)
    others = rates_by_band(copied.filter(pl.col("kind").is_null() & (pl.col("n") >= 20)))
    assert all(rate <= 0.07 for _, rate in others.values())


def test_national_scale_draws_keep_the_size_and_the_power(monkeypatch):
    """Above EXACT_SHUFFLE_UP_TO pupils vectors are drawn with replacement within totals; forced here on
    a region of 2,500 schools, the size stays in [0.03, 0.07] per band and copied blocks are still found.
    (Drawing with replacement is slightly conservative when a total has only hundreds of pupils: a rare vector
    can be drawn twice. Nationally a total has tens of thousands.)"""
    monkeypatch.setattr(similarity_module, "EXACT_SHUFFLE_UP_TO", 0)
    clean = region_results(14, 2500, None)
    for band, (count, rate) in rates_by_band(clean).items():
        assert 0.03 <= rate <= 0.07, (band, count, rate)
    copied = region_results(21, 600, {"copy": 0.08}).filter((pl.col("kind") == "copy") & (pl.col("n") >= 20))
    assert (copied["p_similarity"] < 0.05).mean() >= 0.8


def test_vector_ids_through_one_number_equal_the_row_comparison():
    """The mixed-radix numbering gives the same ids, totals and counts as numpy's row-wise unique."""
    rng = np.random.default_rng(4)
    scores = rng.integers(0, [2, 3, 1, 4, 2, 2], size=(5000, 6)).astype(np.int16)
    vector, totals, counts = similarity_module._vectors(scores)
    unique, inverse, per_vector = np.unique(scores, axis=0, return_inverse=True, return_counts=True)
    assert vector.tolist() == inverse.reshape(-1).tolist()
    assert totals.tolist() == unique.sum(axis=1).tolist() and counts.tolist() == per_vector.tolist()
