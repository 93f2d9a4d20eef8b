"""The documents stack: one content, DOCX and PDF that open in python-docx, pypdf, poppler and LibreOffice and read the
same; Russian typography; charts from Vega-Lite specs, or a sentence where a chart would show one point."""

import io
import re
import subprocess
from datetime import date
from html import unescape

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from pypdf import PdfReader

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


APPROVAL = ["УТВЕРЖДЁН", "приказом министерства образования", "от 15.09.2026 № 1234"]


def _pdf_words(content: bytes, page: int = 1) -> tuple[float, list[tuple[float, str]]]:
    """The width of a page and its words with their left edges, as poppler lays them out (pdftotext -bbox)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=content,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    words = [(float(x), unescape(w)) for x, w in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', html)]
    return width, words


def test_the_approval_block_stands_at_the_top_right_above_the_title():
    document = documents.Document(title="План мероприятий", issuer="Министерство", approval=APPROVAL, blocks=[])
    opened = docx.Document(io.BytesIO(documents.render(document, "docx")))
    assert [p.text for p in opened.paragraphs[:3]] == APPROVAL
    assert {p.alignment for p in opened.paragraphs[:3]} == {WD_ALIGN_PARAGRAPH.RIGHT}
    assert opened.paragraphs[3].text == "План мероприятий"
    assert opened.paragraphs[3].alignment == WD_ALIGN_PARAGRAPH.CENTER

    width, words = _pdf_words(documents.render(document, "pdf"))
    texts = [w for _x, w in words]
    assert texts.index("УТВЕРЖДЁН") < texts.index("План")
    assert dict((w, x) for x, w in words)["УТВЕРЖДЁН"] > width / 2


def test_a_subtitle_breaks_between_words_never_inside_one():
    # Long words that wrap somewhere: with hyphenation one of them was cut («предме‐ тов»).
    for repeats in range(3, 9):
        subtitle = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1 "
        subtitle += "с углублённым изучением " * repeats + "предметов»"
        subtitle += ", 2026/27 учебный год"
        document = documents.Document(title="План", issuer="Орган", subtitle=subtitle, landscape=True, blocks=[])
        words = pdf_text(documents.render(document, "pdf")).split()
        assert all(word in words for word in subtitle.split()), subtitle


def test_a_section_row_never_ends_a_page():
    def rendered(rows: list) -> list[str]:
        document = documents.Document(title="T", issuer="I", blocks=[documents.Table(["№", "Строка"], rows)])
        return [page.extract_text() for page in PdfReader(io.BytesIO(documents.render(document, "pdf"))).pages]

    plain = [[f"{i}", f"строка-{i}"] for i in range(80)]
    fit = rendered(plain)[0].count("строка-")  # rows of one line each that page 1 holds
    # The section row where it would be the last row of page 1: it goes over with the row under it.
    first, second = rendered([*plain[: fit - 1], documents.Section("Раздел второй"), *plain[fit - 1 :]])[:2]
    assert "Раздел второй" not in first
    assert "Раздел второй" in second and f"строка-{fit - 2}" in first
    # In DOCX, Word keeps the section row's paragraph with the next.
    opened = docx.Document(io.BytesIO(documents.render(sample_document(rows=3), "docx")))
    section = opened.tables[0].rows[1].cells[0]
    assert all(p.paragraph_format.keep_with_next for p in section.paragraphs)
    assert not any(p.paragraph_format.keep_with_next for p in opened.tables[0].rows[2].cells[0].paragraphs)
