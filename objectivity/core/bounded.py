"""Reading files that users give us so that no file can take a process down (sizes checked first, workbooks
read in a child process with memory and time limits).

Before reading: the file's size; for a workbook (a zip archive) the unpacked size and the packing ratio of
every part (a 4 MB file can unpack to 4 GB), the number of sheets, and the rows and cells each sheet declares;
for a text table the number of columns of its first line and the number of lines. Each limit is a setting
(FILE_LIMITS_*) and the Russian message names it. Then a workbook is read by objectivity.core.read_child in a
separate process with an address-space limit and a time limit (kept warm between files, one per core): if
the reader panics, runs out of memory or time, only that process ends and the caller gets FileLimitError with a Russian reason. Real ФИС ОКО exports
pack at 8-21 ×, declare their sizes, and have about 40 columns.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import subprocess
import sys
import tempfile
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from objectivity.core import read_child

MB = 1024 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*\bref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


class FileLimitError(Exception):
    """The file breaks a limit or cannot be read; the message (Russian) names the file and what."""


def _mb(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _count(value: int) -> str:
    return f"{value:,}".replace(",", " ")


# ---- checks before reading ---------------------------------------------------------------------------------


def check_size(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size > settings.FILE_LIMITS_MAX_MB * MB:
        raise FileLimitError(
            _("File “%(name)s” is %(size)s MB; at most %(max)s MB are accepted (setting FILE_LIMITS_MAX_MB)")
            % {"name": name, "size": _mb(size / MB), "max": _mb(settings.FILE_LIMITS_MAX_MB)}
        )
    if size == 0:
        raise FileLimitError(_("File “%(name)s” is empty") % {"name": name})


def check_workbook(path: Path, name: str) -> None:
    """Size, unpacked size, packing ratio, sheets and declared dimensions of an .xlsx, before any reader sees it."""
    check_size(path, name)
    check_archive(path, name)


def check_archive(source: Path | IO[bytes], name: str) -> None:
    """check_workbook without the file size, for a workbook already in memory (a small upload)."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
            _check_parts(parts, name)
            sheets = [p for p in parts if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml")]
            if not sheets:
                raise FileLimitError(_("File “%(name)s” has no sheets: it is not an Excel workbook") % {"name": name})
            if len(sheets) > settings.FILE_LIMITS_MAX_SHEETS:
                raise FileLimitError(
                    _("File “%(name)s” has %(n)d sheets; at most %(max)d are accepted (setting FILE_LIMITS_MAX_SHEETS)")
                    % {"name": name, "n": len(sheets), "max": settings.FILE_LIMITS_MAX_SHEETS}
                )
            for sheet in sheets:
                with archive.open(sheet) as stream:
                    _check_dimension(stream.read(1 << 14), name)
    # An encrypted part raises RuntimeError, a damaged one zlib.error or ValueError.
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        EOFError,
        RuntimeError,
        ValueError,
        zlib.error,
    ) as exc:
        raise FileLimitError(
            _("File “%(name)s” is not an Excel workbook (.xlsx) or is damaged") % {"name": name}
        ) from exc


