"""A plan of measures read from a table in a Word document (.docx) or an Excel workbook (.xlsx): rows for
`actions.create_plan(measures=...)`, keyed as `actions.MEASURE_FIELDS`.

It reads our own exports (`plans.documents`: the DOCX table and the workbook) and tables as offices lay plans out:
columns recognised by the words of their headers (№, мероприятие, сроки, ответственные / исполнители, результат /
форма отчёта / отметка, участники; any case), a second header row of column numbers «1 2 3 4 5» skipped, a
section as a row whose one cell spans the row from the number or the measure column to the last one («1. Меры по
повышению компетентности…»), or as a Roman numeral in the number column with nothing but a title; cells of several
paragraphs or line breaks joined (a line that goes on with a small letter or after a comma joins with a space, a
new sentence or a list item keeps its own line); empty rows and rows holding only a number skipped.

Anything the reader cannot take raises PlanFileError with a Russian message naming the file, the table or sheet,
the row and the column, the value and what was expected; nothing is created from a file with such a row. The file
is checked before it is opened: its size and, for the zip archive both formats are, the unpacked size and packing
ratio (objectivity.core.bounded for a workbook). Plans are small, so the limits here are smaller than for results.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from objectivity.core import bounded
from objectivity.plans.documents import PARTICIPANTS_PREFIX, REPORT_FORM_PREFIX
from objectivity.plans.models import Measure

MAX_FILE_MB = 10  # a plan of a hundred measures is some 50 KB; a scanned seal may add a few MB to a .docx
MAX_UNPACKED_MB = 50
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # the header is within the first rows of a table (a sheet may have a title above it)
EMPTY_MARKS = {"", "-", "—", "–"}  # what a table shows for no value (our documents write «—»)

# The fields a row gives, with the model's length limits, so that a long cell is reported at its row.
FIELDS = (
    "section_number",
    "section_title",
    "number",
    "title",
    "deadline_text",
    "responsible",
    "participants",
    "result",
    "report_form",
)
MEASURE_VALUES = ("deadline_text", "responsible", "participants", "result", "report_form")


class PlanFileError(ValueError):
    """A plan file that cannot be read; the message (Russian) says where and what."""


# ---- entry point -------------------------------------------------------------------------------------------


def read_plan_file(file: str | Path | IO[bytes], name: str) -> list[dict]:
    """The measures of the plan in `file` (a path or a binary file object), in order, as rows for
    `actions.create_plan`; `name` is the file's name for messages."""
    content = _content(file, name)
    kind = _kind(content, name)
    tables = _docx_tables(content, name) if kind == "docx" else _xlsx_sheets(content, name)
    return _measures_of(tables, name)


def _content(file: str | Path | IO[bytes], name: str) -> bytes:
    limit = MAX_FILE_MB * bounded.MB
    if isinstance(file, str | Path):
        path = Path(file)
        try:
            bounded.check_size(path, name)
        except bounded.FileLimitError as exc:
            raise PlanFileError(str(exc)) from exc
        except OSError as exc:
            raise PlanFileError(
                _("File “%(name)s” cannot be opened: %(error)s") % {"name": name, "error": exc}
            ) from exc
        size = path.stat().st_size
        if size > limit:
            _too_big(name, size)
        return path.read_bytes()
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        _too_big(name, getattr(file, "size", len(content)))
    if not content:
        raise PlanFileError(_("File “%(name)s” is empty") % {"name": name})
    return content


def _too_big(name: str, size: int) -> None:
    raise PlanFileError(
        _("File “%(name)s” is %(size)s MB; a plan file may be at most %(max)s MB")
        % {"name": name, "size": f"{size / bounded.MB:.1f}".replace(".", ","), "max": MAX_FILE_MB}
    )


