"""Reading user tables (CSV in UTF-8, cp1251 or UTF-16 with a BOM, with any usual delimiter, or XLSX) as rows
of text. A table needs a header and at least one row under it."""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from objectivity.core.bounded import FileLimitError, check_size, check_text_table, read_workbook

MAX_ROWS = 200_000
LOGIN_LIKE = re.compile(r"^[A-Za-z]{2,5}[0-9]{4,8}$")  # a school's login: no column's name, so no header


class TableFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class RawTable:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the spreadsheet row number of each row, blank rows counted
    header_line: int = 1  # the spreadsheet row number of the header (the first row that is not blank)


def column_letters(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 → A, 26 → AA."""
    letters, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_table(path: Path, original_name: str) -> RawTable:
    suffix = Path(original_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        cells = _read_xlsx(path, original_name)
    elif suffix in (".csv", ".txt"):
        cells = _read_csv(path, original_name)
    else:
        raise TableFileError(
            _("File “%(name)s”: format “%(suffix)s” is not supported; expected .xlsx or .csv")
            % {"name": original_name, "suffix": suffix or "—"}
        )
    numbered = [(line, row) for line, row in enumerate(cells, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise TableFileError(_("File “%(name)s” is empty") % {"name": original_name})
    if len(numbered) == 1:
        raise TableFileError(
            _("File “%(name)s”, row %(row)d: a header and no rows under it")
            % {"name": original_name, "row": numbered[0][0]}
        )
    if len(numbered) - 1 > MAX_ROWS:
        raise TableFileError(
            _("File “%(name)s” has %(n)d rows; at most %(max)d are accepted")
            % {"name": original_name, "n": len(numbered) - 1, "max": MAX_ROWS}
        )
    header = [h.strip() for h in numbered[0][1]]
    if login := next((h for h in header if LOGIN_LIKE.match(h)), None):
        raise TableFileError(
            _(
                "File “%(name)s”, row %(row)d: the first row holds data («%(value)s»), not column names: add a header row"
            )
            % {"name": original_name, "row": numbered[0][0], "value": login}
        )
    width = len(header)
    rows = [(row + [""] * width)[:width] for _line, row in numbered[1:]]
    return RawTable(header=header, rows=rows, lines=[line for line, _row in numbered[1:]], header_line=numbered[0][0])


def _read_xlsx(path: Path, name: str) -> list[list[str]]:
    try:
        frame = read_workbook(path, name, keep_empty_rows=False)  # limits checked, read in a child process
    except FileLimitError as exc:
        raise TableFileError(str(exc)) from exc
    return [[("" if v is None else str(v)) for v in row] for row in frame.rows()]


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's «Unicode text» is UTF-16 with a BOM, tab-separated


def decode_text(raw: bytes, name: str) -> str:
    if raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16")  # the BOM gives the byte order and is dropped
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(_("File “%(name)s”: the encoding is neither UTF-8 nor Windows-1251") % {"name": name})


SNIFF_LINES = 20


def sniff_delimiter(text: str) -> str:
    """The usual delimiter that splits the first lines most: a title line above the header (a school export saved
    as CSV) has none, and a row or two with another delimiter does not outvote the rest."""
    lines = text[: 1 << 16].split("\n", SNIFF_LINES)[:SNIFF_LINES]
    counts = {d: sum(line.count(d) for line in lines) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(path: Path, name: str) -> list[list[str]]:
    try:
        check_size(path, name)
        text = decode_text(path.read_bytes(), name)
        if "\x00" in text:
            raise TableFileError(_("File “%(name)s” is not a text table") % {"name": name})
        delimiter = sniff_delimiter(text)
        check_text_table(text.encode("utf-8"), name, delimiter)
    except FileLimitError as exc:
        raise TableFileError(str(exc)) from exc
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableFileError(
            _("File “%(name)s” could not be read as CSV: the lines do not form a table") % {"name": name}
        ) from exc
