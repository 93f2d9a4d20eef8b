"""Reading a results file (XLSX or CSV) into one all-text frame, keeping spreadsheet line numbers.

The heavy part is a single `polars.read_excel` (calamine) or `polars.read_csv` call; the import's
speed bar is measured against a bare `read_excel` of the same file.
"""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from objectivity.core.bounded import FileLimitError, check_size, check_text_table, read_workbook, read_workbooks
from objectivity.core.tabular import TableFileError, decode_text, sniff_delimiter


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message (Russian) says where and what."""


@dataclass
class RawSheet:
    name: str  # the original file name, for messages
    frame: pl.DataFrame  # all String columns column_0…, no header applied, blank rows kept
    first_line: int  # the spreadsheet line of frame row 0

    def line_of(self, index: int) -> int:
        return self.first_line + index


def read_raw(path: Path, name: str) -> RawSheet:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheet = _read_xlsx(path, name)
    elif suffix in (".csv", ".txt"):
        sheet = _read_csv(path, name)
    else:
        raise FileRejected(
            _("File “%(name)s”: format “%(suffix)s” is not supported; expected .xlsx or .csv")
            % {"name": name, "suffix": suffix or "—"}
        )
    _check_size(sheet)
    return sheet


def read_raw_many(paths: list[Path]) -> Iterator[RawSheet | FileRejected]:
    """read_raw of several files, in order, each when the caller takes it: the workbooks are read ahead, a child
    process per core (each its own limits; on two cores six regional exports take about the time of the slowest
    three), a CSV when its turn comes. A caller that lets each sheet go before taking the next holds one raw
    sheet and the few workbooks read ahead, not every file's text at once (ten national files: 5 GB)."""
    workbooks = [p for p in paths if _is_workbook(p)]
    frames = read_workbooks([(p, p.name) for p in workbooks])
    for path in paths:
        # Yielded straight from the call: a local name would keep this sheet while the next file is read.
        yield _raw_or_rejected(path, next(frames) if _is_workbook(path) else None)


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _raw_or_rejected(path: Path, frame: pl.DataFrame | FileLimitError | None) -> RawSheet | FileRejected:
    """The sheet of a workbook already read (`frame`), else of the file read now; or why it is refused."""
    try:
        if frame is None:
            return read_raw(path, path.name)
        if isinstance(frame, FileLimitError):
            raise FileRejected(str(frame))
        sheet = RawSheet(name=path.name, frame=_all_text(frame), first_line=_first_row_number(path))
        _check_size(sheet)
    except FileRejected as exc:
        return exc
    return sheet


def _check_size(sheet: RawSheet) -> None:
    limit = settings.RESULTS_MAX_ROWS
    if sheet.frame.height == 0:
        raise FileRejected(_("File “%(name)s” is empty") % {"name": sheet.name})
    if sheet.frame.height > limit:
        raise FileRejected(
            _("File “%(name)s” has %(n)s rows; at most %(max)s rows are accepted in one file")
            % {
                "name": sheet.name,
                "n": f"{sheet.frame.height:,}".replace(",", " "),
                "max": f"{limit:,}".replace(",", " "),
            }
        )


def _read_xlsx(path: Path, name: str) -> RawSheet:
    try:
        frame = read_workbook(path, name)  # limits checked, read in a child process
    except FileLimitError as exc:
        raise FileRejected(str(exc)) from exc
    return RawSheet(name=name, frame=_all_text(frame), first_line=_first_row_number(path))


_ROW_TAG = re.compile(rb'<(?:\w+:)?row[^>]*?\br="(\d+)"')


def _first_row_number(path: Path) -> int:
    """Line of the first non-empty row: calamine starts its range there, so leading blank rows vanish."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
            with archive.open(sheets[0]) as stream:
                head = stream.read(1 << 16)
    except (zipfile.BadZipFile, IndexError, KeyError, OSError, RuntimeError, ValueError):
        return 1
    match = _ROW_TAG.search(head)
    return int(match.group(1)) if match else 1


def _read_csv(path: Path, name: str) -> RawSheet:
    try:
        check_size(path, name)
    except FileLimitError as exc:
        raise FileRejected(str(exc)) from exc
    data = _utf8_bytes(path.read_bytes(), name)
    if b"\x00" in data:  # anywhere: a binary file, or text that no spreadsheet can show
        raise FileRejected(_("File “%(name)s” is not a text table") % {"name": name})
    delimiter = sniff_delimiter(data[: 1 << 16].decode("utf-8", errors="ignore"))
    try:
        check_text_table(data, name, delimiter)
    except FileLimitError as exc:
        raise FileRejected(str(exc)) from exc
    try:
        frame = pl.read_csv(
            data,
            separator=delimiter,
            has_header=False,
            infer_schema_length=0,
            truncate_ragged_lines=True,
            # Polars takes the width from the first line: a title line above the header would cut every row to
            # one cell. The widest of the first lines (the header is among them) sets it.
            schema={f"column_{i}": pl.String for i in range(_width(data, delimiter))},
            missing_columns="insert",
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
        raise FileRejected(
            _("File “%(name)s” could not be read as CSV: the lines do not form a table") % {"name": name}
        ) from exc
    return RawSheet(name=name, frame=_all_text(frame), first_line=1)


WIDTH_LINES = 100


def _width(data: bytes, delimiter: str) -> int:
    """Columns of the widest of the first lines (already checked against FILE_LIMITS_MAX_COLUMNS)."""
    mark = delimiter.encode()
    return max(line.count(mark) for line in data[: 1 << 20].split(b"\n", WIDTH_LINES)[:WIDTH_LINES]) + 1


def _utf8_bytes(raw: bytes, name: str) -> bytes:
    """The file as UTF-8 without a BOM; Windows-1251 (Excel's «CSV» in Russian Windows) and UTF-16 with a BOM
    (Excel's «Unicode text») are converted."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        pass
    try:
        return decode_text(raw, name).encode("utf-8")
    except TableFileError as exc:
        raise FileRejected(str(exc)) from exc


def _all_text(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.rename({c: f"column_{i}" for i, c in enumerate(frame.columns)})
    casts = [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t != pl.String]
    return frame.with_columns(casts) if casts else frame
