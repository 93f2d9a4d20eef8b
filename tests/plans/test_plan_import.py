"""A plan read back from tables: our own DOCX and XLSX (round trip), a DOCX laid out as an office lays a plan out,
hostile files; and the `objectivity plans` command."""

import datetime
import io
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from objectivity.core import documents
from objectivity.plans import actions
from objectivity.plans.documents import plan_document, plan_xlsx
from objectivity.plans.models import Plan
from objectivity.plans.plan_import import PlanFileError, join_lines, read_plan_file, split_section_heading
from objectivity.plans.templates import template

OFFICE_DOCX = Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "office-plan-region.docx"
COMPARED = ("section_number", "section_title", "number", "title", "deadline_text", "responsible", "result")
ALL_FIELDS = (*COMPARED, "participants", "report_form")


def _rows_of(plan: Plan, fields=ALL_FIELDS) -> list[dict]:
    return [{f: getattr(m, f) for f in fields} for m in plan.measures.order_by("position")]


@pytest.fixture
def region_plan(world):
    seed = template("region-2021-22")
    plan = actions.create_plan(
        by=world.users["region_admin"],
        scope=world.region,
        school_year=2026,
        title=seed.title,
        measures=actions.measure_rows_of(seed),
        order={
            "order_body": "Приказ министерства образования",
            "order_number": "1157",
            "order_date": datetime.date(2026, 9, 15),
        },
    )
    # Fields the regional seed leaves empty, so that the round trip carries them too.
    first = plan.measures.order_by("position").first()
    actions.save_measure(
        by=world.users["region_admin"],
        plan=plan,
        measure=first,
        values={"participants": "педагоги, ММС", "result": "Аналитическая справка", "report_form": "протокол"},
        links={},
    )
    return plan


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_export_then_import_gives_the_same_measures(region_plan, fmt):
    content = plan_xlsx(region_plan) if fmt == "xlsx" else documents.render(plan_document(region_plan), "docx")
    if fmt == "docx":  # the approval block above the title is not taken for a part of the table
        assert docx.Document(io.BytesIO(content)).paragraphs[0].text == "УТВЕРЖДЁН"
    rows = read_plan_file(io.BytesIO(content), f"план.{fmt}")
    assert [{f: r[f] for f in ALL_FIELDS} for r in rows] == _rows_of(region_plan)


def test_a_recommended_template_without_numbers_or_sections_round_trips(world):
    seed = template("recommended-measures")
    plan = actions.create_plan(
        by=world.users["region_admin"], scope=world.region, school_year=2026, measures=actions.measure_rows_of(seed)
    )
    rows = read_plan_file(io.BytesIO(documents.render(plan_document(plan), "docx")), "перечень.docx")
    assert [{f: r[f] for f in ALL_FIELDS} for r in rows] == _rows_of(plan)


def test_an_upload_and_a_path_read_alike(region_plan, tmp_path):
    content = plan_xlsx(region_plan)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    upload = SimpleUploadedFile("plan.xlsx", content)
    assert read_plan_file(upload, "plan.xlsx") == read_plan_file(path, "plan.xlsx") == read_plan_file(str(path), "x")


def test_the_office_docx_gives_the_regional_plan():
    rows = read_plan_file(OFFICE_DOCX, OFFICE_DOCX.name)
    seed = template("region-2021-22")
    assert len(rows) == 20
    # Cells of several paragraphs and of Shift+Enter lines join into the seed's text, word for word.
    assert [r["title"] for r in rows] == [m.title for m in seed.measures]
    assert [r["deadline_text"] for r in rows] == [m.deadline for m in seed.measures]
    assert [r["responsible"] for r in rows] == [m.responsible for m in seed.measures]
    assert [r["number"] for r in rows] == [m.number for m in seed.measures]
    sections = {(s.number, s.title) for s in seed.sections}
    assert {(r["section_number"], r["section_title"]) for r in rows} == sections  # «І.» and «III.Повышение» mended
    assert all(r["result"] == "" for r in rows)  # the empty «Отметка о выполнении» column


