"""From the text cells of a results file to the canonical pupil frame, with every row problem listed.

Vectorised with Polars expressions: a 300,000-row export is checked in a fraction of a second.
A row with an excluding problem is kept as it came (its text is in the problem list) and is marked
`valid = false`, so it never enters statistics; warnings keep the row valid.

Values must lie in their domain: scores and totals from 0 to the maximum when it is known, else to the
plausible bounds of `recognise` (MAX_PLAUSIBLE_TASK, MAX_PLAUSIBLE_TOTAL); a row outside is excluded, so it
never feeds the maxima inferred from the data. Lines after the last data row that hold only a little text
(«Итого строк: 500») are a footer: left out of the rows and listed as warnings (code FOOTER_CHECK).
"""

from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import ABSENT_VARIANT, NO_CLASS, NO_JOURNAL_MARK, NOT_DONE
from objectivity.analysis.schema import PUPIL_COLUMNS, task_column
from objectivity.results.recognise import (
    MAX_PLAUSIBLE_TASK,
    MAX_PLAUSIBLE_TOTAL,
    Layout,
    footer_length,
    footer_text,
)

LOGIN_PATTERN = r"^[a-z]{2,5}[0-9]{4,8}$"
# A number as ФИС ОКО writes it: ASCII digits, a minus for the negative values the checks then refuse. No «+», no
# exponent, no decimal separator, no digits of other scripts («٣», «１»): such text is not read as a number.
WHOLE_NUMBER = r"^-?[0-9]{1,18}$"
# A participant code: letters and digits (ФИС ОКО's codes are digits, such as 40001; other exports may add letters,
# «-», «_», «.», «/»), at most 40 characters. A formula, markup, SQL or a 100 KB cell is no code.
CODE_PATTERN = r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё._/-]{0,39}$"
PROBLEM_SCHEMA = {
    "source_row": pl.Int32(),
    "school_login": pl.String(),
    "participant_code": pl.String(),
    "column": pl.String(),
    "value": pl.String(),
    "code": pl.String(),
    "message": pl.String(),
    "excluding": pl.Boolean(),
}
NOT_DONE_TEXT = [v.lower() for v in NOT_DONE] + ["не пройд", "x", "х"]
# A task cell with no digit at all that is not a known code (`H`/`Н`, `?`, `*`, `-` are seen in real
# exports): the task counts as not attempted (0 points, like X), the row stays in statistics and the
# cell is listed as a warning. Cells with digits that are not whole numbers («1,5») stay errors.
UNKNOWN_CODE = r"^[^0-9\p{N}]+$"  # no digit of any script: «²», «٣», «１» are numbers written wrongly, not codes
UNKNOWN_CODE_CHECK = "unknown_code"
FOOTER_CHECK = "footer"
# What a task cell holds, decided once per distinct text (a column of 300,000 cells has a handful of them).
EMPTY, NUMBER, NEGATIVE, NOT_DONE_CELL, CODE_CELL, NOT_A_SCORE = range(6)
MARKS = (2, 5)  # «Отметка» of a school export, «отметка»/«оценка» of ОГЭ/ЕГЭ files
TEST_SCORE = (0, 100)  # «тестовый балл» of ЕГЭ files
TEST_SCORE_LABEL = "тестовый балл"


@dataclass
class Rules:
    region_code: str | None  # None: files of several regions (analysis straight from files)
    task_max: list[int | None]  # per task column, None when unknown
    max_total: int | None


@dataclass
class Normalised:
    pupils: pl.DataFrame  # objectivity.analysis.schema.pupil_schema(K)
    problems: pl.DataFrame  # PROBLEM_SCHEMA


def _text(name: str) -> pl.Expr:
    return pl.col(name).fill_null("")  # body() has already stripped the cells


def _int(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(WHOLE_NUMBER)).then(expr.cast(pl.Int64, strict=False)).otherwise(None)


