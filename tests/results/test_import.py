"""Importing results files: layouts, row problems, keys and replacement, all-or-nothing."""

import hashlib
import io
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from objectivity.analysis.schema import PUPIL_COLUMNS, task_columns
from objectivity.audit.models import AuditEvent
from objectivity.results import importer
from objectivity.results.actions import withdraw_import
from objectivity.results.current_rows import current_pupils, statistics_rows
from objectivity.results.import_files import ImportFiles
from objectivity.results.models import Assessment, ImportStatus, ReferenceVersion, ResultImport
from objectivity.results.quality import quality_workbook
from objectivity.results.reference import add_version
from tests.factories import MunicipalityFactory, SchoolFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "results"
REGIONAL = FIXTURES / "Проведение работы по математике, 4 класс. ВПР 2021 (пример).xlsx"
SCHOOL = FIXTURES / "Индивидуальные результаты ВПР 2023 Математика 4 класс (пример, реконструкция).xlsx"


@pytest.fixture
def sample_schools(world):
    municipality = MunicipalityFactory(region=world.region, name="Пример муниципальный район")
    return {
        login: SchoolFactory(municipality=municipality, login=login, pupils_by_grade={"4": 30})
        for login in ("sch229001", "sch229002", "edu229001")
    }


def run(path: Path, world, name: str | None = None, **hint):
    from objectivity.analysis.export_format import TestName

    return importer.import_results(
        path, name or path.name, region=world.region, by=world.users["region_analyst"], hint=TestName(**hint)
    )


def data_dir_state() -> dict[str, str]:
    root = settings.DATA_DIR
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
        if not p.name.startswith("test.sqlite3")  # the SQLite test database itself
    }


def db_state() -> tuple:
    return (
        ResultImport.objects.count(),
        ReferenceVersion.objects.count(),
        Assessment.objects.count(),
        AuditEvent.objects.count(),
    )


def test_regional_export_is_read_with_all_its_quirks(world, sample_schools):
    outcome = run(REGIONAL, world)
    assert outcome.status == "imported", outcome.message
    s = outcome.summary
    assert (s["rows"], s["present"], s["absent"]) == (64, 61, 3)
    assert s["excluded_by_reason"] == {"total_mismatch": 1}
    assert s["schools"] == 3 and s["schools_matched"] == 2
    assert s["unknown_schools"] == [{"school_login": "sch229003", "rows": 31}]
    imported = ResultImport.objects.get()
    assert str(imported.assessment) == "ВПР 2021 · Математика · 4 класс"
    pupils = current_pupils(world.region, imported.assessment)
    assert list(pupils.columns[: len(PUPIL_COLUMNS)]) == list(PUPIL_COLUMNS)
    assert len(task_columns(pupils)) == 15
    assert set(pupils["sex"].drop_nulls()) <= {"м", "ж"}
    assert set(pupils["class_letter"].drop_nulls()) <= {"А", "Б", "В"}
    assert pupils.filter(pl.col("absent"))["total"].null_count() == 3
    # Stored rows keep the file's line numbers, and the excluded row is kept, not dropped.
    bad = pupils.filter(~pl.col("valid"))
    assert bad.height == 1 and bad["problem"][0] == "total_mismatch" and bad["source_row"][0] == 40
    # Statistics see only valid present rows of registry schools.
    stats = statistics_rows(world.region, imported.assessment)
    # sch229001 (24 rows) and sch229002 (9 rows) are all present; sch229003 is not in the registry.
    assert stats.height == 24 + 9 and set(stats["school_login"]) == {"sch229001", "sch229002"}


def test_reference_data_is_inferred_and_said_so(world, sample_schools):
    # A work whose reference data gives only the scale (as the catalogue did before the 2021 descriptions).
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    add_version(work, max_total=20, cut3=6, cut4=10, cut5=15, columns=[], source="шкала из описания")
    run(REGIONAL, world)
    reference = work.reference()
    assert reference.inferred and reference.version == 3
    assert (reference.cut3, reference.cut4, reference.cut5, reference.max_total) == (6, 10, 15, 20)
    assert len(reference.columns) == 15 and all(c["level"] in ("Б", "П", "В") for c in reference.columns)
    assert "highest score seen" in reference.source or "наибольш" in reference.source