def _kind(content: bytes, name: str) -> str:
    """ "docx" or "xlsx", read from the content (the name may lie); the archive checked before any reader opens it."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE container of .doc and .xls
        raise PlanFileError(
            _("File “%(name)s” is an old Word or Excel file (.doc, .xls): save it as .docx or .xlsx and load it again")
            % {"name": name}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_a_plan_file(name) from exc
    _check_unpacked(parts, name)
    names = {part.filename for part in parts}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        try:
            bounded.check_archive(io.BytesIO(content), name)
        except bounded.FileLimitError as exc:
            raise PlanFileError(str(exc)) from exc
        return "xlsx"
    raise _not_a_plan_file(name)


def _not_a_plan_file(name: str) -> PlanFileError:
    return PlanFileError(
        _("File “%(name)s” is neither a Word document (.docx) nor an Excel workbook (.xlsx)") % {"name": name}
    )


def _check_unpacked(parts: list[zipfile.ZipInfo], name: str) -> None:
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_MB * bounded.MB:
        raise PlanFileError(
            _("File “%(name)s” unpacks to %(size)s MB; a plan file may unpack to at most %(max)s MB")
            % {"name": name, "size": f"{unpacked / bounded.MB:.0f}", "max": MAX_UNPACKED_MB}
        )


# ---- the tables of a file, as text -------------------------------------------------------------------------


@dataclass
class Row:
    line: int  # 1-based, as the user counts rows of the table or sheet
    texts: list[list[str]]  # per column: the cell's lines (paragraphs and line breaks), stripped
    spans: list[tuple[int, int]]  # merged cells across columns: (first, last) column, 0-based

    def text(self, column: int | None) -> list[str]:
        if column is None or column >= len(self.texts):
            return []
        return self.texts[column]

    @property
    def empty(self) -> bool:
        return not any(lines for lines in self.texts)

    def repeats(self, column: int) -> bool:
        """The column is a later part of a merged cell (its text is the first part's)."""
        return any(first < column <= last for first, last in self.spans)


@dataclass
class Grid:
    where: str  # «таблица 2», «лист «План»»
    rows: list[Row]


def _lines(text: str) -> list[str]:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").replace("\v", "\n").split("\n")]
    lines = [line for line in lines if line]
    return [] if len(lines) == 1 and lines[0] in EMPTY_MARKS else lines


def _docx_tables(content: bytes, name: str) -> list[Grid]:
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises several types for a damaged package
        raise PlanFileError(
            _("File “%(name)s” could not be read as a Word document (.docx): it is damaged") % {"name": name}
        ) from exc
    if not document.tables:
        raise PlanFileError(
            _("File “%(name)s” has no tables; expected the plan as a table with a column «Мероприятие»")
            % {"name": name}
        )
    try:
        return [
            Grid(where=_("table %(n)d") % {"n": number}, rows=[_docx_row(row, line) for line, row in _rows_of(table)])
            for number, table in enumerate(document.tables, start=1)
        ]
    except (IndexError, ValueError, AttributeError) as exc:  # a table whose rows and grid do not agree
        raise PlanFileError(
            _("File “%(name)s”: a table of the document is damaged and cannot be read") % {"name": name}
        ) from exc


def _rows_of(table) -> Iterable[tuple[int, Any]]:
    for line, row in enumerate(table.rows, start=1):
        if line > MAX_ROWS:
            return
        yield line, row


def _docx_row(row, line: int) -> Row:
    cells = row.cells  # one per grid column: a merged cell repeats (the same <w:tc>)
    elements = [cell._tc for cell in cells]
    spans, start = [], 0
    for i in range(1, len(elements) + 1):
        if i == len(elements) or elements[i] is not elements[start]:
            if i - 1 > start:
                spans.append((start, i - 1))
            start = i
    texts: list[list[str]] = []
    for i, cell in enumerate(cells):
        same = i > 0 and elements[i] is elements[i - 1]
        texts.append(texts[-1] if same else _lines("\n".join(p.text for p in cell.paragraphs)))
    return Row(line=line, texts=texts, spans=spans)


def _xlsx_sheets(content: bytes, name: str) -> list[Grid]:
    import openpyxl

    try:
        # Not read-only: the merged cells (a section's row) are known only to a full load; the archive's limits
        # above keep it small.
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:  # openpyxl raises several types for files that are not workbooks
        raise PlanFileError(
            _("File “%(name)s” could not be read as an Excel workbook (.xlsx): it is damaged") % {"name": name}
        ) from exc
    return [_xlsx_grid(sheet) for sheet in book.worksheets]


def _xlsx_grid(sheet) -> Grid:
    spans: dict[int, list[tuple[int, int]]] = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_col > merged.min_col:
            spans.setdefault(merged.min_row, []).append((merged.min_col - 1, merged.max_col - 1))
    width = min(sheet.max_column, 100)
    rows = []
    for line, values in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
        if line > MAX_ROWS:
            break
        rows.append(Row(line=line, texts=[_lines(_cell_text(value)) for value in values], spans=spans.get(line, [])))
    return Grid(where=_("sheet «%(sheet)s»") % {"sheet": sheet.title}, rows=rows)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%d.%m.%Y}" if value.time() == datetime.time() else f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- columns -----------------------------------------------------------------------------------------------


