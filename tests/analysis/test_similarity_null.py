"""L3's class-margin null (markers/similarity_null.py): the swap sampler keeps what the null holds fixed, its
Besag-Clifford p-values are exact against an enumerated null, classes generated from a Rasch model with
class-level task effects get uniform p-values, copies are found, and on the region's real exports the layer
stays within the calibration bar of issue 10 (skipped when ../shared/real is absent)."""

import dataclasses
import itertools
from unittest import mock

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.markers import similarity_null as null
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.markers.similarity import similarity
from tests.real import DESCRIPTIONS, RESULTS, needs_real

# --- the sampler -------------------------------------------------------------------------------------


def test_sampler_keeps_every_total_and_every_cells_pattern_multisets():
    rng = np.random.default_rng(1)
    pupils, columns = 300, 9
    maxima = np.array([1, 1, 2, 1, 3, 1, 1, 2, 1])
    scores = (rng.random((pupils, columns)) * (maxima + 1)).astype(np.int16)
    scores[:, 3] = np.minimum(scores[:, 2], 1)  # 2 and 3 move together as one testlet
    groups = [[0], [1], [2, 3], [4], [5, 6], [7], [8]]
    items = null.super_items(scores, groups)
    cell = np.sort(rng.integers(0, 25, pupils))
    plan = null.schedule(cell, 40, rng)
    start = null.hidden_state(items.codes, plan, items, rng)
    draws = null.forward(start, plan, items, 7, rng)  # super-items × pupils × draws

    def score_of(codes: np.ndarray) -> np.ndarray:
        return np.stack([items.score[items.offset[k] + codes[k].astype(np.int64)] for k in range(len(groups))])

    totals = scores.sum(axis=1)
    for state in [start[:, :, None], draws]:
        assert (score_of(state).sum(axis=0) == totals[:, None]).all()
        for c in np.unique(cell):
            mine = cell == c
            observed = np.sort(items.codes[:, mine], axis=1)
            assert (np.sort(state[:, mine], axis=1) == observed[:, :, None]).all()
    moved = (draws != items.codes[:, :, None]).any(axis=0).mean()
    assert moved > 0.3  # the chains do move
    assert not (draws[:, :, 0] == draws[:, :, 1]).all()  # and the draws differ from each other


def test_testlets_are_the_columns_dependent_given_the_total():
    # Columns 3 and 4 are two halves of one task: the second is credited only with the first.
    rng = np.random.default_rng(2)
    theta = rng.normal(0, 1, 4000)
    scores = (rng.random((4000, 8)) < 1 / (1 + np.exp(np.linspace(-1, 1, 8) - theta[:, None]))).astype(np.int16)
    scores[:, 4] = scores[:, 3] * (rng.random(4000) < 0.8)
    variant = rng.integers(0, 2, 4000)
    assert null.testlets(scores, variant, scores.max(axis=0)) == [[0], [1], [2], [3, 4], [5], [6], [7]]


def fiber(totals: list[int], column_sums: list[int]) -> list[tuple[tuple[int, ...], ...]]:
    """Every 0/1 matrix (rows = pupils) with these row totals and column sums."""
    rows = [[v for v in itertools.product((0, 1), repeat=len(column_sums)) if sum(v) == t] for t in totals]
    return [m for m in itertools.product(*rows) if [sum(c) for c in zip(*m, strict=True)] == column_sums]


def identical_pairs(matrix: np.ndarray) -> np.ndarray:
    """Identical row pairs of pupils × columns (× draws)."""
    return sum((matrix[a] == matrix[b]).all(axis=0) for a, b in itertools.combinations(range(len(matrix)), 2))


def test_parallel_p_values_are_uniform_when_the_class_is_drawn_from_the_null():
    # Reference: exact enumeration of the null's support (every matrix with the class's totals and column sums).
    # A class drawn uniformly from it is exchangeable with the sampler's draws from x* (Besag & Clifford 1989), so
    # the randomised p is uniform whatever the mixing: here only 2 sweeps. 600 classes: SD of a share ≤ 0.021.
    support = fiber([1, 1, 2, 2, 2, 3], [3, 3, 3, 2])
    assert len(support) > 50
    rng = np.random.default_rng(3)
    items = null.super_items(np.zeros((6, 4), np.int16) + 1, [[0], [1], [2], [3]])
    cell = np.zeros(6, np.int64)
    p = []
    for _ in range(600):
        matrix = np.array(support[rng.integers(len(support))], np.int8)  # pupils × columns
        plan = null.schedule(cell, 2, rng)
        start = null.hidden_state(np.ascontiguousarray(matrix.T), plan, items, rng)
        draws = null.forward(start, plan, items, 19, rng).transpose(1, 0, 2)  # pupils × columns × draws
        observed, drawn = identical_pairs(matrix), identical_pairs(draws)
        p.append(((drawn > observed).sum() + rng.random() * ((drawn == observed).sum() + 1)) / 20)
    p = np.array(p)
    for a in (0.05, 0.25, 0.5, 0.75):
        assert np.mean(p < a) == pytest.approx(a, abs=0.065), a
    assert stats.kstest(p, "uniform").pvalue > 0.001


# --- the layer on classes generated from a Rasch model with class-level task effects -----------------


