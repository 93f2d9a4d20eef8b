"""Unknown codes in task columns (`H`, `Н`, `?`…): the task counts as not attempted, the pupil stays.

Real ФИС ОКО exports carry them: one school wrote `H` in the task columns of 34 of its 50 pupils,
and the grade 7 maths export of 2021 in ../shared/real holds `?` in 106 cells.
"""

import io

import polars as pl

from objectivity.analysis.export_format import TestName as FileHint
from objectivity.detection.files import read_files
from objectivity.results.current_rows import statistics_rows
from objectivity.results.models import ResultImport
from objectivity.results.outcome_text import outcome_lines
from objectivity.results.quality import quality_workbook
from tests.real import RESULTS, needs_real
from tests.results.test_import import REGIONAL, _rewrite_xlsx, run
from tests.results.test_import import sample_schools as sample_schools  # noqa: F401 (fixture)

TASKS = range(9, 24)  # the 15 «балл за N» columns of the sample export
REAL_MATHS_7 = RESULTS / "Проведение работы по математике, 7 класс. ВПР 2021.xlsx"


def _with_codes(rows: list[list]) -> list[list]:
    """Every not-done or zero task cell of school sch229002 becomes `H` (Latin) or `Н` (Cyrillic)."""
    n = 0
    for row in rows[1:]:
        if row[0] != "sch229002":
            continue
        for c in TASKS:
            if row[c] in ("0", "X", "Х"):
                row[c] = "H" if n % 2 == 0 else "Н"
                n += 1
    assert n > 10
    return rows


def test_unknown_codes_keep_the_pupil_and_are_reported(world, sample_schools):
    outcome = run(_rewrite_xlsx(REGIONAL, _with_codes), world, name=REGIONAL.name)
    assert outcome.status == "imported", outcome.message
    s = outcome.summary
    # Only the sample's own bad row is excluded: no pupil of sch229002 is lost.
    assert s["excluded_by_reason"] == {"total_mismatch": 1}
    assert s["warnings_by_reason"]["unknown_code"] == 9
    codes = {item["code"]: item for item in s["unknown_codes"]}
    assert set(codes) == {"H", "Н"}
    assert all(item["schools"][0]["school_login"] == "sch229002" for item in codes.values())
    assert sum(item["cells"] for item in codes.values()) > 10
    imported = ResultImport.objects.get()
    stats = statistics_rows(world.region, imported.assessment)
    school = stats.filter(pl.col("school_login") == "sch229002")
    assert school.height == 9
    # The code scores 0, so each total still equals the sum of its tasks.
    tasks = [c for c in school.columns if c.startswith("task_")]
    sums = school.select(pl.sum_horizontal(tasks).alias("sum"))["sum"]
    assert (sums == school["total"].cast(pl.Int64)).all()
    lines = "\n".join(outcome_lines(outcome.as_dict()))
    assert "«H»" in lines and "«Н»" in lines and "sch229002" in lines


def test_quality_report_lists_every_cell_with_an_unknown_code(world, sample_schools):
    run(_rewrite_xlsx(REGIONAL, _with_codes), world, name=REGIONAL.name)
    report = quality_workbook(ResultImport.objects.get())
    problems = pl.read_excel(io.BytesIO(report), sheet_name="Проблемные строки", engine="calamine")
    coded = problems.filter(pl.col("Значение").is_in(["H", "Н"]))
    assert coded.height > 10 and set(coded["Логин ОО"]) == {"sch229002"}
    assert coded["Столбец"].str.starts_with("балл за").all()
    summary = pl.read_excel(io.BytesIO(report), sheet_name="Сводка", engine="calamine", has_header=False)
    text = " ".join(str(v) for v in summary.to_series(1).to_list())
    assert "«H»" in text and "sch229002" in text


def test_a_number_with_a_fraction_is_still_an_error(world, sample_schools):
    def spoil(rows):
        rows[2][9] = "1,5"
        return rows

    outcome = run(_rewrite_xlsx(REGIONAL, spoil), world, name=REGIONAL.name)
    assert outcome.summary["excluded_by_reason"].get("bad_score") == 1
    assert "unknown_code" not in outcome.summary["warnings_by_reason"]


def test_analysis_from_files_keeps_the_pupils_and_notes_the_codes():
    path = _rewrite_xlsx(REGIONAL, _with_codes)
    named = path.with_name(REGIONAL.name)
    path.rename(named)
    found = read_files([named], hint=FileHint(), reference=None)
    pupils = found.frames[0]
    school = pupils.filter(pl.col("school_login") == "sch229002")
    assert school["valid"].all()
    assert any("«H»" in note and "sch229002" in note for note in found.notes)


@needs_real
def test_real_export_with_unknown_codes_keeps_its_pupils():
    raw = pl.read_excel(REAL_MATHS_7, engine="calamine", infer_schema_length=0)
    tasks = [c for c in raw.columns if c.startswith("балл за")]
    coded = raw.with_row_index("line", offset=2).filter(
        pl.any_horizontal(
            pl.col(tasks).str.strip_chars().str.contains(r"^[^0-9XxХх]+$") & ~pl.col(tasks).str.contains("пройд")
        )
    )
    assert coded.height > 0
    found = read_files([REAL_MATHS_7], hint=FileHint(), reference=None)
    pupils = found.frames[0].filter(pl.col("source_row").is_in(coded["line"].cast(pl.Int32).to_list()))
    assert pupils.height == coded.height and pupils["valid"].all()
    assert any("«?»" in note for note in found.notes)
