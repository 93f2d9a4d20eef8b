"""A plan as DOCX, PDF and XLSX, and the execution report for the ОИВ, opened as a user's programs open them."""

import datetime
import io

import docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from objectivity.core import documents
from objectivity.plans import actions
from objectivity.plans.documents import (
    DOCUMENT_HEADERS,
    WORKBOOK_HEADERS,
    execution_document,
    plan_document,
    plan_xlsx,
)
from objectivity.plans.models import Measure, Status
from objectivity.plans.templates import template
from tests.opened import docx_text, pdf_text

APPROVAL = ["УТВЕРЖДЁН", "приказом министерства образования и науки", "от 15.09.2026 № 1157"]
ORDER = {
    "order_body": "Приказ министерства образования и науки",
    "order_number": "1157",
    "order_date": datetime.date(2026, 9, 15),
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def region_plan(world):
    seed = template("region-2021-22")
    return actions.create_plan(
        by=world.users["region_admin"],
        scope=world.region,
        school_year=2026,
        title=seed.title,
        template_key=seed.key,
        measures=actions.measure_rows_of(seed),
        order=ORDER,
    )


def test_the_docx_has_the_order_the_owner_the_year_and_every_measure(region_plan):
    content = documents.render(plan_document(region_plan), "docx")
    opened = docx.Document(io.BytesIO(content))
    head = "\n".join(p.text for p in opened.paragraphs)
    approval, title = opened.paragraphs[:3], opened.paragraphs[3]
    assert [p.text for p in approval] == APPROVAL  # the block at the top right, above the title
    assert {p.alignment for p in approval} == {WD_ALIGN_PARAGRAPH.RIGHT}
    assert title.text == region_plan.title and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "Демонстрационный край, 2026/27 учебный год" in head
    assert "Редакция 1" in head
    assert opened.sections[0].page_width > opened.sections[0].page_height  # landscape
    table = opened.tables[0]
    assert [c.text for c in table.rows[0].cells] == DOCUMENT_HEADERS
    text = _flat(docx_text(content))
    for measure in template("region-2021-22").measures:
        assert _flat(measure.title) in text
    section_rows = [row for row in table.rows if len({id(c._tc) for c in row.cells}) == 1]
    assert [row.cells[0].text.split(" ", 1)[0] for row in section_rows] == ["I.", "II.", "III.", "IV.", "V."]
    # A section's row is kept with the measure under it, so a page never ends with a section's heading.
    assert all(p.paragraph_format.keep_with_next for row in section_rows for p in row.cells[0].paragraphs)
    # The plan's own table keeps the seeds' layout: a measure's row carries its own number.
    assert table.rows[2].cells[0].text == "1."


def test_a_plan_without_an_order_says_so(world):
    plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=[{"number": "1", "title": "Собеседование с учителями"}],
    )
    content = documents.render(plan_document(plan), "docx")
    assert "Приказ об утверждении не указан" in docx_text(content)
    assert "УТВЕРЖДЁН" not in docx_text(content)
    assert world.school.full_name in docx_text(content)


def test_the_pdf_reads_the_same(region_plan):
    text = pdf_text(documents.render(plan_document(region_plan), "pdf"))
    assert " ".join(APPROVAL) + " " + _flat(region_plan.title)[:40] in text  # the block above the title
    assert "Мероприятие" in text and "Ответственные" in text
    assert "I. Выявление образовательных организаций" in text
    assert _flat(template("region-2021-22").measures[-1].title)[:60] in text


