"""The catalogue of works as an Excel workbook, for administrators who keep reference data in Excel.

Sheet «Работы»: one row per work — процедура, год, период, класс, предмет, форма, максимум,
«3», «4», «5», источник. Sheet «Столбцы»: one row per scoring column — процедура, год, период, класс,
предмет, №, задание, максимум, уровень, авто. A work is named in words (ВПР, весна, Математика, бумажная); reading
takes these words or the YAML form's codes (vpr, spring, ma, paper) and returns the same items as the YAML form, so
both go through one validation.
"""

import io

import openpyxl
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import PERIODS, PROCEDURE_KINDS, SUBJECTS
from objectivity.core.bounded import FileLimitError, check_archive
from objectivity.core.xlsx import write_sheets
from objectivity.results.models import Form
from objectivity.results.reference import KEY, ReferenceError

WORK_HEADER = ["процедура", "год", "период", "класс", "предмет", "форма", "максимум", "«3»", "«4»", "«5»", "источник"]
COLUMN_HEADER = ["процедура", "год", "период", "класс", "предмет", "№", "задание", "максимум", "уровень", "авто"]
CRITERION = "критериальное"  # optional column: «да» for a teacher-judged criterion column, «нет» otherwise


def _words() -> dict[str, dict[str, str]]:
    """Column → code → the word the sheets write for it."""
    return {
        "процедура": dict(PROCEDURE_KINDS),
        "период": dict(PERIODS),
        "предмет": {s.code: s.name for s in SUBJECTS},
        "форма": {code: str(label) for code, label in Form.choices},
    }


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def export_xlsx(assessments) -> bytes:
    works, columns = [], []
    words = _words()
    for assessment in assessments:
        ref = assessment.reference()
        key = [
            words["процедура"].get(assessment.procedure, assessment.procedure),
            assessment.year,
            words["период"].get(assessment.period, assessment.period),
            assessment.grade,
            words["предмет"].get(assessment.subject, assessment.subject),
        ]
        cuts = [ref.cut3, ref.cut4, ref.cut5] if ref else [None, None, None]
        form = words["форма"].get(assessment.form, assessment.form)
        works.append([*key, form, ref.max_total if ref else None, *cuts, ref.source if ref else ""])
        for c in ref.columns if ref else []:
            columns.append(
                [
                    *key,
                    c["number"],
                    c["label"],
                    c["max"],
                    c.get("level") or "",
                    "да" if c.get("auto") else "",
                    _yes_no(c),
                ]
            )
    return write_sheets([("Работы", WORK_HEADER, works), ("Столбцы", [*COLUMN_HEADER, CRITERION], columns)])


def _yes_no(column: dict) -> str:
    criterion = column.get("criterion")
    return "" if criterion is None else ("да" if criterion else "нет")


def open_workbook(content: bytes, name: str) -> openpyxl.Workbook:
    """The workbook, read-only, values instead of formulas; ReferenceError when the file is not one or breaks a
    limit of objectivity.core.bounded (checked before openpyxl unpacks anything)."""
    try:
        check_archive(io.BytesIO(content), name)
    except FileLimitError as exc:
        raise ReferenceError(str(exc)) from exc
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for files that are not workbooks
        raise ReferenceError(_("%(name)s could not be read as an Excel workbook") % {"name": name}) from exc


def parse_xlsx(content: bytes, source_name: str) -> list[dict]:
    book = open_workbook(content, source_name)
    works = _coded(_rows(book, "Работы", WORK_HEADER, source_name), "Работы", source_name)
    columns = _rows(book, "Столбцы", COLUMN_HEADER, source_name, CRITERION) if "Столбцы" in book.sheetnames else []
    columns = _coded(columns, "Столбцы", source_name)
    items = [_work_item(row) for row in works]
    by_key = {tuple(item[k] for k in KEY): item for item in items}
    for row in columns:
        key = (row["процедура"], row["год"], row["период"], row["класс"], row["предмет"])
        if key not in by_key:
            raise ReferenceError(
                _("%(name)s, sheet «Столбцы», row %(row)d: no such work on the sheet «Работы»")
                % {"name": source_name, "row": row["_line"]}
            )
        by_key[key]["columns"].append(_column_item(row))
    return items


def _rows(book, sheet: str, header: list[str], source_name: str, *optional: str) -> list[dict]:
    if sheet not in book.sheetnames:
        raise ReferenceError(_("%(name)s: there is no sheet «%(sheet)s»") % {"name": source_name, "sheet": sheet})
    rows = list(book[sheet].iter_rows(values_only=True))
    found = [str(h or "").strip().lower() for h in (rows[0] if rows else [])]
    missing = [h for h in header if h not in found]
    if missing:
        raise ReferenceError(
            _("%(name)s, sheet «%(sheet)s»: columns are missing: %(columns)s")
            % {"name": source_name, "sheet": sheet, "columns": ", ".join(missing)}
        )
    at = {h: found.index(h) for h in [*header, *optional] if h in found}
    return [
        {"_line": line, **{h: _value(row[i]) if i < len(row) else None for h, i in at.items()}}
        for line, row in enumerate(rows[1:], start=2)
        if any(v not in (None, "") for v in row)
    ]


def _coded(rows: list[dict], sheet: str, source_name: str) -> list[dict]:
    """The rows with the words of a work (ВПР, весна, Математика, бумажная) as the YAML form's codes; a code stays."""
    for column, words in _words().items():
        codes = {_plain(word): code for code, word in words.items()} | {code: code for code in words}
        for row in rows:
            value = row.get(column)
            if value in (None, ""):
                continue
            code = codes.get(_plain(str(value)))
            if code is None:
                raise ReferenceError(
                    _(
                        "%(name)s, sheet «%(sheet)s», row %(row)d, column «%(column)s»: “%(value)s” is not one of "
                        "%(allowed)s"
                    )
                    % {
                        "name": source_name,
                        "sheet": sheet,
                        "row": row["_line"],
                        "column": column,
                        "value": value,
                        "allowed": ", ".join(words.values()),
                    }
                )
            row[column] = code
    return rows


def _value(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isdigit() else (text or None)
    return value


def _work_item(row: dict) -> dict:
    scale = {"3": row["«3»"], "4": row["«4»"], "5": row["«5»"]}
    return {
        "procedure": row["процедура"],
        "year": row["год"],
        "period": row["период"],
        "grade": row["класс"],
        "subject": row["предмет"],
        "form": row["форма"] or "paper",
        "max_total": row["максимум"],
        "scale": scale if any(v is not None for v in scale.values()) else None,
        "source": row["источник"] or "",
        "columns": [],
    }


def _column_item(row: dict) -> dict:
    auto = str(row["авто"] or "").strip().lower() in ("да", "1", "auto", "true")
    item = {"label": str(row["задание"] or row["№"]), "max": row["максимум"], "level": row["уровень"], "auto": auto}
    judged = str(row.get(CRITERION) or "").strip().lower()
    if judged:
        item["criterion"] = judged in ("да", "1", "true", "критериальное")
    return item
