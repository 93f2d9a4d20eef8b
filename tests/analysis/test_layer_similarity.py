"""L3 within-class similarity: output contract, the class-margin null of small classes against its exact
distribution by enumeration, the size of the test on clean generated regions, and its power on injected
copying (METHODS.md §2-3; Jacob & Levitt 2003). The sampler itself, Rasch-generated classes and the real
exports: test_similarity_null.py."""

import itertools
import math
import re

import numpy as np
import polars as pl
import pytest

from objectivity.analysis.markers import similarity as similarity_module
from objectivity.analysis.markers.base import SIZE_BANDS, TestInfo, info_from_spec, size_band
from objectivity.analysis.markers.similarity import similarity
from objectivity.analysis.synth import default_tests, generate_region
from tests.analysis.words import in_words

INFO = TestInfo(max_total=3, cuts=None, column_max=(1, 1, 1))  # every total of 0-3 would sit at a cut
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
        out = in_words(similarity(counted(frame), info_from_spec(spec), seed=seed))
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


def fiber(totals: list[int], column_sums: list[int]) -> list[tuple[tuple[int, ...], ...]]:
    """Every 0/1 matrix (rows = pupils) with these row totals and column sums: the class-margin null's support."""
    columns = len(column_sums)
    rows = [[v for v in itertools.product((0, 1), repeat=columns) if sum(v) == t] for t in totals]
    return [m for m in itertools.product(*rows) if [sum(c) for c in zip(*m, strict=True)] == column_sums]


def cell_region(matrix: tuple[tuple[int, ...], ...]) -> pl.DataFrame:
    """School «a» is one class of these pupils; the region around it: every vector of 4 binary columns with
    totals 1-3, twice, one pupil per school."""
    others = [v for v in itertools.product((0, 1), repeat=4) if 1 <= sum(v) <= 3] * 2
    rows = [("a", "А", v) for v in matrix] + [(f"s{i:03d}", "А", v) for i, v in enumerate(others)]
    return pupils(rows)


CELL_TOTALS, CELL_SUMS = [1, 1, 2, 2, 2], [2, 3, 2, 1]  # a class of five pupils, four binary tasks
INFO4 = TestInfo(max_total=4, cuts=None, column_max=(1, 1, 1, 1))


def identical_pairs(matrix: tuple[tuple[int, ...], ...]) -> int:
    return sum(a == b for a, b in itertools.combinations(matrix, 2))


def test_expected_pairs_in_the_explanation_match_the_exact_mean_under_the_null():
    # Reference: the mean number of identical pairs over the enumerated fiber (every matrix equally likely).
    support = fiber(CELL_TOTALS, CELL_SUMS)
    mean = np.mean([identical_pairs(m) for m in support])
    observed = next(m for m in support if identical_pairs(m) == 2)
    out = in_words(similarity(cell_region(observed), INFO4, seed=3, permutations=3999))
    text = out.filter(pl.col("school_login") == "a")["explain_similarity"][0]
    shown = re.search(r"ожидалось в среднем (\d+,\d+)", text)
    assert shown is not None
    assert float(shown.group(1).replace(",", ".")) == pytest.approx(mean, abs=0.06)  # 4000 draws of a few sweeps
    assert "в школе 2 одинаковые пары, при тех же результатах класса по заданиям и тех же первичных баллах" in text


def test_a_copied_block_gets_its_p_from_the_later_stages():
    # Nine pupils of one class share one vector of total 6 beside eleven pupils drawn from a Rasch model: under the
    # class-margin null such a block is rarer than 1 in 1000, so the school runs through the later stages. With
    # the first stage's 99 draws alone p = U·(E + 1)/100 would have a median of at least 0.005.
    rng = np.random.default_rng(2)
    theta = rng.normal(0, 1, 11)
    difficulty = np.linspace(-1.5, 1.5, 12)
    scores = (rng.random((11, 12)) < 1 / (1 + np.exp(difficulty - theta[:, None]))).astype(int)
    block = tuple(int(x) for x in (difficulty < 0).astype(int))  # the six easiest tasks
    rows = [("a", "А", tuple(int(x) for x in v)) for v in scores] + [("a", "А", block)] * 9
    region = rows + [(f"s{i:03d}", "А", tuple(int(x) for x in v)) for i, v in enumerate(rng.integers(0, 2, (400, 12)))]
    info = TestInfo(max_total=12, cuts=None, column_max=(1,) * 12)
    outs = [
        in_words(similarity(pupils(region), info, seed=seed, permutations=99)).filter(pl.col("school_login") == "a")
        for seed in range(5)
    ]
    p = [out["p_similarity"][0] for out in outs]
    assert all(0 < x < 0.01 for x in p)
    assert np.median(p) < 0.002
    assert (
        "у 9 учеников одинаковые баллы по всем заданиям (столбцов: 12), у каждого 6 баллов"
        in outs[0]["explain_similarity"][0]
    )