def test_the_official_description_is_used_as_it_is(world, sample_schools):
    shipped = Assessment.objects.get(year=2021, grade=4, subject="ma").reference()
    assert not shipped.inferred and len(shipped.columns) == 15
    run(REGIONAL, world)
    used = ResultImport.objects.get(assessment=shipped.assessment).reference
    assert used == shipped == shipped.assessment.reference()


def test_same_file_twice_changes_nothing_and_says_so(world, sample_schools):
    run(REGIONAL, world)
    before_db, before_files = db_state(), data_dir_state()
    outcome = run(REGIONAL, world)
    assert outcome.status == "unchanged" and outcome.message
    assert db_state() == before_db and data_dir_state() == before_files


def test_school_export_replaces_only_its_school(world, sample_schools):
    first = run(REGIONAL, world, name="Проведение работы по математике, 4 класс. ВПР 2023.xlsx")
    assert first.status == "imported"
    outcome = run(SCHOOL, world)
    assert outcome.status == "imported", outcome.message
    assessment = Assessment.objects.get(year=2023, grade=4, subject="ma")
    pupils = current_pupils(world.region, assessment)
    per_school = dict(pupils.group_by("school_login").len().iter_rows())
    assert per_school["edu229001"] == 18  # from the school export
    assert per_school["sch229001"] == 24  # still from the regional export
    assert ResultImport.objects.filter(status=ImportStatus.ACTIVE).count() == 2


def test_regional_export_replaces_the_whole_work(world, sample_schools):
    run(REGIONAL, world)
    # The same export with one value changed is a new file: it replaces the first.
    changed = _rewrite_xlsx(REGIONAL, lambda rows: rows[:-1])
    outcome = run(changed, world, name=REGIONAL.name)
    assert outcome.status == "imported"
    old, new = ResultImport.objects.order_by("created_at")
    assert (old.status, old.replaced_by_id, new.status) == (ImportStatus.REPLACED, new.pk, ImportStatus.ACTIVE)
    assert old.keep_files_until is not None and (settings.DATA_DIR / old.parquet).exists()
    assert current_pupils(world.region, new.assessment).height == 63


def test_withdrawn_import_leaves_the_statistics_but_keeps_files(world, sample_schools):
    run(REGIONAL, world)
    imported = ResultImport.objects.get()
    withdraw_import(by=world.users["region_admin"], result_import=imported)
    assert current_pupils(world.region, imported.assessment).is_empty()
    assert (settings.DATA_DIR / imported.parquet).exists() and (settings.DATA_DIR / imported.original).exists()
    assert AuditEvent.objects.filter(object_id=str(imported.pk), action="update").exists()


@pytest.mark.parametrize(
    ("encoding", "separator"), [("utf-8-sig", ";"), ("cp1251", ";"), ("utf-8", ","), ("cp1251", ",")]
)
def test_csv_forms_give_the_same_rows(world, sample_schools, tmp_path, encoding, separator):
    run(REGIONAL, world)
    from_xlsx = current_pupils(world.region, Assessment.objects.get(year=2021, grade=4, subject="ma"))
    ResultImport.objects.all().update(status=ImportStatus.WITHDRAWN, withdrawn_at=timezone.now())
    csv_path = tmp_path / REGIONAL.with_suffix(".csv").name
    frame = pl.read_excel(REGIONAL, engine="calamine", infer_schema_length=0)
    csv_path.write_bytes(frame.write_csv(separator=separator).encode(encoding))
    outcome = run(csv_path, world)
    assert outcome.status == "imported", outcome.message
    from_csv = current_pupils(world.region, Assessment.objects.get(year=2021, grade=4, subject="ma"))
    assert from_csv.drop("textbook").equals(from_xlsx.drop("textbook"))


def test_short_autumn_csv(world, sample_schools, tmp_path):
    path = tmp_path / "ВПР осень 2022 математика 4 класс.csv"
    path.write_text("user,otc,sum\nsch229001,4,12\nsch229001,нет отметки,7\nsch229002,3,\nsch229002,5,99\n")
    outcome = run(path, world, period="autumn")
    assert outcome.status == "imported", outcome.message
    assessment = Assessment.objects.get(year=2022, grade=4, subject="ma", period="autumn")
    assert assessment.study_grade == 5
    pupils = current_pupils(world.region, assessment)
    assert pupils.height == 4 and pupils["absent"].sum() == 1
    assert task_columns(pupils) == []