def _check_parts(parts: list[zipfile.ZipInfo], name: str) -> None:
    unpacked = sum(p.file_size for p in parts)
    if unpacked > settings.FILE_LIMITS_MAX_UNPACKED_MB * MB:
        raise FileLimitError(
            _(
                "File “%(name)s” unpacks to %(size)s MB; at most %(max)s MB are accepted "
                "(setting FILE_LIMITS_MAX_UNPACKED_MB)"
            )
            % {"name": name, "size": _mb(unpacked / MB), "max": _mb(settings.FILE_LIMITS_MAX_UNPACKED_MB)}
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MB and ratio > settings.FILE_LIMITS_MAX_RATIO:
            raise FileLimitError(
                _(
                    "File “%(name)s”: its part %(part)s is packed %(ratio)s times; at most %(max)d times is "
                    "accepted (setting FILE_LIMITS_MAX_RATIO): such files are built to exhaust memory"
                )
                % {"name": name, "part": part.filename, "ratio": _mb(ratio), "max": settings.FILE_LIMITS_MAX_RATIO}
            )


def _check_dimension(head: bytes, name: str) -> None:
    """The sheet's declared range (<dimension ref="A1:AN12345"/>), when it declares one."""
    match = _DIMENSION.search(head)
    if not match:
        return
    last_column = (match.group(3) or match.group(1) or b"").decode("ascii")
    last_row = match.group(4) or match.group(2)
    if last_row and int(last_row) > settings.RESULTS_MAX_ROWS + 100:
        raise FileLimitError(
            _("File “%(name)s” has %(n)s rows; at most %(max)s rows are accepted in one file")
            % {"name": name, "n": _count(int(last_row)), "max": _count(settings.RESULTS_MAX_ROWS)}
        )
    # Declared columns lie (a real registry of 3 columns declares 1,023, formatted but empty); a reader may
    # still allocate the declared range, so the range's cells are what is limited.
    cells = int(last_row or 1) * column_number(last_column or "A")
    if cells > settings.FILE_LIMITS_MAX_CELLS:
        raise FileLimitError(
            _(
                "File “%(name)s” declares a range of %(n)s cells; at most %(max)s are accepted "
                "(setting FILE_LIMITS_MAX_CELLS)"
            )
            % {"name": name, "n": _count(cells), "max": _count(settings.FILE_LIMITS_MAX_CELLS)}
        )


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _too_many_columns(name: str, count: int) -> None:
    raise FileLimitError(
        _("File “%(name)s” has %(n)s columns; at most %(max)d are accepted (setting FILE_LIMITS_MAX_COLUMNS)")
        % {"name": name, "n": _count(count), "max": settings.FILE_LIMITS_MAX_COLUMNS}
    )


def check_text_table(data: bytes, name: str, delimiter: str) -> None:
    """Columns of the widest line and the number of lines of a CSV (already UTF-8) before it is parsed: a parser
    makes an object of every field, so one line of millions of delimiters anywhere in the file exhausts memory."""
    mark, limit = delimiter.encode(), settings.FILE_LIMITS_MAX_COLUMNS
    codes = np.frombuffer(data, dtype=np.uint8)
    ends = np.append(np.flatnonzero(codes == ord("\n")), codes.size)
    lengths = np.diff(ends, prepend=-1)
    if lengths.size and int(lengths.max()) >= limit:  # only a line this long can hold `limit` delimiters
        columns = widest_line(codes, ends, mark) + 1
        if columns > limit:
            _too_many_columns(name, columns)
    lines = ends.size - 1
    if lines > settings.RESULTS_MAX_ROWS + 100:
        raise FileLimitError(
            _("File “%(name)s” has %(n)s rows; at most %(max)s rows are accepted in one file")
            % {"name": name, "n": _count(lines), "max": _count(settings.RESULTS_MAX_ROWS)}
        )


def widest_line(codes: np.ndarray, ends: np.ndarray, mark: bytes) -> int:
    """The most `mark` bytes (a one-byte delimiter) on one line (`ends`: the line ends and the end of the data),
    from the positions of the delimiters: a Python loop over 300,000 lines takes a fifth of a second."""
    marks = np.flatnonzero(codes == mark[0])
    per_line = np.diff(np.searchsorted(marks, ends), prepend=0)
    return int(per_line.max()) if per_line.size else 0


# ---- reading in a child process ----------------------------------------------------------------------------


def read_workbook(path: Path, name: str, *, keep_empty_rows: bool = True) -> pl.DataFrame:
    """The first sheet as all-text columns, read by a child process within the memory and time limits."""
    check_workbook(path, name)
    with tempfile.TemporaryDirectory(prefix="objectivity-read-", dir=_scratch()) as folder:
        target = Path(folder) / "sheet.arrow"
        _run_child(path, target, name, keep_empty_rows)
        frame = pl.read_ipc(target)
    if frame.width > settings.FILE_LIMITS_MAX_COLUMNS:
        _too_many_columns(name, frame.width)
    return frame


def read_workbooks(
    items: Sequence[tuple[Path, str]], *, keep_empty_rows: bool = True
) -> Iterator[pl.DataFrame | FileLimitError]:
    """read_workbook of several files, a child per core, each result (a DataFrame or a FileLimitError) in order.
    At most one file per core is read ahead of the caller, so one that lets each frame go holds a few, not all."""

    def one(item: tuple[Path, str]):
        try:
            return read_workbook(item[0], item[1], keep_empty_rows=keep_empty_rows)
        except FileLimitError as exc:
            return exc

    ahead = max(1, min(len(items), os.cpu_count() or 1))
    waiting = iter(items)
    with ThreadPoolExecutor(max_workers=ahead) as pool:
        reading = deque(pool.submit(one, item) for item in islice(waiting, ahead))
        while reading:
            done = reading.popleft().result()
            reading.extend(pool.submit(one, item) for item in islice(waiting, 1))  # read on while the caller works
            yield done
            del done  # let go before waiting for the next file


def _run_child(source: Path, target: Path, name: str, keep_empty_rows: bool) -> None:
    reader = _Reader.take()
    try:
        answer = reader.ask(source, target, keep_empty_rows, settings.FILE_LIMITS_READER_SECONDS)
    except _ReaderGone as exc:
        reader.stop()
        seconds = settings.FILE_LIMITS_READER_SECONDS
        if exc.timed_out:
            raise FileLimitError(
                _("File “%(name)s” was not read within %(s)d s (setting FILE_LIMITS_READER_SECONDS)")
                % {"name": name, "s": seconds}
            ) from exc
        raise FileLimitError(
            _(
                "File “%(name)s” could not be read within %(mb)s MB of memory and %(s)d s (settings "
                "FILE_LIMITS_READER_MEMORY_MB, FILE_LIMITS_READER_SECONDS)"
            )
            % {"name": name, "mb": _mb(settings.FILE_LIMITS_READER_MEMORY_MB), "s": seconds}
        ) from exc
    reader.give_back()
    if answer != read_child.OK or not target.exists():
        raise FileLimitError(_("File “%(name)s” is not an Excel workbook (.xlsx) or is damaged") % {"name": name})


def _scratch() -> str | None:
    """Where the reader hands the sheet over: memory (/dev/shm) when the system has it, else the temp dir."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


class _ReaderGone(Exception):
    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "the reader process ended")
        self.timed_out = timed_out


class _Reader:
    """A warm read_child process with an address-space limit; one request at a time. Idle readers are kept
    (one per core) so that a worker or a web process starts Python and Polars once, not for every file."""

    _idle: list[_Reader] = []
    _lock = threading.Lock()

    def __init__(self) -> None:
        memory = settings.FILE_LIMITS_READER_MEMORY_MB * MB
        self.memory_mb = settings.FILE_LIMITS_READER_MEMORY_MB

        def limit() -> None:  # in the child, before it execs: the kernel enforces it
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

        self.process = subprocess.Popen(  # noqa: S603 (our own module, no shell)
            [sys.executable, "-m", "objectivity.core.read_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=limit,  # noqa: PLW1509 (a setrlimit before exec is what preexec_fn is for)
            text=True,
        )

    @classmethod
    def take(cls) -> _Reader:
        with cls._lock:
            while cls._idle:
                reader = cls._idle.pop()
                if reader.process.poll() is None and reader.memory_mb == settings.FILE_LIMITS_READER_MEMORY_MB:
                    return reader
                reader.stop()
        return cls()

    def give_back(self) -> None:
        with self._lock:
            if len(self._idle) < (os.cpu_count() or 1):
                self._idle.append(self)
                return
        self.stop()

    def ask(self, source: Path, target: Path, keep_empty: bool, seconds: int) -> str:
        request = {"source": str(source), "target": str(target), "keep_empty": keep_empty}
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _ReaderGone(timed_out=False) from exc
        ready, _w, _x = select.select([self.process.stdout], [], [], seconds)
        if not ready:
            raise _ReaderGone(timed_out=True)
        answer = self.process.stdout.readline().strip()
        if not answer:
            raise _ReaderGone(timed_out=False)
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