def column_role(header: str) -> str | None:
    """The field a column holds, from the words of its header; None for a column the plan does not keep."""
    text = " ".join(header.lower().replace("ё", "е").split())
    if "расчетн" in text or text == "просрочено":  # what our export computes: never read back
        return None
    rules = (
        ("раздел" in text, "section_number" if ("номер" in text or "№" in text) else "section_title"),
        ("мероприяти" in text, "title"),
        ("срок" in text, "deadline_text"),
        ("ответствен" in text or "исполнител" in text, "responsible"),
        ("участник" in text, "participants"),
        ("результат" in text or "отметк" in text, "result"),
        ("форма отч" in text, "report_form"),
        ("статус" in text, "status"),
        ("№" in text or "п/п" in text or text in ("номер", "n", "no"), "number"),
    )
    return next((role for matches, role in rules if matches), None)


@dataclass
class Columns:
    roles: dict[str, list[int]]  # field → columns (two «Ответственные» columns are joined)
    headers: list[str]

    def of(self, field: str) -> int | None:
        found = self.roles.get(field)
        return found[0] if found else None

    def header(self, field: str) -> str:
        column = self.of(field)
        if column is not None:
            return self.headers[column]
        return str(getattr(Measure._meta.get_field(field), "verbose_name", field))

    @property
    def last(self) -> int:
        """The table's last column: the last with a header."""
        return max((i for i, header in enumerate(self.headers) if header), default=0)


def _columns(row: Row) -> Columns:
    headers = [" ".join(lines) for lines in row.texts]
    roles: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        role = column_role(header)
        if role is not None and not row.repeats(i):
            roles.setdefault(role, []).append(i)
    return Columns(roles=roles, headers=headers)


def _header(grid: Grid) -> tuple[int, Columns] | None:
    for index, row in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        columns = _columns(row)
        if "title" in columns.roles and len(columns.roles) >= 2:  # not a title «План мероприятий …» above it
            return index, columns
    return None


# ---- rows to measures --------------------------------------------------------------------------------------


def _measures_of(grids: Sequence[Grid], name: str) -> list[dict]:
    for grid in grids:
        found = _header(grid)
        if found is not None:
            index, columns = found
            return _read_table(grid, grid.rows[index + 1 :], columns, name)
    first = next((g for g in grids if g.rows), None)
    headers = ", ".join(f"«{h}»" for h in (_columns(first.rows[0]).headers if first else []) if h) or "—"
    raise PlanFileError(
        _(
            "File “%(name)s”: no table has a column «Мероприятие» in its first %(rows)d rows (tables and sheets: "
            "%(count)d; the first row of the first: %(headers)s); expected a header row with «№», «Мероприятие», "
            "«Сроки», «Ответственные»"
        )
        % {"name": name, "rows": HEADER_SEARCH_ROWS, "count": len(grids), "headers": headers}
    )


def _read_table(grid: Grid, rows: list[Row], columns: Columns, name: str) -> list[dict]:
    section = {"section_number": "", "section_title": ""}
    measures: list[dict] = []
    for row in rows:
        if row.empty or _is_column_numbers(row) or _columns(row).roles == columns.roles:
            continue
        heading = _section_of(row, columns)
        if heading is not None:
            section = {"section_number": heading[0], "section_title": heading[1]}
            _check_lengths(section, row, columns, grid, name)
            continue
        measure = _measure_of(row, columns, grid, name)
        if measure is not None:
            measures.append(section | measure)
    if not measures:
        raise PlanFileError(
            _("File “%(name)s”, %(where)s: the table has a header but no measures under it")
            % {"name": name, "where": grid.where}
        )
    return measures


def _is_column_numbers(row: Row) -> bool:
    """A row «1 2 3 4 5» under the header, as forms number their columns."""
    values = [" ".join(lines) for i, lines in enumerate(row.texts) if lines and not row.repeats(i)]
    if len(values) < 2 or not all(value.isdigit() for value in values):
        return False
    numbers = [int(value) for value in values]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


_SECTION_HEADING = re.compile(
    r"^(?:(?P<dotted>[IVXLCDM]+\.|\d+(?:\.\d+)*\.(?!\d))\s*|(?P<bare>[IVXLCDM]+|\d+(?:\.\d+)*)\s+)(?P<rest>\S.*)$",
    re.S,
)
_ROMAN = re.compile(r"^[IVXLCDM]+\.?$")


def split_section_heading(text: str) -> tuple[str, str]:
    """«III.Повышение компетентности…» → («III.», «Повышение компетентности…»); a Cyrillic «І» read as a Roman one."""
    text = re.sub(r"^[IVXLCDMІ]+(?=[.\s])", lambda m: m.group().replace("І", "I"), text.strip())
    match = _SECTION_HEADING.match(text)
    if not match:
        return ("", text) if not re.fullmatch(r"[IVXLCDM]+\.?|\d+(?:\.\d+)*\.?", text) else (text, "")
    return match.group("dotted") or match.group("bare"), match.group("rest")