def normalise(body: pl.DataFrame, layout: Layout, rules: Rules) -> Normalised:
    footer = footer_length(body, layout)
    tail, body = body.tail(footer), body.head(body.height - footer)
    cols = layout.columns
    frame = body.select(
        "source_row",
        *(_text(source).alias(f"raw_{key}") for key, source in cols.items()),
        *(_text(t.source).alias(f"raw_task_{i}") for i, t in enumerate(layout.tasks, start=1)),
    )
    frame = _fill_missing(frame, layout)
    frame = frame.with_columns(_task_kinds(frame, len(layout.tasks)))
    frame = frame.with_columns(_typed(frame, layout))
    checks = _checks(layout, rules, len(layout.tasks))
    problems = pl.concat([_collect(frame, checks), _footer_problems(tail)], how="vertical_relaxed")
    excluded = (
        problems.filter(pl.col("excluding"))
        .group_by("source_row")
        .agg(pl.col("code").unique().sort().str.join(";").alias("problem"))
    )
    problem = pl.col("source_row").replace_strict(
        excluded["source_row"], excluded["problem"], default=None, return_dtype=pl.String
    )
    frame = frame.with_columns(problem.alias("problem")).with_columns(pl.col("problem").is_null().alias("valid"))
    return Normalised(pupils=_canonical(frame, len(layout.tasks)), problems=problems)


