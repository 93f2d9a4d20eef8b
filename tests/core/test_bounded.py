"""Hostile files never reach a reader unchecked and never take the process down (objectivity.core.bounded).

Every file here is generated (nothing over a few hundred kilobytes is written), through the same functions the
importers call; each refusal is a FileLimitError whose Russian message names the file and the limit."""

import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from objectivity.core import bounded
from objectivity.core.bounded import FileLimitError, read_workbook, read_workbooks
from objectivity.core.tabular import TableFileError, read_table
from objectivity.results import readers
from objectivity.results.readers import FileRejected, read_raw, read_raw_many


def workbook(path: Path, rows=(("логин", "балл"), ("sch220001", "5")), sheets: int = 1) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for index in range(sheets):
        sheet = book.add_worksheet(f"Лист{index + 1}")
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return path


def with_sheet_xml(path: Path, xml: bytes, *, out: Path) -> Path:
    """A copy of the workbook at `path` whose first sheet is `xml` (deflated, as Excel writes it)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out


SHEET = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def test_a_plain_workbook_is_read_in_a_child_process_as_text(tmp_path):
    frame = read_workbook(workbook(tmp_path / "ok.xlsx"), "ok.xlsx")
    assert frame.rows() == [("логин", "балл"), ("sch220001", "5")]


def test_a_zip_bomb_is_refused_by_its_packing_ratio_before_reading(tmp_path):
    bomb = SHEET + b"<sheetData>" + b" " * 30_000_000 + b"</sheetData></worksheet>"  # 30 MB of blanks, ~30 KB packed
    path = with_sheet_xml(workbook(tmp_path / "a.xlsx"), bomb, out=tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 200_000
    with pytest.raises(FileLimitError, match="bomb.xlsx.*FILE_LIMITS_MAX_RATIO"):
        read_workbook(path, "bomb.xlsx")


def test_the_unpacked_size_sheets_cells_and_columns_have_limits(tmp_path, settings):
    settings.FILE_LIMITS_MAX_UNPACKED_MB = 0
    with pytest.raises(FileLimitError, match="FILE_LIMITS_MAX_UNPACKED_MB"):
        read_workbook(workbook(tmp_path / "a.xlsx"), "a.xlsx")
    settings.FILE_LIMITS_MAX_UNPACKED_MB = 1024
    with pytest.raises(FileLimitError, match="листов: 60.*FILE_LIMITS_MAX_SHEETS"):
        read_workbook(workbook(tmp_path / "many.xlsx", sheets=60), "many.xlsx")
    declared = SHEET + b'<dimension ref="A1:XFD1048576"/><sheetData/></worksheet>'
    huge = with_sheet_xml(workbook(tmp_path / "b.xlsx"), declared, out=tmp_path / "huge.xlsx")
    with pytest.raises(FileLimitError, match="17 179 869 184 ячеек.*FILE_LIMITS_MAX_CELLS"):
        read_workbook(huge, "huge.xlsx")
    wide = workbook(tmp_path / "wide.xlsx", rows=[[str(i) for i in range(1_200)]])
    with pytest.raises(FileLimitError, match="столбцов: 1 200.*FILE_LIMITS_MAX_COLUMNS"):
        read_workbook(wide, "wide.xlsx")


def test_a_reader_that_runs_out_of_memory_or_time_ends_only_its_own_process(tmp_path, settings):
    path = workbook(tmp_path / "ok.xlsx")
    settings.FILE_LIMITS_READER_MEMORY_MB = 30  # less than the reader itself needs: the child dies
    with pytest.raises(FileLimitError, match="ok.xlsx.*30 МБ памяти"):
        read_workbook(path, "ok.xlsx")
    settings.FILE_LIMITS_READER_MEMORY_MB = 4096
    settings.FILE_LIMITS_READER_SECONDS = 0
    with pytest.raises(FileLimitError, match="ok.xlsx.*за 0 с"):
        read_workbook(path, "ok.xlsx")
    settings.FILE_LIMITS_READER_SECONDS = 300
    assert read_workbook(path, "ok.xlsx").height == 2  # this process is fine and reads on


def test_broken_workbooks_get_a_russian_message_without_a_path_or_library_text(tmp_path):
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    broken_xml = with_sheet_xml(workbook(tmp_path / "a.xlsx"), SHEET + b"<sheetData><row r=", out=tmp_path / "x.xlsx")
    results = list(
        read_workbooks([(garbage, "garbage.xlsx"), (broken_xml, "x.xlsx"), (workbook(tmp_path / "ok.xlsx"), "ok")])
    )
    for result, name in zip(results[:2], ("garbage.xlsx", "x.xlsx"), strict=True):
        assert isinstance(result, FileLimitError)
        assert str(result) == f"Файл «{name}» не является книгой Excel (.xlsx) или повреждён"
    assert results[2].height == 2  # one bad file among several spoils only itself


def test_several_files_are_read_as_they_are_taken(tmp_path, monkeypatch):
    """analyze keeps one file's raw text at a time: a CSV is read when its turn comes, a workbook at most one per
    core ahead (the ten national files all read before the first was used peaked at 12.2 GB, against 7.3)."""
    read: list[str] = []
    monkeypatch.setattr(bounded.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(
        bounded, "read_workbook", lambda path, name, **_: read.append(name) or pl.DataFrame({"a": ["1"]})
    )
    frames = read_workbooks([(tmp_path / f"{i}.xlsx", f"{i}.xlsx") for i in range(6)])
    assert read == []
    next(frames)
    assert len(read) <= 3  # the one taken, one per core ahead
    assert len(list(frames)) == 5 and sorted(read) == [f"{i}.xlsx" for i in range(6)]

    read.clear()
    real = readers._read_csv
    monkeypatch.setattr(readers, "_read_csv", lambda path, name: read.append(name) or real(path, name))
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        path.write_text("логин;балл\nsch220001;5\n", encoding="utf-8")
    sheets = read_raw_many(paths)
    assert next(sheets).name == "a.csv" and read == ["a.csv"]
    assert next(sheets).name == "b.csv" and read == ["a.csv", "b.csv"]


def test_text_tables_are_checked_before_they_are_parsed(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(";".join(["x"] * 200_000) + "\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="столбцов: 200 000"):
        read_raw(wide, "wide.csv")
    with pytest.raises(TableFileError, match="столбцов: 200 000"):
        read_table(wide, "wide.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(TableFileError, match="пуст"):
        read_table(empty, "empty.csv")


def test_the_importers_refuse_a_bomb_and_keep_nothing(world, tmp_path, settings):
    from objectivity.results.importer import import_results
    from objectivity.results.models import ResultImport

    bomb = SHEET + b"<sheetData>" + b" " * 30_000_000 + b"</sheetData></worksheet>"
    path = with_sheet_xml(workbook(tmp_path / "a.xlsx"), bomb, out=tmp_path / "bomb.xlsx")
    before = sorted(p for p in Path(settings.DATA_DIR).rglob("*"))
    outcome = import_results(path, "bomb.xlsx", region=world.region, by=world.users["region_admin"])
    assert outcome.status == "rejected" and "FILE_LIMITS_MAX_RATIO" in outcome.message
    assert not ResultImport.objects.exists() and sorted(Path(settings.DATA_DIR).rglob("*")) == before


def test_column_letters():
    assert [bounded.column_number(c) for c in ("A", "Z", "AA", "AMI", "XFD")] == [1, 26, 27, 1023, 16384]
