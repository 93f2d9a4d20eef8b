"""Registry import: all or nothing, row-by-row Russian problems, re-import updates by login."""

import csv
from pathlib import Path

import pytest
import xlsxwriter

from objectivity.audit.models import AuditEvent
from objectivity.core.tabular import TableFileError
from objectivity.orgs.models import Municipality, School
from objectivity.orgs.registry import import_registry

HEADER = [
    "логин",
    "полное наименование",
    "краткое наименование",
    "муниципалитет",
    "тип",
    "тип поселения",
    "малокомплектная",
    "филиал",
    "углублённое изучение",
    "4 класс",
    "5 класс",
]


def good_rows():
    return [
        [
            "sch220101",
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 101»",
            "МБОУ «СОШ № 101»",
            "Городской округ Северогорск",
            "СОШ",
            "город",
            "нет",
            "нет",
            "да",
            "52",
            "48",
        ],
        [
            "SCH220102",
            "Муниципальное казённое общеобразовательное учреждение «Луговская основная общеобразовательная школа»",
            "МКОУ «Луговская ООШ»",
            "Новый район",
            "",
            "село",
            "да",
            "нет",
            "нет",
            "6",
            "4",
        ],
    ]


def write_csv(path: Path, rows, encoding="utf-8", delimiter=";") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([HEADER, *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    return path


@pytest.mark.parametrize("encoding,delimiter", [("utf-8", ";"), ("cp1251", ";"), ("utf-8", ","), ("utf-8-sig", ",")])
def test_csv_import_creates_schools_and_municipality(world, tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "reestr.csv", good_rows(), encoding, delimiter)
    report = import_registry(path, "reestr.csv", world.region, by=world.users["region_admin"])
    assert report.ok, report.problems
    assert (report.created, report.updated) == (2, 0)
    school = School.objects.get(login="sch220102")
    assert school.school_type == "oosh"  # inferred from the full name when the type is empty
    assert school.settlement == "village" and school.is_small and not school.is_advanced
    assert school.pupils_by_grade == {"4": 6, "5": 4}
    assert school.municipality.name == "Новый район" and report.new_municipalities == ["Новый район"]


def test_xlsx_reimport_updates_by_login_and_same_file_changes_nothing(world, tmp_path):
    by = world.users["region_admin"]
    first = import_registry(write_xlsx(tmp_path / "a.xlsx", good_rows()), "a.xlsx", world.region, by=by)
    assert first.created == 2
    again = import_registry(write_xlsx(tmp_path / "b.xlsx", good_rows()), "b.xlsx", world.region, by=by)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows = good_rows()
    rows[0][2] = "МБОУ «СОШ № 101 им. А. С. Пушкина»"
    third = import_registry(write_xlsx(tmp_path / "c.xlsx", rows), "c.xlsx", world.region, by=by)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert School.objects.get(login="sch220101").short_name.endswith("Пушкина»")
    update = AuditEvent.objects.filter(action="update", object_type="orgs.School").latest("id")
    assert update.before == {"short_name": "МБОУ «СОШ № 101»"}
    assert update.after == {"short_name": "МБОУ «СОШ № 101 им. А. С. Пушкина»"}


def test_bad_rows_change_nothing_and_are_listed_in_russian(world, tmp_path):
    rows = good_rows() + [
        ["sch22x", "Школа", "Школа", "Городской округ Северогорск", "СОШ", "город", "нет", "нет", "нет", "1", "1"],
        ["sch220103", "", "", "Городской округ Северогорск", "СШ", "город", "нет", "нет", "нет", "1", "1"],
        [
            "sch540001",
            "Чужая школа",
            "",
            "Городской округ Северогорск",
            "СОШ",
            "город",
            "может быть",
            "нет",
            "нет",
            "много",
            "1",
        ],
        ["sch220101", "Повтор", "", "Городской округ Северогорск", "СОШ", "город", "нет", "нет", "нет", "1", "1"],
    ]
    before = (School.objects.count(), Municipality.objects.count(), AuditEvent.objects.count())
    report = import_registry(
        write_csv(tmp_path / "bad.csv", rows), "bad.csv", world.region, by=world.users["region_admin"]
    )
    assert not report.ok
    assert (School.objects.count(), Municipality.objects.count(), AuditEvent.objects.count()) == before
    texts = [p.as_text() for p in report.problems]
    assert any(t.startswith("Строка 4, столбец «логин»") and "не логин ФИС ОКО" in t for t in texts), texts
    assert any(t.startswith("Строка 5, столбец «полное наименование»") for t in texts), texts
    assert any(t.startswith("Строка 5, столбец «тип»") and "СШ" in t for t in texts), texts
    # A school of another region is left out and reported, not checked cell by cell.
    assert not any(t.startswith("Строка 6,") for t in texts), texts
    assert report.skipped == 1 and report.skipped_examples[0]["row"] == 6
    assert any(t.startswith("Строка 7, столбец «логин»") and "строку 2" in t for t in texts), texts


def test_missing_required_column_rejects_file(world, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("логин;название\nsch220101;Школа\n", encoding="utf-8")
    report = import_registry(path, "x.csv", world.region, by=world.users["region_admin"])
    assert "полное наименование" in report.file_error and "муниципалитет" in report.file_error
    assert not School.objects.filter(login="sch220101").exists()


def test_unreadable_workbook_is_a_clear_error(world, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(TableFileError, match="не является книгой Excel"):
        import_registry(path, "broken.xlsx", world.region, by=world.users["region_admin"])


def test_failure_while_saving_leaves_nothing_behind(world, tmp_path, monkeypatch):
    from objectivity.orgs import registry

    def explode(entries):
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry, "record_many", explode)
    before = (School.objects.count(), Municipality.objects.count())
    with pytest.raises(RuntimeError):
        import_registry(
            write_csv(tmp_path / "a.csv", good_rows()), "a.csv", world.region, by=world.users["region_admin"]
        )
    assert (School.objects.count(), Municipality.objects.count()) == before


def test_row_numbers_count_blank_rows(world, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("логин;полное наименование;муниципалитет\n\n;;\nsch22x;Школа;Район\n", encoding="utf-8")
    report = import_registry(path, "gaps.csv", world.region, by=world.users["region_admin"])
    assert [p.row for p in report.problems] == [4]