def test_the_office_docx_is_what_it_claims():
    """The fixture has what makes it an office's layout, so the test above cannot pass on an easier file."""
    table = docx.Document(str(OFFICE_DOCX)).tables[0]
    merged = [row for row in table.rows if len({id(c._tc) for c in row.cells}) == 1 and row.cells[0].text]
    assert len(merged) == 5
    assert [c.text for c in table.rows[1].cells] == ["1", "2", "3", "4", "5"]
    assert any(len(c.paragraphs) > 2 for row in table.rows for c in row.cells)
    assert any("\n" in c.paragraphs[0].text for row in table.rows for c in row.cells)
    assert not "".join(c.text for c in table.rows[-1].cells)


def test_lines_of_a_cell_join_sensibly():
    assert join_lines(["Проведение анализа ВПР по", "математике и русскому языку"]) == (
        "Проведение анализа ВПР по математике и русскому языку"
    )
    assert (
        join_lines(["ГАУ ДПО «АмИРО»,", "органы местного самоуправления"])
        == "ГАУ ДПО «АмИРО», органы местного самоуправления"
    )
    assert join_lines(["Аналитический отчёт.", "Протокол совещания"]) == "Аналитический отчёт.\nПротокол совещания"
    assert join_lines(["Формы:", "- протокол", "- приказ"]) == "Формы:\n- протокол\n- приказ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("III.Повышение компетентности", ("III.", "Повышение компетентности")),
        ("І. Выявление", ("I.", "Выявление")),
        ("1. Меры по повышению", ("1.", "Меры по повышению")),
        ("2.1 Работа с ОО", ("2.1", "Работа с ОО")),
        ("IT-технологии в школе", ("", "IT-технологии в школе")),
        ("Общие мероприятия", ("", "Общие мероприятия")),
    ],
)
def test_section_headings_split_into_number_and_title(text, expected):
    assert split_section_heading(text) == expected


# ---- hostile files -----------------------------------------------------------------------------------------


def _docx_bytes(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, rows: list[list[str]]):
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    return table


def _error(content: bytes, name: str = "план.docx") -> str:
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(io.BytesIO(content), name)
    return str(caught.value)


def test_a_file_that_is_not_a_document_is_named_and_refused():
    message = _error(b"%PDF-1.4 not a table", "план.docx")
    assert "план.docx" in message and "не документ Word (.docx) и не книга Excel (.xlsx)" in message
    assert "старом формате" in _error(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "план.doc")
    assert "пуст" in _error(b"", "пустой.docx")


def test_a_document_without_a_table_is_refused():
    message = _error(_docx_bytes(lambda d: d.add_paragraph("План мероприятий")))
    assert "нет таблиц" in message and "«Мероприятие»" in message


def test_a_table_without_a_measure_column_names_what_it_found():
    message = _error(_docx_bytes(lambda d: _table(d, [["№", "Действие", "Сроки"], ["1", "Совещание", "май"]])))
    assert "нет столбца «Мероприятие»" in message and "«Действие»" in message


def test_an_empty_title_in_a_row_with_a_deadline_names_the_row_and_the_column():
    rows = [
        ["№ п/п", "Наименование мероприятия", "Срок", "Ответственный"],
        ["1.", "Совещание", "октябрь", "Директор"],
        ["2.", "", "30.11.2026", "Зам. по УВР"],
    ]
    message = _error(_docx_bytes(lambda d: _table(d, rows)))
    assert "таблица 1, строка 3, столбец «Наименование мероприятия»" in message
    assert "«Срок»" in message and "«30.11.2026»" in message and "ожидалось название мероприятия" in message


def test_a_too_long_cell_names_its_limit():
    rows = [["№", "Мероприятие", "Сроки"], ["1", "Совещание", "д" * 301]]
    message = _error(_docx_bytes(lambda d: _table(d, rows)))
    assert "строка 2, столбец «Сроки»: 301 знаков" in message and "не больше 300" in message


# ---- the command -------------------------------------------------------------------------------------------


def _call(*args) -> str:
    out = io.StringIO()
    call_command("plans", *args, stdout=out)
    return out.getvalue()


def test_templates_lists_the_four_shipped_ones_with_their_measures():
    lines = _call("templates").splitlines()
    assert len(lines) == 4
    assert [line.split()[0] for line in lines] == [
        "school-2020-21",
        "municipality-2023-24",
        "region-2021-22",
        "recommended-measures",
    ]
    for line, count in zip(lines, ("9 мероприятий", "9 мероприятий", "20 мероприятий", "13 мероприятий"), strict=True):
        assert count in line