def test_pairs_at_a_mark_cut_are_reported_apart_and_not_counted_by_default():
    # Two pupils share (1,0,0) at total 1 = the «3» cut: by default (CUT_WEIGHT = 0) the pair weighs nothing, so
    # the school has nothing else to say; with cut_weight=1 it counts as any other pair and the text names the cut.
    info = TestInfo(max_total=3, cuts=(1, 2, 3), column_max=(1, 1, 1))
    frame = small_region((1, 0, 0))
    default = similarity(frame, info, seed=1).filter(pl.col("school_login") == "a")
    assert default["stat_similarity"][0] == 0 and default["p_similarity"][0] is None
    counted_in = in_words(similarity(frame, info, seed=1, cut_weight=1.0)).filter(pl.col("school_login") == "a")
    assert counted_in["stat_similarity"][0] == pytest.approx(math.log(20 / 4))
    assert "из них у порогов отметок 1 у «3» (1–2 балла)" in counted_in["explain_similarity"][0]
    assert similarity_module.cut_marks((6, 10, 14)) == {6: 3, 7: 3, 10: 4, 11: 4, 14: 5, 15: 5}


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
    mixed = in_words(similarity(small_region((1, 0, 0), ("А", None)), INFO)).filter(pl.col("school_login") == "a")
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
    # Measured with these seeds (TPR at α = 0.05, copied schools with ≥ 20 pupils): 0.48 (20-49) and 0.63 (50+);
    # clean schools ≈ 0.05. The generator copies the block's best pupil, often at or near a cut score: the
    # class-margin null finds near-ceiling vectors likely, and pairs at a cut do not count by default
    # (with cut_weight=1 and many sweeps: 0.78 and 0.81). The region-wide shuffle found ≥ 0.9 here, but it
    # flagged a fifth of real schools.
    injected = copied.filter(pl.col("kind") == "copy")
    large = rates_by_band(injected.filter(pl.col("n") >= 20))
    for band, (count, rate) in large.items():
        assert count >= 10, band
        assert rate >= 0.35, (band, count, rate)
    others = rates_by_band(copied.filter(pl.col("kind").is_null() & (pl.col("n") >= 20)))
    assert all(rate <= 0.07 for _, rate in others.values())


def test_sampling_in_small_chunks_keeps_the_size_and_the_power(monkeypatch):
    """Nationally a test's pupils × draws do not fit in memory at once: schools are sampled in chunks of at most
    CHUNK_CELLS pupils × draws × tasks (a school alone, its draws in parts). Forced tiny here, the size stays in
    [0.03, 0.07] per band and copied blocks are still found."""
    monkeypatch.setattr(similarity_module, "CHUNK_CELLS", 100_000)  # a few schools of 99 draws at once
    chunks = []
    chunk = similarity_module._Sampler._chunk
    monkeypatch.setattr(similarity_module._Sampler, "_chunk", lambda self, *a: chunks.append(1) or chunk(self, *a))
    clean = pl.concat([region_results(seed, 600, None) for seed in (14, 15, 16)])
    assert len(chunks) > 1000
    for band, (count, rate) in rates_by_band(clean).items():
        assert 0.03 <= rate <= 0.07, (band, count, rate)
    copied = region_results(21, 600, {"copy": 0.08}).filter((pl.col("kind") == "copy") & (pl.col("n") >= 20))
    assert (copied["p_similarity"] < 0.05).mean() >= 0.35  # as test_power_on_copied_blocks


def test_vector_ids_through_one_number_equal_the_row_comparison():
    """The mixed-radix numbering gives the same ids, totals and counts as numpy's row-wise unique."""
    rng = np.random.default_rng(4)
    scores = rng.integers(0, [2, 3, 1, 4, 2, 2], size=(5000, 6)).astype(np.int16)
    vector, totals, counts = similarity_module._vectors(scores)
    unique, inverse, per_vector = np.unique(scores, axis=0, return_inverse=True, return_counts=True)
    assert vector.tolist() == inverse.reshape(-1).tolist()
    assert totals.tolist() == unique.sum(axis=1).tolist() and counts.tolist() == per_vector.tolist()
