"""A Document as DOCX (python-docx): A4, Times New Roman as official documents are set, the issuing body in the
running header, «Стр. N из M» in the footer, tables whose header row repeats on every page."""

import io
from collections.abc import Callable
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from objectivity.core.documents import charts
from objectivity.core.documents.content import Chart, Document, Heading, PageBreak, Paragraph, Section, Table

FONT = "Times New Roman"  # LibreOffice shows it with the metric-compatible Liberation Serif
BODY_PT, TABLE_PT, SMALL_PT = 12, 10, 9


def write_docx(document: Document) -> bytes:
    docx = new_docx()
    _page(docx, document.landscape)
    _styles(docx)
    _header_and_footer(docx, document.issuer)
    _approval(docx, document.approval)
    _title(docx, document)
    for block in document.blocks:
        _BLOCK_WRITERS[type(block)](docx, block)
    _signatures(docx, document)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def _page(docx, landscape: bool) -> None:
    section = docx.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)


def _styles(docx) -> None:
    normal = docx.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(4)
    docx.styles["Footer"].font.size = docx.styles["Header"].font.size = Pt(SMALL_PT)
    for name, size in (("Heading 1", 14), ("Heading 2", 12)):
        style = docx.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.color.rgb = None
        style.element.rPr.rFonts.set(qn("w:asciiTheme"), "")  # the theme's Calibri Light would win over the name


def _header_and_footer(docx, issuer: str) -> None:
    section = docx.sections[0]
    head = section.header.paragraphs[0]
    head.text = issuer
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    head.runs[0].font.size = Pt(SMALL_PT)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("Стр. ", "PAGE"), (" из ", "NUMPAGES")):
        foot.add_run(text).font.size = Pt(SMALL_PT)
        _field(foot, field)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader fills in; «1» is shown until it does."""
    run = paragraph.add_run()
    run.font.size = Pt(SMALL_PT)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = f" {code} "
    shown = OxmlElement("w:t")
    shown.text = "1"
    for element in (_field_char("begin"), instruction, _field_char("separate"), shown, _field_char("end")):
        run._r.append(element)


def _field_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def _approval(docx, lines: list[str]) -> None:
    """The approval block at the top right, one paragraph a line, set apart from the title below it."""
    for i, line in enumerate(lines):
        paragraph = docx.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(12 if i == len(lines) - 1 else 0)


def _title(docx, document: Document) -> None:
    title = docx.add_paragraph()  # not Word's «Title» style: its theme colour and rule look out of place in a report
    run = title.add_run(document.title)
    run.bold, run.font.size = True, Pt(16)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line, italic in ((document.subtitle, False), (document.stamp, True), (document.issued_text, False)):
        if line:
            paragraph = docx.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(line).italic = italic


def _heading(docx, block: Heading) -> None:
    docx.add_heading(block.text, level=min(max(block.level, 1), 2))


def _paragraph(docx, block: Paragraph) -> None:
    paragraph = docx.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.note:
        run.italic, run.font.size = True, Pt(SMALL_PT + 1)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _table(docx, block: Table) -> None:
    if block.caption:
        docx.add_paragraph().add_run(block.caption).bold = True
    if not block.rows:
        _paragraph(docx, Paragraph(block.empty_text, note=True))
        return
    table = docx.add_table(rows=1, cols=len(block.headers))
    table.style, table.alignment = "Table Grid", WD_TABLE_ALIGNMENT.CENTER
    _header_row(table, block.headers)
    numeric = block.numeric_columns()
    for row in block.text_rows():
        _section_row(table, row.text) if isinstance(row, Section) else _data_row(table, row, numeric)
    _widths(docx, table, block)
    docx.add_paragraph()


def _header_row(table, headers: list[str]) -> None:
    cells = table.rows[0].cells
    for cell, text in zip(cells, headers, strict=True):
        _cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row again on every page the table spans
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


def _data_row(table, texts: list[str], numeric: set[int]) -> None:
    for i, (cell, text) in enumerate(zip(table.add_row().cells, texts, strict=True)):
        _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None)


def _section_row(table, text: str) -> None:
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    _cell_text(merged, text, bold=True)
    for paragraph in merged.paragraphs:  # a section's heading never ends a page without a row of it below
        paragraph.paragraph_format.keep_with_next = True


def _cell_text(cell, text: str, *, bold: bool = False, align=None) -> None:
    """Multi-line cell text as separate paragraphs (a line break in a cell reads as one in Word)."""
    first, *rest = text.split("\n")
    paragraphs = [cell.paragraphs[0]] + [cell.add_paragraph() for _ in rest]
    for paragraph, line in zip(paragraphs, [first, *rest], strict=True):
        run = paragraph.add_run(line)
        run.bold, run.font.size = bold, Pt(TABLE_PT)
        paragraph.paragraph_format.space_after = Pt(0)
        if align is not None:
            paragraph.alignment = align


def _widths(docx, table, block: Table) -> None:
    section = docx.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    weights = block.widths or [1.0] * len(block.headers)
    total = sum(weights)
    table.autofit = False
    for column, weight in zip(table.columns, weights, strict=False):
        column.width = int(usable * weight / total)  # the grid LibreOffice lays out by
    for row in table.rows:
        for cell, weight in zip(row.cells, weights, strict=False):
            cell.width = int(usable * weight / total)


def _chart(docx, block: Chart) -> None:
    if not charts.drawable(block.spec):
        _paragraph(docx, Paragraph(f"{block.caption}. {block.empty_text}", note=True))
        return
    section = docx.sections[0]
    width = min(Cm(16), section.page_width - section.left_margin - section.right_margin)
    docx.add_picture(io.BytesIO(charts.to_png(block.spec)), width=width)
    docx.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = docx.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.add_run(block.caption).italic = True


def _page_break(docx, block: PageBreak) -> None:
    docx.add_page_break()


def _signatures(docx, document: Document) -> None:
    for signature in document.signatures:
        table = docx.add_table(rows=1, cols=3)
        texts = (signature.position, "_" * 20, signature.name)
        for cell, text in zip(table.rows[0].cells, texts, strict=True):
            _cell_text(cell, text)


_BLOCK_WRITERS: dict[type, Callable[[Any, Any], None]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Table: _table,
    Chart: _chart,
    PageBreak: _page_break,
}