def _fill_missing(frame: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    wanted = ("school_login", "region_label", "row_number", "participant_code", "journal_mark", "sex") + (
        "class_letter",
        "variant",
        "total",
        "file_mark",
        "textbook",
    )
    missing = [pl.lit("").alias(f"raw_{k}") for k in wanted if k not in layout.columns]
    frame = frame.with_columns(missing) if missing else frame
    if "participant_code" not in layout.columns:  # the short CSV has no codes: the row keeps pupils apart
        frame = frame.with_columns(pl.format("r{}", pl.col("source_row")).alias("raw_participant_code"))
    if layout.school_login and "school_login" in layout.columns:
        frame = frame.with_columns(
            pl.when(pl.col("raw_school_login") == "")
            .then(pl.lit(layout.school_login))
            .otherwise(pl.col("raw_school_login"))
            .alias("raw_school_login")
        )
    return frame


def _typed(frame: pl.DataFrame, layout: Layout) -> list[pl.Expr]:
    n_tasks = len(layout.tasks)
    variant = pl.col("raw_variant").str.to_lowercase()
    return [
        pl.col("raw_school_login").str.to_lowercase().alias("school_login"),
        pl.when(pl.col("raw_region_label") == "")
        .then(None)
        .otherwise(pl.col("raw_region_label"))
        .alias("region_label"),
        _int(pl.col("raw_row_number")).cast(pl.Int32, strict=False).alias("row_number"),
        pl.col("raw_participant_code").alias("participant_code"),
        _class_letter().alias("class_letter"),
        _sex().alias("sex"),
        _journal().alias("journal_mark"),
        pl.when(variant.is_in(["", ABSENT_VARIANT])).then(None).otherwise(pl.col("raw_variant")).alias("variant"),
        _absent().alias("absent"),
        _int(pl.col("raw_total")).alias("total_int"),
        _file_mark(layout).alias("file_mark_int"),
        pl.when(pl.col("raw_textbook") == "").then(None).otherwise(pl.col("raw_textbook")).alias("textbook"),
        *(_score(i).alias(f"score_{i}") for i in range(1, n_tasks + 1)),
    ]


def _task_kinds(frame: pl.DataFrame, n_tasks: int) -> list[pl.Expr]:
    """`kind_i` per task column: what each cell holds (EMPTY … NOT_A_SCORE), classified over the distinct texts
    of all task columns and mapped back, instead of running every pattern over every cell."""
    if not n_tasks:
        return []
    raw = [f"raw_task_{i}" for i in range(1, n_tasks + 1)]
    texts = pl.concat([frame.get_column(c).unique() for c in raw]).unique().alias("text")
    kinds = pl.DataFrame(texts).select("text", _kind(pl.col("text")).alias("kind"))
    return [
        pl.col(c).replace_strict(kinds["text"], kinds["kind"], return_dtype=pl.Int8).alias(f"kind_{i}")
        for i, c in enumerate(raw, start=1)
    ]


def _kind(cell: pl.Expr) -> pl.Expr:
    number = cell.str.contains(WHOLE_NUMBER)
    return (
        pl.when(cell == "")
        .then(EMPTY)
        .when(number & cell.str.starts_with("-"))  # «-0» too: no score ФИС ОКО writes
        .then(NEGATIVE)
        .when(number)
        .then(NUMBER)
        .when(cell.str.to_lowercase().is_in(NOT_DONE_TEXT))
        .then(NOT_DONE_CELL)
        .when(_unknown_code(cell))
        .then(CODE_CELL)
        .otherwise(NOT_A_SCORE)
    )


def _class_letter() -> pl.Expr:
    letter = pl.col("raw_class_letter").str.to_uppercase()
    return pl.when(letter.is_in(["", NO_CLASS])).then(None).otherwise(letter)


def _sex() -> pl.Expr:
    sex = pl.col("raw_sex").str.to_lowercase()
    return pl.when(sex.is_in(["м", "ж"])).then(sex).otherwise(None)


def _journal() -> pl.Expr:
    mark = pl.col("raw_journal_mark")
    return pl.when(mark.is_in(["2", "3", "4", "5"])).then(_int(mark)).otherwise(None).cast(pl.Int8)


def _file_mark_range(layout: Layout) -> tuple[int, int]:
    return TEST_SCORE if layout.labels.get("file_mark") == TEST_SCORE_LABEL else MARKS


def _file_mark(layout: Layout) -> pl.Expr:
    """The mark the file gives, when it is one (2..5, or a test score 0..100); anything else is left empty."""
    low, high = _file_mark_range(layout)
    mark = _int(pl.col("raw_file_mark"))
    return pl.when(mark.is_between(low, high)).then(mark).otherwise(None)


def _absent() -> pl.Expr:
    variant = pl.col("raw_variant").str.to_lowercase()
    no_score = pl.col("raw_total") == ""
    return (variant == ABSENT_VARIANT) | ((variant == "") & no_score)


def _unknown_code(cell: pl.Expr) -> pl.Expr:
    return (cell != "") & ~cell.str.to_lowercase().is_in(NOT_DONE_TEXT) & cell.str.contains(UNKNOWN_CODE)


def _score(i: int) -> pl.Expr:
    """The points of task i: the number written, 0 for a task not attempted (X, «не пройд.», an unknown code)."""
    kind = pl.col(f"kind_{i}")
    return (
        pl.when(kind.is_in([NUMBER, NEGATIVE]))
        .then(pl.col(f"raw_task_{i}").cast(pl.Int64, strict=False))
        .when(kind.is_in([NOT_DONE_CELL, CODE_CELL]))
        .then(pl.lit(0, pl.Int64))
        .otherwise(None)
    )


@dataclass
class Check:
    code: str
    column: str  # the header label shown in the report
    value: str  # the raw column whose text the report shows
    condition: pl.Expr
    message: str | pl.Expr  # an expression when the text depends on the row
    excluding: bool = True


def _checks(layout: Layout, rules: Rules, n_tasks: int) -> list[Check]:
    label = layout.labels.get
    present = ~pl.col("absent")
    checks = [
        *_login_checks(label("school_login", "логин"), rules),
        Check(
            "no_code",
            label("participant_code", "код"),
            "raw_participant_code",
            pl.col("raw_participant_code") == "",
            _("no participant code"),
        ),
        Check(
            "no_code",
            label("participant_code", "код"),
            "raw_participant_code",
            (pl.col("raw_participant_code") != "") & ~pl.col("raw_participant_code").str.contains(CODE_PATTERN),
            _("not a participant code: expected letters and digits (such as 40001), at most 40 characters"),
        ),
        Check(
            "bad_journal_mark",
            label("journal_mark", "отметка по журналу"),
            "raw_journal_mark",
            pl.col("journal_mark").is_null()
            & ~pl.col("raw_journal_mark").str.to_lowercase().is_in(["", NO_JOURNAL_MARK, "нет"]),
            _("expected 2, 3, 4, 5, «нет отметки» or an empty cell; the mark is left empty"),
            excluding=False,
        ),
        _file_mark_check(layout),
        Check(
            "bad_total",
            label("total", "всего баллов"),
            "raw_total",
            (pl.col("raw_total") != "") & pl.col("total_int").is_null(),
            _("expected a whole number"),
        ),
        *_negative_total_checks(label("total", "всего баллов"), rules),
        Check(
            "no_total",
            label("total", "всего баллов"),
            "raw_total",
            present & (pl.col("raw_total") == ""),
            _("the participant was present but the total is empty"),
        ),
        Check(
            "absent_with_scores",
            label("variant", "вариант"),
            "raw_variant",
            (pl.col("raw_variant").str.to_lowercase() == ABSENT_VARIANT) & (pl.col("raw_total") != ""),
            _("marked absent, yet a total is given"),
        ),
        *_absent_with_task_scores(label("variant", "вариант"), n_tasks),
        Check(
            "duplicate_code",
            label("participant_code", "код"),
            "raw_participant_code",
            ~pl.struct("school_login", "participant_code").is_first_distinct() & (pl.col("participant_code") != ""),
            _("this participant code already appears above for the same school"),
        ),
        *_task_checks(layout, rules, n_tasks),
        *_total_checks(label("total", "всего баллов"), rules, n_tasks),
    ]
    return checks


def _file_mark_check(layout: Layout) -> Check:
    low, high = _file_mark_range(layout)
    return Check(
        "bad_file_mark",
        layout.labels.get("file_mark", "отметка"),
        "raw_file_mark",
        (pl.col("raw_file_mark") != "") & pl.col("file_mark_int").is_null(),
        _("expected a whole number from %(low)d to %(high)d or an empty cell; the mark is left empty")
        % {"low": low, "high": high},
        excluding=False,
    )


def _absent_with_task_scores(column: str, n_tasks: int) -> list[Check]:
    """Absent pupils' rows have empty task cells (X and «не пройд.» included, they score nothing); a number in
    any of them contradicts «отсутствовал»."""
    if not n_tasks:
        return []
    scored = pl.any_horizontal(pl.col(f"kind_{i}").is_in([NUMBER, NEGATIVE]) for i in range(1, n_tasks + 1))
    return [
        Check(
            "absent_with_scores",
            column,
            "raw_variant",
            (pl.col("raw_variant").str.to_lowercase() == ABSENT_VARIANT) & (pl.col("raw_total") == "") & scored,
            _("marked absent, yet task scores are given"),
        )
    ]


def _negative(raw: str) -> pl.Expr:
    """A number written with a minus, «-0» included (it is no score ФИС ОКО writes)."""
    return pl.col(raw).str.starts_with("-") & _int(pl.col(raw)).is_not_null()


def _negative_total_checks(column: str, rules: Rules) -> list[Check]:
    top = rules.max_total if rules.max_total is not None else MAX_PLAUSIBLE_TOTAL
    return [
        Check(
            "bad_total",
            column,
            "raw_total",
            _negative("raw_total"),
            _("a negative total; expected a whole number from 0 to %(max)d") % {"max": top},
        )
    ]


def _login_checks(column: str, rules: Rules) -> list[Check]:
    login = pl.col("school_login")
    region = login.str.extract(r"^[a-z]+(\d\d)", 1)
    checks = [
        Check(
            "bad_login",
            column,
            "raw_school_login",
            ~login.str.contains(LOGIN_PATTERN),
            _("not a ФИС ОКО login (letters and digits, e.g. sch220206)"),
        ),
    ]
    if rules.region_code is None:
        return checks
    return [
        *checks,
        Check(
            "other_region",
            column,
            "raw_school_login",
            login.str.contains(LOGIN_PATTERN) & (region != rules.region_code),
            _("a school of another region (the region code in the login is not %(code)s)")
            % {"code": rules.region_code},
        ),
    ]


def _task_checks(layout: Layout, rules: Rules, n_tasks: int) -> list[Check]:
    checks = []
    for i, task in enumerate(layout.tasks, start=1):
        kind = pl.col(f"kind_{i}")
        column = f"балл за {task.label}" if task.label.isdigit() and layout.kind == "regional" else task.label
        task_max = rules.task_max[i - 1] if i - 1 < len(rules.task_max) else None
        checks.append(
            Check(
                "bad_score",
                column,
                f"raw_task_{i}",
                kind.is_in([NOT_A_SCORE, NEGATIVE]),
                _("expected a whole number of points from 0 to %(max)d, X/Х, «не пройд.» or an empty cell")
                % {"max": task_max if task_max is not None else MAX_PLAUSIBLE_TASK},
            )
        )
        checks.append(
            Check(
                UNKNOWN_CODE_CHECK,
                column,
                f"raw_task_{i}",
                kind == CODE_CELL,
                _("an unknown code: counted as a task not attempted (0 points, like X); the row stays in statistics"),
                excluding=False,
            )
        )
        checks.append(_task_above_max(column, i, task_max))
    return checks


def _task_above_max(column: str, i: int, task_max: int | None) -> Check:
    if task_max is not None:
        limit, message = task_max, _("more than the task's maximum of %(max)d") % {"max": task_max}
    else:
        limit = MAX_PLAUSIBLE_TASK
        message = _(
            "more than %(max)d points, more than any task of these works is worth (the task's maximum is not known); "
            "expected a whole number from 0 to %(max)d"
        ) % {"max": MAX_PLAUSIBLE_TASK}
    return Check("task_above_max", column, f"raw_task_{i}", pl.col(f"score_{i}") > limit, message)


def _total_checks(column: str, rules: Rules, n_tasks: int) -> list[Check]:
    checks = []
    if rules.max_total is not None:
        checks.append(
            Check(
                "total_above_max",
                column,
                "raw_total",
                pl.col("total_int") > rules.max_total,
                _("more than the work's maximum of %(max)d") % {"max": rules.max_total},
            )
        )
    else:
        checks.append(
            Check(
                "total_above_max",
                column,
                "raw_total",
                pl.col("total_int") > MAX_PLAUSIBLE_TOTAL,
                _(
                    "more than %(max)d, more than the maximum of any ВПР, ОГЭ or ЕГЭ work (this work's maximum is "
                    "not known); expected a whole number from 0 to %(max)d"
                )
                % {"max": MAX_PLAUSIBLE_TOTAL},
            )
        )
    if n_tasks:
        task_sum = pl.sum_horizontal(*(pl.col(f"score_{i}") for i in range(1, n_tasks + 1)))
        checks.append(
            Check(
                "total_mismatch",
                column,
                "raw_total",
                ~pl.col("absent") & pl.col("total_int").is_not_null() & (pl.col("total_int") != task_sum),
                _with_number(_("differs from the sum of the task scores ({})"), task_sum),
            )
        )
    return checks


def _with_number(text: str, number: pl.Expr) -> pl.Expr:
    """`text` with its «{}» replaced by the row's number (pl.format panics on some filtered frames)."""
    before, _sep, after = text.partition("{}")
    return pl.concat_str([pl.lit(before), number.cast(pl.String).fill_null("—"), pl.lit(after)])


def _collect(frame: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """One row per (row, failed check). Problems are rare, so the checks run once over the whole frame
    and the per-check rows are then picked from the few flagged rows only."""
    flags = [c.condition.fill_null(False).alias(f"chk_{n}") for n, c in enumerate(checks)]
    flagged = frame.with_columns(flags).filter(pl.any_horizontal(f"chk_{n}" for n in range(len(checks))))
    parts = [
        flagged.filter(pl.col(f"chk_{n}")).select(
            "source_row",
            pl.col("school_login"),
            pl.col("participant_code"),
            pl.lit(c.column).alias("column"),
            pl.col(c.value).alias("value"),
            pl.lit(c.code).alias("code"),
            (c.message if isinstance(c.message, pl.Expr) else pl.lit(c.message)).alias("message"),
            pl.lit(c.excluding).alias("excluding"),
        )
        for n, c in enumerate(checks)
    ]
    problems = pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *parts], how="vertical_relaxed")
    return problems.sort("source_row", maintain_order=True)


