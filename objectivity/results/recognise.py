"""Recognising which results file this is, where its header is, and what each column means.

Layouts (FORMATS.md §1-2 in the project notes; docs/guide.md for users):
- regional «Проведение работы …»: header on the first row, «логин школы … балл за 1 … балл за K»;
- school «Индивидуальные результаты»: a title line, a school line, a row of levels Б/П, then a header
  with one column per task headed «N (Mб)» and «Первичный балл, Отметка, Отметка по журналу»;
- short autumn CSV: `user, otc, sum` (login, journal mark, primary score);
- ОГЭ/ЕГЭ per pupil: «логин ОО», «код участника», «первичный балл», optional «отметка».
The header is found by its labels, not by position, so extra title lines or columns do not matter.
"""

import re
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import REGIONAL_LEADING
from objectivity.core.tabular import column_letters
from objectivity.results.models import ImportKind
from objectivity.results.readers import FileRejected, RawSheet

HEADER_SEARCH_ROWS = 15

# Plausible bounds of scores, for works whose maxima are not known (no reference data, no «N (Mб)» headers):
# a value above them is impossible for any work these layouts carry, so the row is excluded instead of
# becoming the work's inferred maximum.
# - A task (a scoring column of the ВПР layouts, also used by РПР/РДР/МПР): no ВПР 2021 column is worth more
#   than 5 points (results/data/vpr-2021.yaml, grades 4-8: 256 columns of 1 point, 176 of 2, 58 of 3, 11 of 4,
#   6 of 5); the largest expert-scored task of the exams (ОГЭ foreign language, the letter) is worth 10.
MAX_PLAUSIBLE_TASK = 10
# - A primary total: ВПР 2021 maxima are 20-51 (vpr-2021.yaml), ОГЭ primary maxima are at most 68 (foreign
#   languages), ЕГЭ at most 82 since 2022 and 100 before (foreign languages, the highest of all subjects);
#   the test score of ЕГЭ is on a 100-point scale too.
MAX_PLAUSIBLE_TOTAL = 100


def norm(text: str | None) -> str:
    return " ".join((text or "").strip().lower().replace("ё", "е").split())


@dataclass
class TaskColumn:
    source: str  # frame column
    label: str  # «1», «9.1», «балл за 3»
    max: int | None = None  # from the header «N (Mб)», when the file says it
    level: str | None = None  # Б / П / В from the levels row, when the file says it


@dataclass
class Layout:
    kind: str
    header_row: int  # frame row index of the header
    columns: dict[str, str]  # canonical name → frame column
    labels: dict[str, str]  # canonical name → header label as written, for messages
    tasks: list[TaskColumn] = field(default_factory=list)
    title: str = ""  # text above the header (title and school lines)
    school_login: str | None = None  # the school line of a school export


