"""ФИОКО's official descriptions of works as the catalogue's reference data: ALL.xlsx, its PDF, the CLI and
the page; checked on synthetic workbooks and on the real 2021 descriptions when they are at hand."""

import io
import re

import openpyxl
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from objectivity.analysis.export_format import SUBJECTS
from objectivity.audit.models import AuditEvent
from objectivity.results.descriptions import read_description, read_folder, scale_from_text
from objectivity.results.models import Assessment
from objectivity.results.reference import SHIPPED_DIR, ReferenceError, parse_catalogue
from tests.real import DESCRIPTIONS, needs_real

HEADER = ["№ КИМ", "№", "Умения", "Блоки ПООП", "Уровень сложности", "Код КЭС", "Код КТ",
          "Максимальный балл за выполнение задания"]  # fmt: skip


def workbook(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def task(kim, number, level, maximum, code="1.1") -> list:
    return [kim, number, "умение", None, level, code, "1", maximum]


# Task 1 is a dictation judged by two criteria (1К1, 1К2), repeated per КЭС code as real workbooks do.
RUSSIAN = [task("1К1", 1, None, 4), task("1К1", 1, None, 4, "1.2"), task("1К2", "2", None, 3), task("2", "3", None, 1)]
MATHS = [task(1, 1, "Б", 1), task("2", "2", "Б", "1"), task("3", "3", "П", "2"), task("3", "3", "П", "2", "2.1"),
         task("4", "4", "В", "2")]  # fmt: skip


def test_columns_maxima_levels_and_criteria_from_the_workbook():
    found = read_description(workbook(MATHS), "ALL.xlsx", year=2021, grade=6, subject="ma", cuts=(2, 4, 5))
    item = found.item
    assert [(c["number"], c["label"], c["max"], c["level"], c["criterion"]) for c in item["columns"]] == [
        (1, "1", 1, "Б", False),
        (2, "2", 1, "Б", False),
        (3, "3", 2, "П", True),
        (4, "4", 2, "В", True),
    ]
    assert item["max_total"] == 6 and item["scale"] == {"3": 2, "4": 4, "5": 5} and found.notes == []
    russian = read_description(workbook(RUSSIAN), "ALL.xlsx", year=2021, grade=6, subject="ru")
    assert [c["label"] for c in russian.item["columns"]] == ["1К1", "1К2", "2"]
    assert [c["criterion"] for c in russian.item["columns"]] == [True, True, False]
    assert any("уровн" in note for note in russian.notes)  # no levels: estimated from the region's data


def test_a_header_block_repeated_to_the_right_is_ignored():
    rows = [[*row, None, *row] for row in MATHS]
    found = read_description(workbook(rows, [*HEADER, None, *HEADER]), "ALL.xlsx", year=2021, grade=6, subject="ma")
    assert len(found.item["columns"]) == 4


def test_self_contradicting_descriptions_are_reported():
    twice = [*MATHS, task("4", "4", "В", "3", "9.9")]
    found = read_description(workbook(twice), "ALL.xlsx", year=2021, grade=6, subject="ma")
    assert found.item["columns"][3]["max"] == 3
    assert any("2, 3" in note for note in found.notes)


@pytest.mark.parametrize(
    ("rows", "header", "words"),
    [
        (MATHS, [h if h != "№" else "Номер" for h in HEADER], ["ALL.xlsx", "«№»"]),
        (
            [task(1, 1, "Б", 1), task(2, 2, "Б", "два")],
            HEADER,
            ["строка 3", "«два»"],
        ),
        ([task(1, 1, "Б", 1), task(3, 3, "Б", 1)], HEADER, ["пропущены: 2"]),
        ([task(1, 1, "Х", 1)], HEADER, ["строка 2", "Б, П или В"]),
    ],
)
def test_bad_workbooks_say_where_and_what(rows, header, words):
    with pytest.raises(ReferenceError) as error:
        read_description(workbook(rows, header), "ALL.xlsx", year=2021, grade=6, subject="ma")
    for word in words:
        assert word in str(error.value)


def test_not_a_workbook_and_not_a_pdf():
    with pytest.raises(ReferenceError, match="Excel"):
        read_description(b"plain text", "ALL.xlsx", year=2021, grade=6, subject="ma")
    with pytest.raises(ReferenceError, match="PDF"):
        read_description(workbook(MATHS), "ALL.xlsx", b"%PDF-1.4 broken", "d.pdf", year=2021, grade=6, subject="ma")


def test_the_work_must_be_known():
    with pytest.raises(ReferenceError, match="год"):
        read_description(workbook(MATHS), "ALL.xlsx", grade=6, subject="ma")


def test_scale_from_the_pdf_text():
    text = "Отметка по пятибалльной шкале «2» «3» «4» «5»\nПервичные баллы 0–7 8–14\n15–20 21–25\n10. Время"
    scale = scale_from_text(text)
    assert scale is not None and scale.cuts == (8, 15, 21) and scale.max_total == 25
    assert scale_from_text("Первичные баллы 0–7 8–14 15–20") is None  # the table is cut short
    assert scale_from_text("Первичные баллы 0–9 10–8 9–12 13–15") is None  # not increasing


@pytest.mark.django_db
def test_the_command_adds_a_version_and_is_audited(tmp_path, world):
    path = tmp_path / "ALL.xlsx"
    path.write_bytes(workbook(MATHS))
    call_command("import_description", str(path), year=2021, grade=6, subject="ma", scale="2,4,5", by="admin")
    reference = Assessment.objects.get(year=2021, grade=6, subject="ma").reference()
    assert [c["max"] for c in reference.columns] == [1, 1, 2, 2] and reference.cuts == (2, 4, 5)
    assert not reference.inferred and "ФИОКО" in reference.source
    assert AuditEvent.objects.filter(object_repr="ALL.xlsx").exists()
    call_command("import_description", str(path), year=2021, grade=6, subject="ma", scale="2,4,5")
    assert Assessment.objects.get(year=2021, grade=6, subject="ma").reference().version == reference.version
    with pytest.raises(CommandError, match="8,15,21"):
        call_command("import_description", str(path), year=2021, grade=6, subject="ma", scale="2,4")


@pytest.mark.django_db
def test_the_page_imports_a_description(world, client):
    client.force_login(world.users["region_admin"])
    page = client.get(reverse("catalogue"))
    assert reverse("description-import") in page.content.decode()
    upload = SimpleUploadedFile("ALL.xlsx", workbook(MATHS))
    fields = {"year": 2021, "grade": 7, "subject": "ma", "cut3": 2, "cut4": 4, "cut5": 5}
    response = client.post(reverse("description-import"), {"workbook": upload, **fields})
    assert response.status_code == 302
    assert [c["level"] for c in Assessment.objects.get(year=2021, grade=7, subject="ma").reference().columns] == [
        "Б", "Б", "П", "В",
    ]  # fmt: skip
    half = client.post(
        reverse("description-import"),
        {"workbook": SimpleUploadedFile("ALL.xlsx", workbook(MATHS)), **fields, "cut5": ""},
    )
    assert "все три" in half.content.decode()
    wrong = client.post(reverse("description-import"), {"workbook": SimpleUploadedFile("ALL.pdf", b"x"), **fields})
    assert ".xlsx" in wrong.content.decode()


def _real_folders():
    return sorted(p for p in DESCRIPTIONS.glob("*/*") if p.is_dir()) if DESCRIPTIONS.is_dir() else []


@needs_real
def test_every_real_description_reads_and_the_scales_are_the_published_ones():
    codes = {s.name: s.code for s in SUBJECTS}
    scales = {}
    for folder in _real_folders():
        found = read_folder(folder, year=2021, grade=int(folder.parent.name), subject=codes[folder.name])
        scales[(found.item["grade"], found.item["subject"])] = (found.item["max_total"], found.item["scale"])
    # FORMATS.md §3, from the same descriptions: max, «3», «4», «5»
    for key, (top, cuts) in {(4, "ru"): (38, (14, 24, 33)), (4, "ma"): (20, (6, 10, 15)),
                             (5, "ru"): (45, (18, 29, 39)), (5, "ma"): (20, (7, 11, 15))}.items():  # fmt: skip
        assert scales[key] == (top, {"3": cuts[0], "4": cuts[1], "5": cuts[2]})
    assert len(scales) == len(_real_folders()) >= 29


@needs_real
def test_the_shipped_catalogue_is_true_to_the_descriptions():
    shipped = {
        (e["grade"], e["subject"]): e["values"]
        for e in parse_catalogue((SHIPPED_DIR / "vpr-2021.yaml").read_text(encoding="utf-8"), "vpr-2021.yaml")
    }
    codes = {s.name: s.code for s in SUBJECTS}
    for folder in _real_folders():
        key = (int(folder.parent.name), codes[folder.name])
        if key not in shipped:
            assert folder.name in ("Немецкий язык", "Французский язык")
            continue
        found = read_description(
            (folder / "ALL.xlsx").read_bytes(), "ALL.xlsx", year=2021, grade=key[0], subject=key[1]
        )
        values = shipped[key]
        mended = {int(n) for n, _old, _new in re.findall(r"(\d+) \((\d+)→(\d+)\)", values["source"])}
        assert [c["level"] for c in values["columns"]] == [c["level"] for c in found.item["columns"]], folder
        columns = zip(values["columns"], found.item["columns"], strict=True)
        assert {c["number"] for c, d in columns if c["max"] != d["max"]} == mended, folder
        if mended:  # a mend is kept only when it makes the columns add up to the PDF's maximum
            assert sum(c["max"] for c in values["columns"]) == values["max_total"], folder


def test_the_shipped_catalogue_covers_the_2021_works():
    tests = yaml.safe_load((SHIPPED_DIR / "vpr-2021.yaml").read_text(encoding="utf-8"))["tests"]
    works = {(t["grade"], t["subject"]) for t in tests}
    assert {(g, s) for g in (6, 7, 8) for s in ("ru", "ma")} <= works and len(works) == 29
    assert all(t["scale"] and t["columns"] for t in tests)


@pytest.mark.django_db
def test_the_catalogue_page_says_which_levels_are_estimated(tmp_path, world, client):
    path = tmp_path / "ALL.xlsx"
    path.write_bytes(workbook(RUSSIAN))
    call_command("import_description", str(path), year=2021, grade=6, subject="ru", scale="1,3,6")
    work = Assessment.objects.get(year=2021, grade=6, subject="ru")
    assert work.reference().levels_missing
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("reference-detail", args=[work.pk])).content.decode()
    assert page.count("оценён по данным региона") == 3