def test_row_problems_are_listed_with_row_column_and_value(world, sample_schools, tmp_path):
    def spoil(rows):
        rows[1][0] = "СОШ 5"  # not a login
        rows[2][9] = "7"  # a 1-point task scored 7 (the maximum is inferred, so: total mismatch)
        rows[3][4] = "пять"  # journal mark: a warning only
        rows[4][8] = "много"  # total not a number
        return rows

    outcome = run(_rewrite_xlsx(REGIONAL, spoil), world, name=REGIONAL.name)
    problems = {(p["source_row"], p["code"]) for p in _problems(outcome)}
    assert {(2, "bad_login"), (3, "total_mismatch"), (4, "bad_journal_mark"), (5, "bad_total")} <= problems
    report = quality_workbook(ResultImport.objects.get())
    sheet = pl.read_excel(io.BytesIO(report), sheet_name="Проблемные строки", engine="calamine")
    row = sheet.filter(pl.col("Строка") == 2).row(0, named=True)
    assert row["Значение"] == "СОШ 5" and row["Столбец"] == "логин школы"
    assert row["Последствие"] == "исключена из статистики"


def _problems(outcome):
    from objectivity.results.quality import problems_of

    return problems_of(ResultImport.objects.get(pk=outcome.import_id)).to_dicts()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: _rewrite_xlsx(REGIONAL, lambda rows: [r[:8] + r[9:] for r in rows]), "всего баллов"),
        (lambda p: _write(p / "Проведение работы по математике, 4 класс. ВПР 2021.xlsx", b"PK\x03\x04junk"), "Excel"),
        (lambda p: _rewrite_xlsx(REGIONAL, lambda rows: [["имя", "фамилия"], ["a", "b"]]), "не файл результатов"),
        (lambda p: _write(p / "results.pdf", b"%PDF-1.4"), ".pdf"),
        (lambda p: shutil.copy(REGIONAL, p / "results.xlsx") and p / "results.xlsx", "год"),
    ],
    ids=["missing-column", "broken-workbook", "not-results", "wrong-format", "no-year"],
)
def test_structural_problems_reject_the_file_and_change_nothing(world, sample_schools, tmp_path, make, expected):
    path = make(tmp_path)
    before_db, before_files = db_state(), data_dir_state()
    outcome = run(path, world, name=path.name if path.name != "changed.xlsx" else REGIONAL.name)
    assert outcome.status == "rejected"
    assert expected in outcome.message, outcome.message
    assert db_state() == before_db and data_dir_state() == before_files


def test_sheet_over_the_size_limit_is_rejected(world, sample_schools, settings):
    settings.RESULTS_MAX_ROWS = 50
    outcome = run(REGIONAL, world)
    assert outcome.status == "rejected" and "не более 50" in outcome.message


@pytest.mark.parametrize("fault", ["last-row", "after-parquet", "inside-transaction"])
def test_a_fault_anywhere_leaves_database_and_files_as_they_were(world, sample_schools, monkeypatch, fault):
    run(SCHOOL, world)  # something already stored, so "unchanged" is a real comparison
    before_db, before_files = db_state(), data_dir_state()
    _inject(monkeypatch, fault)
    with pytest.raises(RuntimeError, match="injected"):
        run(REGIONAL, world)
    assert db_state() == before_db
    assert data_dir_state() == before_files, "no orphan files"


def _inject(monkeypatch, fault):
    if fault == "last-row":
        real = importer.normalise

        def failing(body, layout, rules):
            result = real(body.head(body.height - 1), layout, rules)  # all rows but the last are done
            raise RuntimeError(f"injected at row {body['source_row'][-1]}: {result.pupils.height}")

        monkeypatch.setattr(importer, "normalise", failing)
    elif fault == "after-parquet":
        real_write = ImportFiles.write_parquet

        def write_then_fail(self, frame, suffix):
            real_write(self, frame, suffix)
            raise RuntimeError("injected after the Parquet write")

        monkeypatch.setattr(ImportFiles, "write_parquet", write_then_fail)
    else:
        real_record = importer._record

        def record_then_fail(new, *args):
            real_record(new, *args)
            raise RuntimeError("injected after the database rows were written")

        monkeypatch.setattr(importer, "_record", record_then_fail)