def _footer_problems(tail: pl.DataFrame) -> pl.DataFrame:
    """One warning per non-blank footer line: its row and its text (blank lines are left out silently)."""
    if tail.is_empty():
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    lines = tail.select("source_row", footer_text(tail).alias("value")).filter(pl.col("value") != "")
    return lines.select(
        pl.col("source_row").cast(pl.Int32),
        pl.lit("").alias("school_login"),
        pl.lit("").alias("participant_code"),
        pl.lit("").alias("column"),
        "value",
        pl.lit(FOOTER_CHECK).alias("code"),
        pl.lit(
            _("a line after the last data row (a footer such as «Итого»), not a pupil's row: left out of the data")
        ).alias("message"),
        pl.lit(False).alias("excluding"),
    )


def _canonical(frame: pl.DataFrame, n_tasks: int) -> pl.DataFrame:
    small = {"total": ("total_int", 32767, pl.Int16), "file_mark": ("file_mark_int", 127, pl.Int8)}
    columns = []
    for name, dtype in PUPIL_COLUMNS.items():
        if name in small:
            source, limit, target = small[name]
            columns.append(_clamped(source, limit).cast(target).alias(name))
        else:
            columns.append(pl.col(name).cast(dtype))
    tasks = [_clamped(f"score_{i}", 127).cast(pl.Int8).alias(task_column(i)) for i in range(1, n_tasks + 1)]
    return frame.select(*columns, *tasks)