def rasch_region(seed: int, schools: int = 300, copies: float = 0.0) -> tuple[pl.DataFrame, TestInfo, set[str]]:
    """A region where the null holds: partial-credit scores with the variant's task difficulties shifted by a
    class × variant effect on every task (what a class shares: teaching, one teacher's marking). With `copies`,
    that share of the schools with ≥ 8 pupils gets three extra pupils copying one pupil of a class × variant."""
    rng = np.random.default_rng(seed)
    maxima = np.array([1, 1, 1, 1, 2, 1, 2, 1, 1, 2, 1, 2])
    base = rng.normal(0, 1, (2, len(maxima)))
    rows, copied = [], set()
    for s in range(schools):
        login, mean = f"s{s:04d}", rng.normal(0, 0.7)
        school_rows = []
        for letter in "АБ"[: rng.integers(1, 3)]:
            n = int(rng.integers(3, 26))
            theta = mean + rng.normal(0, 1, n)
            variant = rng.integers(0, 2, n)
            difficulty = base[variant] + rng.normal(0, 0.8, (2, len(maxima)))[variant]
            x = np.zeros((n, len(maxima)), np.int64)
            for k, top in enumerate(maxima):
                steps = difficulty[:, k][:, None] + np.linspace(-0.5, 0.5, top)
                logits = np.concatenate([np.zeros((n, 1)), np.cumsum(theta[:, None] - steps, axis=1)], axis=1)
                prob = np.exp(logits - logits.max(axis=1, keepdims=True))
                prob /= prob.sum(axis=1, keepdims=True)
                x[:, k] = (rng.random(n)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
            school_rows += [(login, letter, str(v + 1), *row) for v, row in zip(variant, x.tolist(), strict=True)]
        if copies and len(school_rows) >= 8 and rng.random() < copies:
            source = school_rows[int(rng.integers(len(school_rows)))]
            school_rows += [source] * 3
            copied.add(login)
        rows += school_rows
    names = [f"task_{k + 1}" for k in range(len(maxima))]
    frame = pl.DataFrame(rows, schema=["school_login", "class_letter", "variant", *names], orient="row")
    info = TestInfo(max_total=int(maxima.sum()), cuts=None, column_max=tuple(int(m) for m in maxima))
    return frame.with_columns(pl.sum_horizontal(names).alias("total")), info, copied


def test_p_values_are_uniform_on_rasch_classes_with_class_task_effects():
    # ≈ 1,000 schools with a p-value over 4 regions: SD of the share at 0.05 ≈ 0.007.
    p = np.concatenate(
        [similarity(*rasch_region(seed)[:2], seed=seed)["p_similarity"].drop_nulls().to_numpy() for seed in range(4)]
    )
    assert len(p) > 800
    assert 0.03 <= np.mean(p < 0.05) <= 0.07
    assert np.mean(p < 0.5) == pytest.approx(0.5, abs=0.06)


def test_copied_pupils_get_small_p_on_rasch_classes():
    frame, info, copied = rasch_region(7, schools=400, copies=0.15)
    out = similarity(frame, info, seed=7)
    hit = out["school_login"].is_in(list(copied)).to_numpy()
    p = out["p_similarity"].fill_null(1.0).to_numpy()
    assert hit.sum() >= 30
    assert np.mean(p[hit] < 0.05) >= 0.6
    assert np.mean(p[~hit] < 0.05) <= 0.07
    auc = stats.mannwhitneyu(p[~hit], p[hit]).statistic / (hit.sum() * (~hit).sum())
    assert auc >= 0.85


# --- real exports ------------------------------------------------------------------------------------


def real_rows(name: str) -> tuple[pl.DataFrame, TestInfo, tuple]:
    """Counted rows of one real export read as `objectivity analyze` reads it (keeping `variant`), with the cut
    scores of the official description's PDF when the catalogue has none."""
    import objectivity.detection.files as files
    from objectivity.analysis.export_format import SUBJECT_BY_CODE, TestName
    from objectivity.analysis.schema import counted_rows
    from objectivity.results.descriptions import pdf_text, scale_from_text

    with mock.patch.object(files, "analysed_columns", lambda frame: frame):
        found = files.read_files([RESULTS / name], hint=TestName(), reference=None)
    ((key, info),) = found.infos.items()
    if info.cuts is None:
        folder = DESCRIPTIONS / str(key[2]) / SUBJECT_BY_CODE[key[3]].name
        scale = next((scale_from_text(pdf_text(p.read_bytes(), p.name)) for p in sorted(folder.glob("*.pdf"))), None)
        info = dataclasses.replace(info, cuts=scale.cuts if scale else None)
    return counted_rows(found.frames[0]), info, key


@needs_real
@pytest.mark.parametrize(
    "name",
    [
        "Проведение работы по математике, 6 класс. ВПР 2021.xlsx",
        "Проведение работы по русскому языку, 6 класс. ВПР 2021.xlsx",
    ],
)
def test_real_export_stays_within_the_calibration_bar(name):
    # Issue 10: on every real export at most 10 % of school × tests get p < 0.05 and at most 1 % p < 0.001.
    # Measured (bench/similarity_real.py): 6th-grade maths 8.6 % / 0.2 %, Russian 5.4 % / 0.6 %; the layer before
    # the class-margin null gave 44.9 % / 18.2 % and 9.5 % / 1.4 %.
    from objectivity.analysis.layered_findings import test_seed

    rows, info, key = real_rows(name)
    assert "variant" in rows.columns and info.cuts is not None
    out = similarity(rows, info, seed=test_seed(key))
    p = out["p_similarity"].drop_nulls()
    assert len(p) >= 400
    assert (p < 0.05).mean() <= 0.10
    assert (p < 0.001).mean() <= 0.01
