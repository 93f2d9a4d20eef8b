"""XLSX writing for every table a user sees: Russian headers, frozen header row, filters, widths."""

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells hold what users typed (names, file names, imported values): text starting with "=" must not
# become a live formula, nor "http://…" a link, in the file someone opens. Numbers stay numbers.
TEXT_STAYS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def write_table(headers: Sequence[str], rows: Iterable[Sequence], sheet: str = "Данные") -> bytes:
    return write_sheets([(sheet, headers, rows)])


def write_sheets(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A workbook of several tables, one per sheet: (sheet name, headers, rows)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, **TEXT_STAYS_TEXT})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "valign": "top"})
    for name, headers, rows in sheets:
        _write_sheet(book.add_worksheet(name[:31]), head, headers, rows)
    book.close()
    return buffer.getvalue()


def _write_sheet(ws, head, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    widths = [max(10, min(60, len(str(h)) + 2)) for h in headers]
    ws.write_row(0, 0, [str(h) for h in headers], head)
    count = 0
    for count, row in enumerate(rows, start=1):
        values = [_cell(v) for v in row]
        ws.write_row(count, 0, values)
        if count <= 200:  # widths from the first rows are enough and keep this fast
            for i, value in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], min(60, len(str(value)) + 2))
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(count, 1), max(len(headers) - 1, 0))


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (int, float)):
        return value
    return str(value)


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