def _clamped(name: str, limit: int) -> pl.Expr:
    """Values that do not fit the stored type are kept out (the row is already excluded and reported)."""
    value = pl.col(name)
    return pl.when(value.abs() <= limit).then(value).otherwise(None)


def unknown_codes(problems: pl.DataFrame, *, max_schools: int = 50, max_rows: int = 20) -> list[dict]:
    """Unknown codes in task columns, per code: cells, rows, and the schools with their rows and cells.

    Keys of each item: ``code`` (as written), ``cells``, ``rows``, ``school_count`` and ``schools``
    (a list of ``{"school_login", "cells", "rows"}``, most cells first; at most `max_schools` schools and
    `max_rows` row numbers each: the data-quality report lists every cell).
    """
    found = problems.filter(pl.col("code") == UNKNOWN_CODE_CHECK)
    if found.is_empty():
        return []
    out = []
    for (code,), part in found.group_by("value", maintain_order=True):
        schools = (
            part.group_by("school_login")
            .agg(pl.len().alias("cells"), pl.col("source_row").unique().sort().alias("rows"))
            .sort(["cells", "school_login"], descending=[True, False])
        )
        out.append(
            {
                "code": code,
                "cells": part.height,
                "rows": part["source_row"].n_unique(),
                "school_count": schools.height,
                "schools": [
                    {"school_login": login, "cells": int(cells), "rows": [int(r) for r in rows[:max_rows]]}
                    for login, cells, rows in schools.head(max_schools).iter_rows()
                ],
            }
        )
    return sorted(out, key=lambda item: -item["cells"])


def unknown_code_lines(items: list[dict], *, limit: int = 5) -> list[str]:
    """One Russian line per unknown code: how many cells and rows, and in which schools (first rows)."""
    lines = []
    for item in items:
        schools = "; ".join(
            _("%(login)s (cells: %(cells)d; rows %(rows)s)")
            % {"login": s["school_login"], "cells": s["cells"], "rows": _rows_text(s["rows"])}
            for s in item["schools"][:limit]
        )
        more = item["school_count"] - limit
        if more > 0:
            schools += "; " + _("more schools: %(n)d") % {"n": more}
        lines.append(
            _(
                "unknown code «%(code)s» in task columns (cells: %(cells)d, rows: %(rows)d), counted as not attempted "
                "(0 points): %(schools)s"
            )
            % {"code": item["code"], "cells": item["cells"], "rows": item["rows"], "schools": schools}
        )
    return lines


def _rows_text(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"{shown}, …" if len(rows) > limit else shown
