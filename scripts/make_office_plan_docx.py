"""Build tests/fixtures/plans/office-plan-region.docx: the regional plan (our transcription of seed 003,
objectivity/plans/seeds/region.yaml) laid out as a ministry's office lays such a plan out in Word, for the import's
tests. Run once; the .docx is committed:

    .venv/bin/python scripts/make_office_plan_docx.py

What an office does and this file has: the approval in lines of their own at the top right, the title in bold,
a table whose header says «Сроки исполнения» and «Ответственный исполнитель», a second header row numbering the
columns «1 2 3 4 5», an empty «Отметка о выполнении» column, each section as one cell merged over the whole row
(one written «III.Повышение…» with no space, one with a Cyrillic «І» for the Roman one, as the seed has them),
cells of several paragraphs and of lines broken by Shift+Enter, two empty rows left at the end, and the signature
under the table.
"""

import textwrap
from pathlib import Path

import docx
import yaml
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "objectivity" / "plans" / "seeds" / "region.yaml"
TARGET = ROOT / "tests" / "fixtures" / "plans" / "office-plan-region.docx"
HEADERS = ["№ п/п", "Мероприятие", "Сроки исполнения", "Ответственный исполнитель", "Отметка о выполнении"]
WIDTHS_CM = [1.3, 11.0, 3.0, 6.5, 3.0]


def main() -> None:
    seed = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    document = docx.Document()
    _landscape(document)
    _approval(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(seed["title"]).bold = True
    _table(document, seed["sections"])
    document.add_paragraph()
    document.add_paragraph("Министр образования и науки Амурской области\t\t\t\t____________")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(TARGET))
    print(f"written {TARGET.relative_to(ROOT)}")


def _landscape(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)


def _approval(document) -> None:
    for line in (
        "Приложение",
        "УТВЕРЖДЁН",
        "приказом министерства образования и науки Амурской области",
        "от 15.09.2021 № 1157",
    ):
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(0)


def _table(document, sections: list[dict]) -> None:
    table = document.add_table(rows=2, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for cell, number in zip(table.rows[1].cells, range(1, len(HEADERS) + 1), strict=True):
        cell.text = str(number)
    for index, section in enumerate(sections):
        _section_row(table, _section_heading(index, section))
        for measure in section["measures"]:
            _measure_row(table, measure, broken=index % 2 == 0)
    for _ in range(2):
        table.add_row()
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS_CM, strict=False):
            cell.width = Cm(width)


def _section_heading(index: int, section: dict) -> str:
    if section["number"] == "I.":
        return f"І. {section['title']}"  # the Cyrillic «І», as the seed has it
    if section["number"] == "III.":
        return f"III.{section['title']}"  # no space after the numeral, as the seed has it
    return f"{section['number']} {section['title']}"


def _section_row(table, text: str) -> None:
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    for paragraph in merged.paragraphs[1:]:  # the merge keeps each cell's empty paragraph
        paragraph._p.getparent().remove(paragraph._p)
    merged.paragraphs[0].add_run(text).bold = True


def _measure_row(table, measure: dict, *, broken: bool) -> None:
    """Long cells as several paragraphs (Enter) in even sections, as lines broken by Shift+Enter in odd ones."""
    cells = table.add_row().cells
    values = [measure["number"], measure["title"], measure.get("deadline", ""), measure.get("responsible", ""), ""]
    for cell, value, width in zip(cells, values, (8, 60, 14, 36, 10), strict=True):
        lines = textwrap.wrap(value, width) if value else []
        if broken:
            _paragraphs(cell, lines)
        else:
            _line_breaks(cell, lines)


def _paragraphs(cell, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.add_run(line)


def _line_breaks(cell, lines: list[str]) -> None:
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if i < len(lines) - 1:
            run.add_break()


if __name__ == "__main__":
    main()
