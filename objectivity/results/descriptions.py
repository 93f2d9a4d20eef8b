"""The official «Описание проверочной работы» of a ВПР test as reference data of the catalogue.

ФИОКО publishes, per test, a workbook of the tasks (`ALL.xlsx`: one row per task × КЭС/КТ code, with
«№ КИМ» — the task as printed, «№» — the scoring column of the ФИС ОКО export, «Уровень сложности»
Б/П/В and «Максимальный балл за выполнение задания») and a PDF whose table «Рекомендации по переводу
первичных баллов в отметки по пятибалльной шкале» gives the scale of marks. Real workbooks repeat a
task's row per code, sometimes leave the level empty, repeat the whole header block to the right, and
now and then give one column two maxima; the PDF's maximum primary score does not always equal the sum
of the workbook's maxima. Each of these is reported, never guessed silently.

`read_description` returns a catalogue item (the YAML form of reference.py) and the notes to show.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from objectivity.analysis.export_format import parse_test_name
from objectivity.results.catalogue_xlsx import open_workbook
from objectivity.results.reference import LEVELS, ReferenceError

NUMBER = "№"
TASK_HEADERS = ("№ КИМ", "№ по КИМу", "№ задания")
LEVEL = "Уровень сложности"
MAXIMUM = "Максимальный балл за выполнение задания"
CRITERION_LABEL = re.compile(r"\d\s*[КK]\s*\d", re.IGNORECASE)  # «1К2»: criterion 2 of task 1
_RANGE = r"(\d+)\s*[–—-]\s*(\d+)"
_SCALE = re.compile(r"Первичные\s+баллы\s+" + r"\s+".join([_RANGE] * 4))


@dataclass
class Description:
    """What a description gives: the catalogue item and what the user should know about it."""

    item: dict
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scale:
    cuts: tuple[int, int, int]
    max_total: int | None


def read_description(
    workbook: bytes,
    workbook_name: str,
    pdf: bytes | None = None,
    pdf_name: str = "",
    *,
    year: int | None = None,
    grade: int | None = None,
    subject: str | None = None,
    cuts: tuple[int, int, int] | None = None,
) -> Description:
    """The catalogue item of one test from its ALL.xlsx and (optionally) its PDF; given values win."""
    notes: list[str] = []
    columns = task_columns(workbook, workbook_name, notes)
    text = pdf_text(pdf, pdf_name) if pdf else ""
    scale = scale_from_text(text) if text else None
    if pdf and scale is None and cuts is None:
        notes.append(_("%(name)s: the table of the scale of marks was not found") % {"name": pdf_name})
    named = parse_test_name(f"{pdf_name} {text[:600]}")
    key = {"year": year or named.year, "grade": grade or named.grade, "subject": subject or named.subject}
    missing = [k for k, v in key.items() if v is None]
    if missing:
        raise ReferenceError(
            _("%(name)s: could not tell the %(fields)s of the work; give them explicitly")
            % {"name": workbook_name, "fields": ", ".join(_field_word(k) for k in missing)}
        )
    max_total = scale.max_total if scale and scale.max_total else sum(c["max"] for c in columns)
    _check_sum(columns, max_total, workbook_name, notes)
    if not any(c["level"] for c in columns):
        notes.append(
            _("%(name)s gives no task levels: they will be estimated from the region's data") % {"name": workbook_name}
        )
    item = {
        "procedure": "vpr",
        "period": "spring",
        **key,
        "form": "paper",
        "max_total": max_total,
        "scale": _scale_dict(cuts or (scale.cuts if scale else None)),
        "source": _("ФИОКО, описание проверочной работы %(year)s (%(files)s)")
        % {"year": key["year"], "files": ", ".join(n for n in (workbook_name, pdf_name) if n)},
        "columns": columns,
    }
    return Description(item=item, notes=notes)


def read_folder(folder: Path, **work) -> Description:
    """A description as ФИОКО's archive unpacks: `ALL.xlsx` and the PDF beside it (the first one, if any);
    `work`: year, grade, subject, cuts as for `read_description`."""
    pdf = next(iter(sorted(folder.glob("*.pdf"))), None)
    workbook = folder / "ALL.xlsx"
    return read_description(
        workbook.read_bytes(), workbook.name, pdf.read_bytes() if pdf else None, pdf.name if pdf else "", **work
    )


def _field_word(key: str) -> str:
    return {"year": _("year"), "grade": _("grade"), "subject": _("subject")}[key]


def _scale_dict(cuts: tuple[int, int, int] | None) -> dict | None:
    return None if cuts is None else {"3": cuts[0], "4": cuts[1], "5": cuts[2]}


# ---- the workbook -------------------------------------------------------------------------------


def task_columns(workbook: bytes, name: str, notes: list[str]) -> list[dict]:
    """Scoring columns 1..K with label, maximum, level and whether a teacher judges them by criteria."""
    rows = _rows(workbook, name)
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    at = _positions(header, name)
    found: dict[int, dict] = {}
    for number, row in enumerate(rows[1:], start=2):
        column = _column_number(row[at[NUMBER]], name, number)
        if column is None:
            continue
        entry = found.setdefault(column, {"labels": [], "maxima": set(), "levels": set()})
        entry["labels"].append(_text(row[at["task"]]) if "task" in at else "")
        entry["maxima"].add(_maximum(row[at[MAXIMUM]], name, number))
        level = _text(row[at[LEVEL]]).upper() if LEVEL in at else ""
        if level:
            entry["levels"].add(_level(level, name, number))
    return _columns(found, name, notes)


def _rows(workbook: bytes, name: str) -> list[tuple]:
    book = open_workbook(workbook, name)
    rows = [row for row in book.worksheets[0].iter_rows(values_only=True) if any(v is not None for v in row)]
    if len(rows) < 2:
        raise ReferenceError(_("%(name)s: the first sheet has no rows of tasks") % {"name": name})
    return rows


def _positions(header: list[str], name: str) -> dict[str, int]:
    """Where each needed column is; a header repeated to the right (a second block) is ignored."""
    at: dict[str, int] = {}
    for index, title in enumerate(header):
        key = "task" if title in TASK_HEADERS else title
        at.setdefault(key, index)
    missing = [title for title in (NUMBER, MAXIMUM) if title not in at]
    if missing:
        raise ReferenceError(
            _("%(name)s: no column “%(columns)s” in the first row; expected the layout of ФИОКО's ALL.xlsx")
            % {"name": name, "columns": "”, “".join(missing)}
        )
    return at


def _text(value) -> str:
    return "" if value is None else str(value).replace("\xa0", " ").strip()


def _column_number(value, name: str, row: int) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 200:
        raise ReferenceError(
            _("%(name)s, row %(row)d, column “№”: expected the number of the scoring column, got “%(value)s”")
            % {"name": name, "row": row, "value": text}
        )
    return int(text)


def _maximum(value, name: str, row: int) -> int:
    text = _text(value)
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise ReferenceError(
            _("%(name)s, row %(row)d, column “%(column)s”: expected a whole number from 1 to 100, got “%(value)s”")
            % {"name": name, "row": row, "column": MAXIMUM, "value": text}
        )
    return int(text)


def _level(text: str, name: str, row: int) -> str:
    level = text.replace("B", "В").replace("P", "П")[:1]  # Latin look-alikes
    if level not in LEVELS:
        raise ReferenceError(
            _("%(name)s, row %(row)d, column “%(column)s”: expected Б, П or В, got “%(value)s”")
            % {"name": name, "row": row, "column": LEVEL, "value": text}
        )
    return level


def _columns(found: dict[int, dict], name: str, notes: list[str]) -> list[dict]:
    expected = list(range(1, max(found, default=0) + 1))
    if not found or sorted(found) != expected:
        gaps = sorted(set(expected) - set(found))
        raise ReferenceError(
            _("%(name)s: scoring columns must run 1, 2, … without gaps; missing: %(gaps)s")
            % {"name": name, "gaps": ", ".join(map(str, gaps)) or "—"}
        )
    columns = []
    for number in expected:
        entry = found[number]
        label = next((label for label in entry["labels"] if label and label != "None"), str(number))
        top = max(entry["maxima"])
        if len(entry["maxima"]) > 1:
            notes.append(
                _("%(name)s, column %(n)d: maxima %(values)s in different rows; %(top)d is taken")
                % {"name": name, "n": number, "values": ", ".join(map(str, sorted(entry["maxima"]))), "top": top}
            )
        levels = sorted(entry["levels"], key=LEVELS.index)
        columns.append(
            {
                "number": number,
                "label": label,
                "max": top,
                "level": levels[-1] if levels else None,
                "auto": False,
                "criterion": bool(CRITERION_LABEL.search(label)) or top > 1,
            }
        )
    return columns


def _check_sum(columns: list[dict], max_total: int, name: str, notes: list[str]) -> None:
    total = sum(c["max"] for c in columns)
    if total != max_total:
        notes.append(
            _(
                "%(name)s: the columns' maxima add up to %(sum)d, but the maximum primary score of the description "
                "is %(max)d; check the maxima of the columns"
            )
            % {"name": name, "sum": total, "max": max_total}
        )


# ---- the PDF ------------------------------------------------------------------------------------


def pdf_text(pdf: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ReferenceError(_("%(name)s could not be read as a PDF") % {"name": name}) from exc


def scale_from_text(text: str) -> Scale | None:
    """The lowest primary score of «3», «4», «5» and the maximum, from «Первичные баллы 0–5 6–9 10–14 15–20»."""
    flat = re.sub(r"\s+", " ", text)
    match = _SCALE.search(flat)
    if match is None:
        return None
    bounds = [int(v) for v in match.groups()]
    cuts = (bounds[2], bounds[4], bounds[6])
    if not cuts[0] < cuts[1] < cuts[2] <= bounds[7]:
        return None
    return Scale(cuts=cuts, max_total=bounds[7])  # the «5» range ends at the maximum primary score
