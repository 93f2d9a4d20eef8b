"""`objectivity evaluate --real`: injection into real exports, the product's own analysis, the crude statistics
beside it (METHODS.md §3). On one real file when ../shared/real is there, and always on a small generated region
written to the same file layout, so that a clone without the real data tests the command too."""

import io
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command

from objectivity.analysis import export_format
from objectivity.analysis.evaluate import CRUDE_METHODS, auc, crude_of, null_shares, real_rows, results_of
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.parameters import PUBLISHED
from objectivity.analysis.real_inject import KINDS, hardest_columns, inject_real
from objectivity.analysis.synth import default_tests, generate_region, write_region
from objectivity.detection.files import read_files
from objectivity.detection.pipeline import analyse
from objectivity.detection.quality_doc import REAL_BEGIN, REAL_END, merge_document
from tests.real import RESULTS, needs_real

MATHS_6 = RESULTS / "Проведение работы по математике, 6 класс. ВПР 2021.xlsx"


def injected_run(
    paths: list[Path], seed: int, reference: Path | None = None, **inject
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the command does for one injection seed: read as `analyze` reads, inject, analyse, rows per school × test."""
    found = read_files(paths, hint=export_format.TestName(), reference=reference)
    frames, truth = inject_real(found.frames, found.infos, seed, **inject)
    findings = analyse(frames, found.max_totals, PUBLISHED, found.infos)
    return real_rows(findings, frames, found.infos, truth), truth


def auc_by_kind(rows: pl.DataFrame, method: str, kind: str) -> float:
    keep = rows.filter(pl.col("kind").is_null() | (pl.col("kind") == kind))
    score = keep[method].cast(pl.Float64).fill_nan(None)
    return auc(score.fill_null(score.min() - 1).to_numpy(), keep["kind"].is_not_null().to_numpy())


@needs_real
def test_injection_into_one_real_file_is_found_where_it_should_be():
    rows, truth = injected_run([MATHS_6], seed=1)
    counts = dict(truth.group_by("kind").len().iter_rows())
    assert set(counts) == set(KINDS) and min(counts.values()) >= 5  # 8 % of ~630 schools, one kind each
    assert truth["pupils_touched"].max() <= 12  # light: a few pupils, a third of one class at most
    results = {(r.method, r.subset): r.auc for r in results_of(rows, ["bunching", "journal", "absence"], CRUDE_METHODS)}
    # The crude hard-task residual sees +1 on the two hardest columns (the last, level В, among them); L4 the lift to the journal mark;
    # the absence layer the weakest pupils sent away; the ranking of everything together is better than chance.
    assert results[("crude_hard", "hard")] > 0.75
    assert results[("journal", "journal")] > 0.65
    assert results[("absence", "exclude")] > 0.7
    assert results[("combined", "all")] > 0.5


@needs_real
def test_the_injected_file_keeps_totals_equal_to_the_task_columns():
    found = read_files([MATHS_6], hint=export_format.TestName(), reference=None)
    (frame,), truth = inject_real(found.frames, found.infos, seed=2)
    before, tasks = found.frames[0], [c for c in frame.columns if c.startswith("task_")]
    assert frame.height == before.height and frame.columns == before.columns
    present = frame.filter(pl.col("valid") & ~pl.col("absent"))
    assert (present.select(pl.sum_horizontal(pl.col(tasks).fill_null(0))).to_series() == present["total"]).all()
    changed = frame.join(before, on="source_row", suffix="_before").filter(
        (pl.col("total").fill_null(-1) != pl.col("total_before").fill_null(-1))
        | (pl.col("absent") != pl.col("absent_before"))
    )
    assert set(changed["school_login"]) <= set(truth["school_login"])  # nothing moves outside the truth
    assert changed.height <= truth["pupils_touched"].sum()


def test_the_hardest_columns_are_chosen_by_level_then_by_the_regions_facility_not_by_position():
    info = TestInfo(max_total=7, cuts=None, column_max=(1, 1, 2, 1, 2), levels=("Б", "П", "П", "Б", "В"))
    facility = np.array([0.9, 0.2, 0.6, 0.1, 0.5])
    assert hardest_columns(info, facility).tolist() == [4, 1]  # В first, then the least-scored П (not the later one)
    no_levels = TestInfo(max_total=7, cuts=None, column_max=(1, 1, 2, 1, 2))
    assert hardest_columns(no_levels, facility).tolist() == [3, 1]  # without levels: the least-scored columns


def synthetic_region(tmp_path: Path, n_schools: int) -> tuple[Path, Path]:
    """A clean generated region of one test (grade 6 maths), written as ФИС ОКО files with its reference.yaml."""
    region = generate_region(
        seed=5, years=[2025], n_schools=n_schools, tests=default_tests([2025], grades=(6,), subjects=("ma",))
    )
    write_region(region, tmp_path)
    return tmp_path / "2025", tmp_path / "reference.yaml"


def test_crude_bunching_ranks_pushed_schools_of_a_generated_region_above_clean_ones(tmp_path):
    folder, reference = synthetic_region(tmp_path, n_schools=300)
    files = sorted(folder.glob("*.xlsx"))
    found = read_files(files, hint=export_format.TestName(), reference=reference)
    bunching, ranks = [], []
    for seed in range(1, 5):  # one or two pupils pushed per school is light: the AUC moves by ±0.05 between seeds
        frames, truth = inject_real(found.frames, found.infos, seed=seed, share=0.25, kinds=("push",))
        assert truth.height >= 60
        keys = ["year", "period", "grade", "subject", "school_login"]
        crude = crude_of(frames, found.infos).join(truth, on=keys, how="left")
        bunching.append(auc_by_kind(crude, "crude_bunching", "push"))
        ranks.append(auc_by_kind(crude, "crude_rank", "push"))
    assert np.mean(bunching) > 0.65 and min(bunching) > 0.6
    assert np.mean(ranks) > 0.55


def test_the_command_on_a_generated_region_writes_the_real_part_first_and_keeps_the_rest(tmp_path):
    folder, reference = synthetic_region(tmp_path, n_schools=120)
    out = tmp_path / "quality.md"
    out.write_text("# Качество выявления на модельных регионах\n\nпрежний текст\n", encoding="utf-8")
    call_command("evaluate", real=[folder], reference=reference, seeds=1, out=out, stdout=io.StringIO())
    text = out.read_text(encoding="utf-8")
    assert text.startswith(REAL_BEGIN) and text.index(REAL_END) < text.index("прежний текст")
    assert "Измерено на реальных выгрузках" in text and "Гистограммы p-значений" in text
    for title in (
        "Сочетание слоёв",
        "ФИОКО (число маркеров)",
        "Грубая: скопление у порогов",
        "Грубая: сумма рангов трёх",
    ):
        assert f"| {title} | " in text
    again = merge_document(text, generated="# Другой текст\n")
    assert again.startswith(REAL_BEGIN) and "прежний текст" not in again and again.rstrip().endswith("# Другой текст")


def test_null_shares_by_hand():
    rows = pl.DataFrame(
        {
            "n": [5, 25, 30, 40],
            "p_bunching": [0.0005, 0.03, 0.5, None],
            "flagged": [1, 0, 0, 1],
        }
    )
    found = {r["layer"]: r for r in null_shares(rows, ["bunching"]).to_dicts()}
    assert found["bunching"]["count"] == 3 and found["bunching"]["p05"] == pytest.approx(2 / 3)
    assert found["bunching"]["p001"] == pytest.approx(1 / 3) and found["bunching"]["p05_20"] == pytest.approx(1 / 2)
    assert found["combined"]["flag"] == 0.5 and found["combined"]["flag_20"] == pytest.approx(1 / 3)
    assert np.isclose(found["bunching"]["p001_20"], 0.0)


def test_files_are_checked_against_the_reference_datas_column_maxima_when_it_describes_them():
    from types import SimpleNamespace

    from objectivity.detection.files import _task_maxima

    layout = SimpleNamespace(tasks=[SimpleNamespace(max=None), SimpleNamespace(max=None), SimpleNamespace(max=3)])
    described = {"columns": [{"max": 1}, {"max": 2}, {"max": 2}]}
    assert _task_maxima(layout, described) == [1, 2, 2]  # the catalogue's, not the bound for unknown maxima
    assert _task_maxima(layout, {"columns": [{"max": 1}]}) == [None, None, 3]  # another layout: the header's
    assert _task_maxima(layout, {}) == [None, None, 3]
