"""Descriptive statistics of one work, as ФИС ОКО reports them, for any grouping of pupils.

Input: rows of the canonical pupil frame (objectivity.analysis.schema) that count in statistics
(valid, present). Every function returns one row per group (`by` columns first) and never rounds:
rounding is for display. Reports follow the ФИС ОКО analytic forms «Статистика по отметкам»,
«Распределение первичных баллов», «Выполнение заданий» and «Сравнение отметок с отметками по журналу».
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from objectivity.analysis.schema import task_column

Cuts = tuple[int, int, int]


def mark_expr(cuts: Cuts, total: str = "total") -> pl.Expr:
    """The ВПР mark 2-5 from the primary score and the lowest scores for «3», «4», «5»."""
    c3, c4, c5 = cuts
    score = pl.col(total)
    mark = pl.when(score >= c5).then(5).when(score >= c4).then(4).when(score >= c3).then(3).otherwise(2)
    return pl.when(score.is_null()).then(None).otherwise(mark).cast(pl.Int8)


def marks_distribution(rows: pl.DataFrame, cuts: Cuts, by: Sequence[str] = ()) -> pl.DataFrame:
    """Columns: *by, n, share_2, share_3, share_4, share_5 (percent of n, 0-100)."""
    marked = rows.with_columns(mark_expr(cuts).alias("mark"))
    shares = [((pl.col("mark") == m).sum() * 100.0 / pl.len()).alias(f"share_{m}") for m in (2, 3, 4, 5)]
    return _grouped(marked, by, [pl.len().alias("n"), *shares])


def score_distribution(rows: pl.DataFrame, max_total: int, by: Sequence[str] = ()) -> pl.DataFrame:
    """Columns: *by, score (0..max_total, every score present), n, share (percent of the group)."""
    scores = pl.DataFrame({"score": list(range(max_total + 1))}, schema={"score": pl.Int16})
    groups = rows.select(list(by)).unique() if by else pl.DataFrame()
    grid = groups.join(scores, how="cross") if by else scores
    counts = rows.group_by([*by, pl.col("total").alias("score")]).agg(pl.len().alias("n"))
    counts = counts.with_columns(pl.col("score").cast(pl.Int16))
    out = grid.join(counts, on=[*by, "score"], how="left").with_columns(pl.col("n").fill_null(0).cast(pl.Int64))
    total = pl.col("n").sum().over(by) if by else pl.col("n").sum()
    return out.with_columns((pl.col("n") * 100.0 / total).fill_nan(0.0).alias("share")).sort([*by, "score"])


def task_completion(rows: pl.DataFrame, maxima: Sequence[int], by: Sequence[str] = ()) -> pl.DataFrame:
    """Columns: *by, task (1-based column number), completion (percent of the maximum points, 0-100), n.
    Columns the rows do not have (a short CSV of totals under a work whose reference data has tasks) are left out.
    One aggregation over every task (a page asks for many units and tasks at once)."""
    present = [(number, top) for number, top in enumerate(maxima, start=1) if task_column(number) in rows.columns]
    if not present:
        return pl.DataFrame(schema={**{b: rows.schema[b] for b in by}, "task": pl.Int32, "completion": pl.Float64})
    done = [
        (pl.col(task_column(number)).fill_null(0).sum() * 100.0 / (pl.len() * top)).cast(pl.Float64).alias(str(number))
        for number, top in present
    ]
    wide = _grouped(rows, by, [pl.len().alias("n"), *done])
    long = wide.unpivot(on=[str(number) for number, _ in present], index=[*by, "n"], variable_name="task")
    long = long.with_columns(pl.col("task").cast(pl.Int32), pl.col("value").alias("completion"))
    return long.select(*by, "task", "completion", "n").sort([*by, "task"])


def journal_comparison(rows: pl.DataFrame, cuts: Cuts, by: Sequence[str] = ()) -> pl.DataFrame:
    """Pupils with a journal mark: the ВПР mark below it («понизили»), equal («подтвердили»), above
    («повысили»). Columns: *by, n, lowered, confirmed, raised (percent of n, 0-100)."""
    marked = rows.filter(pl.col("journal_mark").is_not_null()).with_columns(mark_expr(cuts).alias("mark"))
    diff = pl.col("mark").cast(pl.Int16) - pl.col("journal_mark").cast(pl.Int16)
    aggs = [
        pl.len().alias("n"),
        ((diff < 0).sum() * 100.0 / pl.len()).alias("lowered"),
        ((diff == 0).sum() * 100.0 / pl.len()).alias("confirmed"),
        ((diff > 0).sum() * 100.0 / pl.len()).alias("raised"),
    ]
    return _grouped(marked, by, aggs)


def _grouped(rows: pl.DataFrame, by: Sequence[str], aggs: list[pl.Expr]) -> pl.DataFrame:
    if by:
        return rows.group_by(list(by)).agg(aggs).sort(list(by))
    return rows.select(aggs)