REGIONAL_FIELDS = dict(
    zip(
        (
            "school_login",
            "region_label",
            "row_number",
            "participant_code",
            "journal_mark",
            "sex",
            "class_letter",
            "variant",
            "total",
        ),
        REGIONAL_LEADING,
        strict=True,
    )
)
REGIONAL_FIELDS["textbook"] = "учебник"
SCHOOL_FIELDS = {
    "school_login": "оо",
    "participant_code": "код участника",
    "class_letter": "класс",
    "variant": "вариант",
    "total": "первичный балл",
    "file_mark": "отметка",
    "journal_mark": "отметка по журналу",
}
NARROW_FIELDS = {"school_login": "user", "journal_mark": "otc", "total": "sum"}
EXAM_FIELDS = {
    "school_login": ("логин оо", "логин", "логин школы", "код оо"),
    "participant_code": ("код участника", "код обучающегося"),
    "total": ("первичный балл", "всего баллов"),
    "file_mark": ("отметка", "оценка", "тестовый балл"),
    "class_letter": ("класс",),
}
SCHOOL_RESULT_FIELDS = {
    "school_login": ("логин оо", "логин", "логин школы", "код оо"),
    "participants": ("число участников", "количество участников", "участников", "кол-во участников"),
    "mean_score": ("средний первичный балл", "средний балл"),
    "marks_2": ("«2»", "2", "отметка 2", "число «2»"),
    "marks_3": ("«3»", "3", "отметка 3", "число «3»"),
    "marks_4": ("«4»", "4", "отметка 4", "число «4»"),
    "marks_5": ("«5»", "5", "отметка 5", "число «5»"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    ImportKind.EXAM_SCHOOLS: ("school_login", "participants", "mean_score"),
    ImportKind.REGIONAL: ("school_login", "participant_code", "variant", "total"),
    ImportKind.SCHOOL: ("school_login", "participant_code", "total"),
    ImportKind.NARROW: ("school_login", "total"),
    ImportKind.EXAM_PUPILS: ("school_login", "participant_code", "total"),
}
SCORE_HEADER = re.compile(r"^балл за (\d+)$")
TASK_HEADER = re.compile(r"^(\d+(?:\.\d+)?)\s*\((\d+)\s*б\.?\)$")
SCHOOL_LINE_LOGIN = re.compile(r"\(([a-z]{2,5}\d{4,8})\)", re.IGNORECASE)


def detect(sheet: RawSheet) -> Layout:
    """Find the header row and the layout, or reject the file saying what was expected."""
    rows = sheet.frame.head(HEADER_SEARCH_ROWS).rows()
    for index, row in enumerate(rows):
        labels = [norm(v) for v in row]
        layout = _match(labels, index)
        if layout is not None:
            layout.title = " ".join(" ".join(v for v in r if v) for r in rows[:index]).strip()
            _attach(layout, sheet, rows)
            return layout
    raise FileRejected(
        _(
            "File “%(name)s” is not a results file: no header with «логин школы … балл за 1» (regional export), "
            "«Код участника … Первичный балл» (school export), «user, otc, sum», «логин ОО, код участника, "
            "первичный балл» (ОГЭ/ЕГЭ per pupil) or «логин ОО, число участников, средний балл» (ОГЭ/ЕГЭ per school) "
            "in the first %(n)d rows"
        )
        % {"name": sheet.name, "n": HEADER_SEARCH_ROWS}
    )


def _match(labels: list[str], index: int) -> Layout | None:
    present = set(labels)
    if "логин школы" in present and any(SCORE_HEADER.match(v) for v in labels):
        return _regional(labels, index)
    if "код участника" in present and "первичный балл" in present and any(TASK_HEADER.match(v) for v in labels):
        return _school(labels, index)
    if {"user", "sum"} <= present:
        return _simple(ImportKind.NARROW, labels, index, {k: (v,) for k, v in NARROW_FIELDS.items()})
    if "первичный балл" in present or "всего баллов" in present:
        return _simple(ImportKind.EXAM_PUPILS, labels, index, EXAM_FIELDS)
    if present & set(SCHOOL_RESULT_FIELDS["mean_score"]) and present & set(SCHOOL_RESULT_FIELDS["participants"]):
        return _simple(ImportKind.EXAM_SCHOOLS, labels, index, SCHOOL_RESULT_FIELDS)
    return None


def _positions(labels: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, label in enumerate(labels):
        found.setdefault(label, i)
    return found


def _regional(labels: list[str], index: int) -> Layout:
    at = _positions(labels)
    wanted = {key: norm(label) for key, label in REGIONAL_FIELDS.items()}
    layout = _layout(ImportKind.REGIONAL, index, labels, {k: at[v] for k, v in wanted.items() if v in at})
    numbered = sorted((int(m.group(1)), i) for i, v in enumerate(labels) if (m := SCORE_HEADER.match(v)))
    layout.tasks = [TaskColumn(source=f"column_{i}", label=str(n)) for n, i in numbered]
    return layout


def _school(labels: list[str], index: int) -> Layout:
    at = _positions(labels)
    layout = _layout(ImportKind.SCHOOL, index, labels, {k: at[v] for k, v in SCHOOL_FIELDS.items() if v in at})
    for i, label in enumerate(labels):
        if m := TASK_HEADER.match(label):
            layout.tasks.append(TaskColumn(source=f"column_{i}", label=m.group(1), max=int(m.group(2))))
    return layout


def _simple(kind: str, labels: list[str], index: int, aliases: dict[str, tuple[str, ...]]) -> Layout:
    at = _positions(labels)
    chosen: dict[str, int] = {}
    for key, names in aliases.items():
        hit = next((at[a] for a in names if a in at), None)
        if hit is not None:
            chosen[key] = hit
    return _layout(kind, index, labels, chosen)


def _layout(kind: str, index: int, labels: list[str], positions: dict[str, int]) -> Layout:
    return Layout(
        kind=kind,
        header_row=index,
        columns={key: f"column_{i}" for key, i in positions.items()},
        labels={key: labels[i] for key, i in positions.items()},
    )


def _attach(layout: Layout, sheet: RawSheet, rows: list[tuple]) -> None:
    """Check required columns, repeated ones and the rows under the header; read task levels and the school line
    that sit above a school export's header."""
    missing = [key for key in REQUIRED[layout.kind] if key not in layout.columns]
    if missing:
        raise FileRejected(
            _("File “%(name)s”, row %(row)d: required columns are missing: %(columns)s")
            % {
                "name": sheet.name,
                "row": sheet.line_of(layout.header_row),
                "columns": ", ".join(f"«{_expected_label(layout.kind, k)}»" for k in missing),
            }
        )
    _check_repeated_columns(layout, sheet, [norm(v) for v in rows[layout.header_row]])
    if layout.kind == ImportKind.SCHOOL:
        _read_school_extras(layout, rows)
    _check_header_maxima(layout, sheet)
    _check_rows_under_header(layout, sheet)


def _check_repeated_columns(layout: Layout, sheet: RawSheet, labels: list[str]) -> None:
    """A column the import reads must be named once: with two «всего баллов» or two «балл за 3», which one is meant
    cannot be told, so the file is refused rather than one of them silently chosen."""
    used = {int(source.split("_")[1]) for source in layout.columns.values()}
    used |= {int(task.source.split("_")[1]) for task in layout.tasks}
    wanted = {labels[i] for i in used if i < len(labels)}
    for label in sorted(wanted):
        at = [i for i, value in enumerate(labels) if value == label]
        if len(at) > 1:
            raise FileRejected(
                _(
                    "File “%(name)s”, row %(row)d: the header names «%(label)s» in columns %(columns)s; which one "
                    "to read cannot be told: leave one of them"
                )
                % {
                    "name": sheet.name,
                    "row": sheet.line_of(layout.header_row),
                    "label": label,
                    "columns": ", ".join(column_letters(i) for i in at),
                }
            )


def _check_rows_under_header(layout: Layout, sheet: RawSheet) -> None:
    """A header with nothing under it is no results file: imported, it would replace the work's rows with none."""
    if not _has_rows_under_header(sheet, layout):
        raise FileRejected(
            _("File “%(name)s”, row %(row)d: a header and no rows under it")
            % {"name": sheet.name, "row": sheet.line_of(layout.header_row)}
        )


def _check_header_maxima(layout: Layout, sheet: RawSheet) -> None:
    """A task header «N (Mб)» of a school export is reference data: a maximum no real task has rejects the file."""
    for task in layout.tasks:
        if task.max is not None and not 1 <= task.max <= MAX_PLAUSIBLE_TASK:
            raise FileRejected(
                _(
                    "File “%(name)s”, row %(row)d: the header «%(label)s (%(max)dб)» gives the task a maximum of "
                    "%(max)d points; expected 1 to %(bound)d (no task of these works is worth more): check the file"
                )
                % {
                    "name": sheet.name,
                    "row": sheet.line_of(layout.header_row),
                    "label": task.label,
                    "max": task.max,
                    "bound": MAX_PLAUSIBLE_TASK,
                }
            )


def _read_school_extras(layout: Layout, rows: list[tuple]) -> None:
    if layout.header_row > 0:
        levels = rows[layout.header_row - 1]
        for task in layout.tasks:
            value = (levels[int(task.source.split("_")[1])] or "").strip().upper()
            task.level = value if value in ("Б", "П", "В") else None
    match = SCHOOL_LINE_LOGIN.search(layout.title)
    layout.school_login = match.group(1).lower() if match else None


def _expected_label(kind: str, key: str) -> str:
    if kind == ImportKind.REGIONAL:
        return REGIONAL_FIELDS.get(key, key)
    if kind == ImportKind.SCHOOL:
        return {"school_login": "ОО", "participant_code": "Код участника", "total": "Первичный балл"}.get(key, key)
    if kind == ImportKind.NARROW:
        return NARROW_FIELDS.get(key, key)
    if kind == ImportKind.EXAM_SCHOOLS:
        return SCHOOL_RESULT_FIELDS[key][0]
    return EXAM_FIELDS[key][0]


def body(sheet: RawSheet, layout: Layout) -> pl.DataFrame:
    """The data rows under the header, with their spreadsheet line numbers in `source_row`, every cell as text without
    surrounding spaces (an empty cell as ""); blank rows are no pupils and are left out, their numbers kept by the
    rows that follow."""
    start = layout.header_row + 1
    cells = sheet.frame.columns
    frame = sheet.frame.slice(start).with_columns(_stripped(cells))
    frame = frame.with_row_index("source_row", offset=sheet.line_of(start))
    return frame.filter(_filled(cells)).with_columns(pl.col("source_row").cast(pl.Int32))


def _stripped(cells: list[str]) -> list[pl.Expr]:
    return [pl.col(c).str.strip_chars().fill_null("") for c in cells]


def _filled(cells: list[str]) -> pl.Expr:
    """A row with a cell holding anything (cells already stripped)."""
    return pl.any_horizontal(pl.col(c) != "" for c in cells) if cells else pl.lit(True)


def _has_rows_under_header(sheet: RawSheet, layout: Layout, chunk: int = 1000) -> bool:
    """body() is not empty, looked for a chunk at a time (the first chunk answers for any real file)."""
    cells = sheet.frame.columns
    for offset in range(layout.header_row + 1, sheet.frame.height, chunk):
        rows = sheet.frame.slice(offset, chunk).with_columns(_stripped(cells))
        if rows.select(_filled(cells).any()).item():
            return True
    return False


# ---- footer lines --------------------------------------------------------------------------------

# Exports often end with lines that are no pupils: «-- конец выгрузки --», «Итого строк: 500», a word.
# A line is footer-like when it has at most FOOTER_MAX_CELLS filled cells, none of them a bare number (a
# score) and no login, even a mistyped one, in the login column. Only the run of such lines after the last
# data row is a footer; the same text in the middle of the data stays a row error.
FOOTER_MAX_CELLS = 2
FOOTER_WINDOW = 1000  # lines looked at first (a 300,000-line export is not scanned whole for its footer)
BARE_NUMBER = r"^[-+]?\d+(?:[.,]\d+)?$"
LOGIN_LIKE = r"(?i)^[a-z]{1,8}\d"  # letters then digits: a (maybe mistyped) login, so a data row


def footer_length(frame: pl.DataFrame, layout: Layout) -> int:
    """How many lines at the end of `frame` (a `body`) are a footer: 0 when the last line is data, and
    0 when no line is data (a file of nothing but text is not «data with a footer»)."""
    cells = [c for c in frame.columns if c != "source_row"]
    if frame.is_empty() or not cells:
        return 0
    texts = [pl.col(c).cast(pl.String).str.strip_chars().fill_null("") for c in cells]
    login_column = layout.columns.get("school_login")
    login = pl.col(login_column).str.strip_chars().fill_null("") if login_column in frame.columns else pl.lit("")
    footer_like = (
        (pl.sum_horizontal(*((t != "").cast(pl.Int32) for t in texts)) <= FOOTER_MAX_CELLS)
        & ~pl.any_horizontal(*(t.str.contains(BARE_NUMBER) for t in texts))
        & ~login.str.contains(LOGIN_LIKE)
    )
    for window in (FOOTER_WINDOW, frame.height):  # a footer is a few lines: the tail is enough, nearly always
        tail = frame.tail(window)
        data_rows = (~tail.select(footer_like.alias("footer")).get_column("footer")).arg_true()
        if not data_rows.is_empty():
            return tail.height - 1 - int(data_rows[-1])
        if tail.height == frame.height:
            break
    return 0


def footer_text(frame: pl.DataFrame) -> pl.Expr:
    """The filled cells of a footer line, joined by spaces."""
    cells = [pl.col(c).cast(pl.String).str.strip_chars() for c in frame.columns if c != "source_row"]
    joined = pl.concat_str([pl.when(c != "").then(c) for c in cells], separator=" ", ignore_nulls=True)
    return joined.fill_null("")
