"""The documents stack: one content, DOCX and PDF that open in python-docx, pypdf, poppler and LibreOffice and read the
same; Russian typography; charts from Vega-Lite specs, or a sentence where a chart would show one point."""

import io
from datetime import date

import docx
import pytest

from objectivity.core import documents, typography
from objectivity.core.documents import charts
from tests.opened import docx_text, libreoffice_pdf, pdf_page_count, pdf_text, pdf_to_pngs

NBSP = "\u00a0"
BARS = {
    "width": "container",
    "data": {"values": [{"subject": "Математика", "n": 10235}, {"subject": "Русский язык", "n": 9870}]},
    "mark": "bar",
    "encoding": {"x": {"field": "subject", "type": "nominal"}, "y": {"field": "n", "type": "quantitative"}},
}
ONE_POINT = {**BARS, "data": {"values": [{"subject": "Математика", "n": 3}]}}


def sample_document(rows: int = 40) -> documents.Document:
    table_rows: list = [documents.Section("Северный муниципальный район")]
    table_rows += [[f"МБОУ СОШ № {i}", 10235 + i, 12.5, None] for i in range(rows)]
    return documents.Document(
        title="Перечень ОО с признаками необъективных результатов",
        issuer="Министерство образования Тестовой области",
        subtitle="ВПР 2026 года",
        issued=date(2026, 12, 2),
        stamp="Не является федеральным перечнем",
        blocks=[
            documents.Heading("1. Участие"),
            documents.Paragraph("ВПР писали обучающиеся 4–8 классов."),
            documents.Table(
                ["ОО", "Участники", "Доля, %", "Признаки"], table_rows, caption="Таблица 1", widths=[4, 1, 1, 1]
            ),
            documents.Chart(BARS, "Рисунок 1. Участники по предметам"),
            documents.Chart(ONE_POINT, "Рисунок 2. Одна точка"),
            documents.PageBreak(),
            documents.Heading("2. Выводы", level=2),
            documents.Paragraph("Источник: ФИС ОКО.", note=True),
        ],
        signatures=[documents.Signature("Министр образования", "И. И. Иванов")],
    )


def test_typography_writes_numbers_percents_dates_and_thresholds_as_russian_text_does():
    assert typography.number(10235) == f"10{NBSP}235"
    assert typography.number(1000) == "1000"  # four digits stay whole
    assert typography.number(1234567.25, 1) == f"1{NBSP}234{NBSP}567,3"  # half up
    assert typography.number(-0.04, 1) == "0,0"
    assert typography.percent(12.5) == f"12,5{NBSP}%"
    assert typography.threshold(0.6666666666666666) == "0,667"
    assert typography.threshold(0.1 + 0.2) == "0,3"
    assert typography.threshold(2.5758) == "2,58"
    assert typography.threshold(15) == "15"
    assert typography.ru_date(date(2026, 12, 2)) == f"2 декабря 2026{NBSP}г."


def test_a_chart_needs_two_points_to_be_drawn():
    assert charts.drawable(BARS)
    assert not charts.drawable(ONE_POINT)
    assert not charts.drawable({**BARS, "data": {"values": []}})
    assert charts.drawable({**BARS, "data": {"url": "x.json"}})  # cannot tell: drawn
    assert charts.points({"layer": [BARS, ONE_POINT]}) == 3


def test_a_printed_chart_has_a_fixed_width_and_russian_numbers():
    svg = charts.to_svg(BARS)
    assert svg.startswith("<svg")
    assert f"10{NBSP}000" in svg  # the axis: d3's ru-RU locale groups thousands
    assert BARS["width"] == "container"  # the page's spec is not changed


def test_docx_has_the_title_the_table_in_typography_the_running_header_and_page_numbers():
    content = documents.render(sample_document(), "docx")
    text = docx_text(content)
    for expected in (
        "Перечень ОО с признаками",
        "Не является федеральным перечнем",
        f"2 декабря 2026{NBSP}г.",
        "Северный муниципальный район",
        f"10{NBSP}235",
        "12,5",
        "—",
        "Министр образования",
        "Рисунок 1. Участники по предметам",
        "Рисунок 2. Одна точка. Данных для диаграммы недостаточно.",
    ):
        assert expected in text, expected
    opened = docx.Document(io.BytesIO(content))
    section = opened.sections[0]
    assert section.header.paragraphs[0].text == "Министерство образования Тестовой области"
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert len(opened.inline_shapes) == 1  # the one chart with two points; the other is a sentence
    table = opened.tables[0]
    assert table.rows[1].cells[0].text == table.rows[1].cells[-1].text == "Северный муниципальный район"  # merged
    assert 'w:tblHeader w:val="true"' in table.rows[0]._tr.xml


def test_pdf_reads_the_same_and_renders_every_page(tmp_path):
    content = documents.render(sample_document(rows=80), "pdf")
    text = pdf_text(content)
    for expected in (
        "Перечень ОО с признаками",
        "Министерство образования Тестовой области",
        "Стр. 1 из",
        "Северный муниципальный район",
        "12,5",
        "Рисунок 1. Участники по предметам",
        "Данных для диаграммы недостаточно",
    ):
        assert expected in text, expected
    pages = pdf_page_count(content)
    assert pages >= 3  # 80 rows, a chart and a page break
    assert f"Стр. {pages} из {pages}" in text
    pngs = pdf_to_pngs(content, tmp_path)
    assert len(pngs) == pages and all(p.stat().st_size > 1000 for p in pngs)


@pytest.mark.slow
def test_libreoffice_opens_the_docx_and_shows_its_text():
    converted = libreoffice_pdf(documents.render(sample_document(), "docx"))
    text = pdf_text(converted)
    assert "Перечень ОО с признаками" in text and "Министр образования" in text
    assert "Стр. 1 из" in text  # the page fields are filled in


def test_an_empty_table_says_so_and_a_landscape_document_is_wider():
    document = documents.Document(
        title="Пусто",
        issuer="Орган",
        blocks=[documents.Table(["A"], [], empty_text="В перечне нет ОО.")],
        landscape=True,
    )
    assert "В перечне нет ОО." in docx_text(documents.render(document, "docx"))
    section = docx.Document(io.BytesIO(documents.render(document, "docx"))).sections[0]
    assert section.page_width > section.page_height
    assert "В перечне нет ОО." in pdf_text(documents.render(document, "pdf"))


def test_a_download_names_the_file_in_cyrillic():
    response = documents.response(sample_document(rows=2), "docx", "перечень-2026")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "filename*=UTF-8''%D0%BF%D0%B5%D1%80" in response["Content-Disposition"]