def _section_of(row: Row, columns: Columns) -> tuple[str, str] | None:
    """(number, title) when the row is a section's heading, else None."""
    title_column = columns.of("title")
    assert title_column is not None
    for first, last in row.spans:
        if first <= title_column and last >= columns.last:
            before = [" ".join(row.texts[i]) for i in range(first) if row.texts[i]]
            text = join_lines(row.texts[first])
            if len(before) == 1 and text:
                return before[0], text
            if not before and text:
                return split_section_heading(text)
    number = " ".join(row.text(columns.of("number"))).replace("І", "I")
    others = any(row.text(column) for field in MEASURE_VALUES for column in columns.roles.get(field, []))
    if _ROMAN.match(number) and row.text(title_column) and not others:
        return number, join_lines(row.text(title_column))
    return None


def _measure_of(row: Row, columns: Columns, grid: Grid, name: str) -> dict | None:
    values = {field: _field(row, columns, field) for field in FIELDS if field in columns.roles}
    values.setdefault("title", "")
    values["result"], values["report_form"] = _split_line(
        values.get("result", ""), REPORT_FORM_PREFIX, values.get("report_form", "")
    )
    values["responsible"], values["participants"] = _split_line(
        values.get("responsible", ""), PARTICIPANTS_PREFIX, values.get("participants", "")
    )
    if not values.get("title"):
        filled = next(((f, values[f]) for f in MEASURE_VALUES if values.get(f)), None)
        if filled is None:
            return None  # a numbered but empty row, as forms leave at the end
        raise PlanFileError(
            _(
                "File “%(name)s”, %(where)s, row %(row)d, column «%(column)s»: the cell is empty, but the row has "
                "%(what)s «%(value)s»; expected the title of the measure"
            )
            % {
                "name": name,
                "where": grid.where,
                "row": row.line,
                "column": columns.header("title"),
                "what": columns.header(filled[0]),
                "value": _short(filled[1]),
            }
        )
    _check_lengths(values, row, columns, grid, name)
    return {field: values.get(field, "") for field in FIELDS if field in values or not field.startswith("section_")}


def _field(row: Row, columns: Columns, field: str) -> Any:
    parts = [row.text(column) for column in columns.roles.get(field, [])]
    if field in ("result", "responsible"):
        return [line for lines in parts for line in lines]  # kept as lines until the prefixed line is split off
    return "\n".join(join_lines(lines) for lines in parts if lines)


def _split_line(lines: list[str] | str, prefix: str, own: str) -> tuple[str, str]:
    """The cell's lines without the one starting with `prefix` (our documents write the participants and the form of
    report so), and that line's value unless the table has a column of its own for it."""
    if isinstance(lines, str):
        lines = lines.split("\n") if lines else []
    at = next((i for i, line in enumerate(lines) if line.lower().startswith(prefix.lower())), None)
    if at is None:
        return join_lines(lines), own
    extra = join_lines([lines[at][len(prefix) :].strip(), *lines[at + 1 :]])
    return join_lines(lines[:at]), own or extra


_LIST_ITEM = re.compile(r"^(?:[-–—•·*▪]\s|\d+[.)]\s)")


def join_lines(lines: Sequence[str]) -> str:
    """A cell's lines as one value: a line that goes on (a small letter, or after a comma or no stop) joins with a
    space; a new sentence after a stop, or a list item («- …», «1) …»), keeps its own line."""
    out = ""
    for line in (" ".join(line.split()) for line in lines):
        if not line:
            continue
        if not out:
            out = line
        elif _LIST_ITEM.match(line) or (out[-1] in ".;:!?" and line[0].isupper()):
            out += "\n" + line
        else:
            out += " " + line
    return out


def _check_lengths(values: dict, row: Row, columns: Columns, grid: Grid, name: str) -> None:
    for field, value in values.items():
        limit = getattr(Measure._meta.get_field(field), "max_length", None)
        if value and limit and len(value) > limit:
            raise PlanFileError(
                _(
                    "File “%(name)s”, %(where)s, row %(row)d, column «%(column)s»: %(length)d characters "
                    "(«%(value)s»); at most %(max)d are accepted"
                )
                % {
                    "name": name,
                    "where": grid.where,
                    "row": row.line,
                    "column": columns.header(field),
                    "length": len(value),
                    "value": _short(value),
                    "max": limit,
                }
            )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:59] + "…"