def test_command_line_import_reports_and_fails_on_a_bad_file(world, sample_schools, tmp_path, capsys):
    bad = _write(tmp_path / "Проведение работы по математике, 4 класс. ВПР 2022.xlsx", b"not a workbook")
    with pytest.raises(CommandError, match="1 из 2"):
        call_command("import_results", str(REGIONAL), str(bad), "--region", "22")
    out = capsys.readouterr()
    assert "ВПР 2021 · Математика · 4 класс" in out.out and "sch229003" in out.out
    assert ResultImport.objects.count() == 1


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _rewrite_xlsx(source: Path, change) -> Path:
    """The workbook's rows (all text, as ФИС ОКО writes them) after `change(rows)`."""
    rows = [list(r) for r in pl.read_excel(source, engine="calamine", has_header=False, infer_schema_length=0).rows()]
    path = Path(tempfile.mkdtemp()) / "changed.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    for r, row in enumerate(change(rows)):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    book.close()
    return path


def test_purge_deletes_only_expired_files_of_replaced_or_withdrawn_imports(world, sample_schools):
    import datetime

    run(REGIONAL, world)
    kept = run(SCHOOL, world)
    item = ResultImport.objects.get(original_name=REGIONAL.name)
    withdraw_import(by=world.users["region_admin"], result_import=item)
    call_command("purge_results")
    assert (settings.DATA_DIR / item.parquet).exists(), "not yet past the retention date"
    ResultImport.objects.filter(pk=item.pk).update(keep_files_until=datetime.date(2020, 1, 1))
    files = [settings.DATA_DIR / item.parquet, settings.DATA_DIR / item.original]
    call_command("purge_results")
    item.refresh_from_db()
    assert item.parquet == "" and not any(p.exists() for p in files)
    active = ResultImport.objects.get(pk=kept.import_id)
    assert (settings.DATA_DIR / active.parquet).exists()
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="delete").exists()


def test_exam_results_per_school(world, sample_schools, tmp_path):
    from objectivity.results.current_rows import current_school_results

    path = tmp_path / "ОГЭ 2025 математика 9 класс по ОО.csv"
    path.write_text(
        "Логин ОО;Число участников;Средний первичный балл;«2»;«3»;«4»;«5»\n"
        "sch229001;25;14,5;2;10;9;4\n"
        "sch229002;12;много;1;5;5;1\n"
        "sch229003;8;11,0;1;3;3;0\n"
        "sch229001;3;9;0;3;0;0\n",
        encoding="cp1251",
    )
    outcome = run(path, world)
    assert outcome.status == "imported", outcome.message
    assert outcome.assessment == "ОГЭ 2025 · Математика · 9 класс"
    s = outcome.summary
    assert (s["rows"], s["present"], s["excluded"]) == (4, 25 + 8, 2)
    assert s["excluded_by_reason"] == {"bad_mean": 1, "duplicate_school": 1}
    assert s["warnings_by_reason"] == {"marks_mismatch": 1}  # 1 + 3 + 3 + 0 is not 8
    rows = current_school_results(world.region, Assessment.objects.get(procedure="oge", year=2025))
    first = rows.filter(pl.col("valid") & (pl.col("school_login") == "sch229001")).row(0, named=True)
    assert (first["participants"], first["mean_score"], first["marks_5"]) == (25, 14.5, 4)
    # Pupil-level statistics of the work are not mixed with per-school figures.
    assert current_pupils(world.region, Assessment.objects.get(procedure="oge", year=2025)).is_empty()


def test_exam_file_must_say_which_exam(world, sample_schools, tmp_path):
    path = tmp_path / "итоги 2025 математика 9 класс.csv"
    path.write_text("логин ОО;число участников;средний балл\nsch229001;25;14\n")
    outcome = run(path, world)
    assert outcome.status == "rejected" and "ОГЭ или ЕГЭ" in outcome.message
    assert run(path, world, procedure="ege").status == "imported"


def test_pupil_names_never_reach_storage(world, sample_schools):
    """A file with an extra «ФИО» column imports, and no stored file contains the names."""

    def add_names(rows):
        return [[*row, "ФИО обучающегося" if i == 0 else f"Иванов Пётр {i}"] for i, row in enumerate(rows)]

    outcome = run(_rewrite_xlsx(REGIONAL, add_names), world, name=REGIONAL.name)
    assert outcome.status == "imported"
    item = ResultImport.objects.get()
    for relative in (item.parquet, item.problems_parquet):
        frame = pl.read_parquet(settings.DATA_DIR / relative)
        text = " ".join(str(v) for column in frame.columns for v in frame[column].to_list())
        assert "Иванов" not in text and not any("фио" in c.lower() for c in frame.columns)
