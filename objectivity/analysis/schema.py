"""The canonical pupil-level frame: one row per participant of one test, whatever file it came from.

Importers produce it, Parquet stores it (one immutable file per import), the analysis reads it.
Scores are numbers: `X`/`Х`/`не пройд.` (task not done) count as 0, as ФИС ОКО counts them; so do
unknown codes with no digit (`H`, `?`), which the import lists as warnings.
Pupils exist only as per-procedure participant codes; there are no names.
"""

from __future__ import annotations

import polars as pl

TASK_PREFIX = "task_"

# Column → dtype, in this order; task columns task_1..task_K follow.
PUPIL_COLUMNS: dict[str, pl.DataType] = {
    "source_row": pl.Int32(),  # the row's line number in the original file (blank lines counted)
    "school_login": pl.String(),  # lower-case ФИС ОКО login, e.g. sch220206
    "region_label": pl.String(),  # the «регион» column as written, or null
    "row_number": pl.Int32(),  # «номер обучающегося», or null
    "participant_code": pl.String(),  # «код обучающегося» / «Код участника»
    "class_letter": pl.String(),  # upper-case letter(s); null when empty or «НЕТ»
    "sex": pl.String(),  # «м» / «ж» / null
    "journal_mark": pl.Int8(),  # the teacher's mark for the previous term, 2..5, or null
    "variant": pl.String(),  # variant as written; null for absent pupils
    "absent": pl.Boolean(),  # «вариант = отсутствовал»
    "total": pl.Int16(),  # primary score as in the file («всего баллов» / «Первичный балл»)
    "file_mark": pl.Int8(),  # the ВПР mark if the file gives one (school export), else null
    "textbook": pl.String(),  # «Учебник» (regional export), free text
    "valid": pl.Boolean(),  # counted in statistics
    "problem": pl.String(),  # why the row is not valid (codes joined by «;»), or null
}


def task_column(number: int) -> str:
    return f"{TASK_PREFIX}{number}"


def task_columns(frame: pl.DataFrame) -> list[str]:
    """The task_* columns of a pupil frame in their numeric order."""
    names = [c for c in frame.columns if c.startswith(TASK_PREFIX)]
    return sorted(names, key=lambda c: int(c[len(TASK_PREFIX) :]))


def pupil_schema(n_tasks: int) -> dict[str, pl.DataType]:
    return {**PUPIL_COLUMNS, **{task_column(i): pl.Int8() for i in range(1, n_tasks + 1)}}


def counted_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows that count in every statistic: valid, present, with a total."""
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def with_test_key(
    pupils: pl.DataFrame, *, year: int, period: str, grade: int, subject: str, procedure: str = "vpr"
) -> pl.DataFrame:
    """The pupil rows of one test with its key columns: procedure, year, period, grade, subject."""
    return pupils.with_columns(
        pl.lit(procedure).alias("procedure"),
        pl.lit(year, pl.Int32).alias("year"),
        pl.lit(period).alias("period"),
        pl.lit(grade, pl.Int32).alias("grade"),
        pl.lit(subject).alias("subject"),
    )