def test_import_then_export_through_the_command(world, tmp_path):
    output = _call(
        "import",
        str(OFFICE_DOCX),
        "--level",
        "region",
        "--scope",
        "22",
        "--year",
        "2026",
        "--by",
        "admin",
        "--order-body",
        "Приказ министерства образования",
        "--order-number",
        "1157",
        "--order-date",
        "15.09.2026",
    )
    plan = Plan.objects.get()
    assert f"Создан план {plan.pk}" in output and "20 мероприятий" in output and "разделов: 5" in output
    assert plan.region == world.region and plan.level == "region" and plan.measures.count() == 20
    assert plan.created_by == world.users["region_admin"]
    assert plan.current_version().order_date == datetime.date(2026, 9, 15)
    out = tmp_path / "plan.docx"
    assert "записан" in _call("export", str(plan.pk), "--format", "docx", "--out", str(out))
    assert len(read_plan_file(out, out.name)) == 20
    pdf = tmp_path / "plan.pdf"
    _call("export", str(plan.pk), "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_school_plan_is_imported_by_login_and_a_municipality_by_name(world, tmp_path):
    seed_plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=actions.measure_rows_of(template("school-2020-21")),
    )
    path = tmp_path / "school.xlsx"
    path.write_bytes(plan_xlsx(seed_plan))
    _call("import", str(path), "--level", "school", "--scope", "sch220001", "--year", "2027", "--by", "sch220001")
    imported = Plan.objects.get(school_year=2027)
    assert imported.school == world.school and imported.measures.count() == 9
    _call(
        "import", str(path), "--level", "municipality", "--scope", "городской округ северогорск", "--year", "2027",
        "--by", "mun",
    )  # fmt: skip
    assert Plan.objects.get(school_year=2027, level="municipality").municipality == world.municipality


@pytest.mark.parametrize(
    ("level", "scope", "by", "expected"),
    [
        ("school", "sch229999", "admin", "ОО с логином sch229999 не найдена"),
        ("region", "99", "admin", "Регион с кодом 99 не найден"),
        ("municipality", "Нет такого", "admin", "Муниципалитет с кодом или названием «Нет такого» не найден"),
        ("school", "sch220002", "sch220001", "нет права вести планы"),  # another school's plan
        ("region", "22", "nobody", "nobody"),
    ],
)
def test_a_bad_scope_or_actor_errors_and_creates_nothing(world, level, scope, by, expected):
    with pytest.raises(CommandError) as caught:
        _call("import", str(OFFICE_DOCX), "--level", level, "--scope", scope, "--year", "2026", "--by", by)
    assert expected in str(caught.value)
    assert not Plan.objects.exists()


def test_a_bad_file_errors_in_russian_and_creates_nothing(world, tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(b"not a document")
    with pytest.raises(CommandError, match="не документ Word"):
        _call("import", str(path), "--level", "region", "--scope", "22", "--year", "2026", "--by", "admin")
    assert not Plan.objects.exists()


def test_export_of_a_missing_plan_errors(world, tmp_path):
    with pytest.raises(CommandError, match="План 999 не найден"):
        _call("export", "999", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"))


def test_purge_evidence_prints_the_count(world):
    assert "Удалено 0 файлов-подтверждений" in _call("purge-evidence")


def test_an_office_workbook_with_a_title_above_and_merged_section_rows():
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Дорожная карта"
    sheet.append(["План мероприятий на 2026/27 учебный год"])
    sheet.append(["№", "Наименование мероприятия", "Срок исполнения", "Исполнители", "Форма отчёта"])
    sheet.append([1, 2, 3, 4, 5])
    sheet.append(["1. Аналитические мероприятия"])
    sheet.merge_cells("A4:E4")
    sheet.append([1, "Анализ результатов ВПР\nпо математике", datetime.datetime(2026, 11, 30), "ММС", "справка"])
    sheet.append([None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    rows = read_plan_file(io.BytesIO(out.getvalue()), "карта.xlsx")
    assert rows == [
        {
            "section_number": "1.",
            "section_title": "Аналитические мероприятия",
            "number": "1",
            "title": "Анализ результатов ВПР по математике",
            "deadline_text": "30.11.2026",
            "responsible": "ММС",
            "participants": "",
            "result": "",
            "report_form": "справка",
        }
    ]