def test_the_workbook_has_every_measure_in_the_columns_that_re_import(region_plan):
    sheet = openpyxl.load_workbook(io.BytesIO(plan_xlsx(region_plan))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == WORKBOOK_HEADERS
    seed = template("region-2021-22")
    assert [r[3] for r in rows[1:]] == [m.title for m in seed.measures]
    assert [r[4] for r in rows[1:]] == [m.deadline for m in seed.measures]
    assert {r[0] for r in rows[1:]} == {"I.", "II.", "III.", "IV.", "V."}


def test_a_title_that_looks_like_a_formula_stays_text(world):
    plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=[{"number": "1", "title": '=HYPERLINK("http://evil","нажмите")'}],
    )
    book = openpyxl.load_workbook(io.BytesIO(plan_xlsx(plan)))
    cell = book.active.cell(row=2, column=4)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_pdf_subtitle_keeps_its_words_whole(world):
    plan = actions.create_plan(
        by=world.users["school_admin"], scope=world.school, school_year=2026, measures=[{"title": "Собеседование"}]
    )
    # Owners' names long enough for the subtitle to wrap: a word was cut at the wrap («учеб-ный год»).
    for repeats in range(3, 9):
        plan.school.full_name = (
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1 "
            + "с углублённым изучением " * repeats
            + "предметов»"
        )
        words = pdf_text(documents.render(plan_document(plan), "pdf")).split()
        subtitle = f"{plan.school.full_name}, 2026/27 учебный год"
        assert all(word in words for word in subtitle.split()), subtitle


def _set(measure: Measure, status: str, due: datetime.date | None = None) -> None:
    Measure.objects.filter(pk=measure.pk).update(status=status, due_date=due or measure.due_date)


def test_the_execution_report_counts_statuses_and_lists_overdue_measures(world, region_plan):
    school_plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=[
            {"section_number": "3", "number": "1", "title": "Собеседование с учителями", "responsible": "Зам. по УВР"},
            {"section_number": "3", "number": "2", "title": "Педагогический совет", "responsible": "Директор"},
        ],
    )
    first, second = school_plan.measures.order_by("position")
    _set(first, Status.PLANNED, datetime.date(2020, 1, 10))  # long past: overdue
    _set(second, Status.ACCEPTED)
    content = documents.render(execution_document(world.region, 2026, world.users["region_analyst"]), "docx")
    opened = docx.Document(io.BytesIO(content))
    text = docx_text(content)
    assert "Отчёт об исполнении плана мероприятий" in text
    assert "2 плана" in text and "22 мероприятия" in text  # Russian plurals: 2 plans, 20 + 2 measures
    plans, municipalities, overdue = opened.tables[:3]
    assert len(plans.rows) == 3  # header + the two plans
    names = [row.cells[0].text for row in municipalities.rows[1:]]
    assert names == ["Городской округ Северогорск", "Региональные планы"]
    school_row = [c.text for c in municipalities.rows[1].cells]
    assert school_row[1:3] == ["1", "2"] and school_row[-2] == "50,0" and school_row[-1] == "1"
    overdue_rows = [[c.text for c in row.cells] for row in overdue.rows[1:]]
    # One rule for a measure's number (Measure.full_number): «3.1» from «3» and «1», «I.1.» from «I.» and «1.».
    assert ["3.1", "Собеседование с учителями", "10.01.2020", "Зам. по УВР"] in [r[1:] for r in overdue_rows]
    assert {r[1] for r in overdue_rows} >= {"3.1", "I.1.", "I.2.", "II.2."}  # the seed's dates of 2021 are long past
    assert all("Педагогический совет" not in r for r in overdue_rows)


def test_the_execution_report_shows_only_what_the_user_sees(world, region_plan):
    actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=[{"number": "1", "title": "Собеседование с учителями"}],
    )
    seen = docx_text(documents.render(execution_document(world.region, 2026, world.users["school_admin"]), "docx"))
    assert "1 план" in seen and "Региональные планы" not in seen
    other_year = docx_text(
        documents.render(execution_document(world.region, 2027, world.users["region_analyst"]), "docx")
    )
    assert "0 планов" in other_year


def test_the_execution_report_caps_its_table_of_overdue_measures(world, monkeypatch):
    from objectivity.plans import actions, documents
    from objectivity.plans.documents import execution_document

    monkeypatch.setattr(documents, "OVERDUE_ROWS", 2)
    rows = [{"number": str(n), "title": f"Мероприятие {n}", "deadline_text": "01.10.2025"} for n in range(1, 5)]
    actions.create_plan(by=world.users["region_analyst"], scope=world.school, school_year=2025, measures=rows)
    document = execution_document(world.region, 2025, world.users["region_analyst"])
    capped = [b for b in document.blocks if getattr(b, "caption", "")]
    assert len(capped) == 1 and len(capped[0].rows) == 2  # 4 overdue (due 01.10.2025), 2 shown
    assert "2" in capped[0].caption and "4" in capped[0].caption
