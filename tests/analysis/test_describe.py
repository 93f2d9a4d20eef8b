"""Descriptive statistics against hand-computed values."""

import polars as pl
import pytest

from objectivity.analysis.describe import (
    journal_comparison,
    mark_expr,
    marks_distribution,
    score_distribution,
    task_completion,
)

CUTS = (6, 10, 15)  # ВПР 2021, maths, grade 4


@pytest.fixture
def rows():
    return pl.DataFrame(
        {
            "school": ["a", "a", "a", "a", "b", "b"],
            "total": [5, 6, 10, 15, 9, 20],
            "journal_mark": [3, 3, 5, None, 2, 5],
            "task_1": [1, 1, 0, 1, None, 1],
            "task_2": [0, 2, 2, 1, 1, 2],
        },
        schema_overrides={"total": pl.Int16, "journal_mark": pl.Int8, "task_1": pl.Int8, "task_2": pl.Int8},
    )


def test_marks_follow_the_scale(rows):
    marks = rows.select(mark_expr(CUTS)).to_series().to_list()
    assert marks == [2, 3, 4, 5, 3, 5]


def test_marks_distribution_by_group(rows):
    out = marks_distribution(rows, CUTS, by=["school"])
    a = out.filter(pl.col("school") == "a").row(0, named=True)
    assert a["n"] == 4 and (a["share_2"], a["share_3"], a["share_4"], a["share_5"]) == (25.0, 25.0, 25.0, 25.0)
    whole = marks_distribution(rows, CUTS).row(0, named=True)
    assert whole["n"] == 6 and whole["share_5"] == pytest.approx(100 * 2 / 6)


def test_score_distribution_has_every_score(rows):
    out = score_distribution(rows, 20, by=["school"])
    assert out.height == 2 * 21
    b = out.filter(pl.col("school") == "b")
    assert b.filter(pl.col("score") == 9)["n"][0] == 1 and b["share"].sum() == pytest.approx(100)


def test_task_completion_is_percent_of_maximum(rows):
    out = task_completion(rows, [1, 2], by=["school"])
    a2 = out.filter((pl.col("school") == "a") & (pl.col("task") == 2))["completion"][0]
    assert a2 == pytest.approx(100 * 5 / (4 * 2))
    b1 = out.filter((pl.col("school") == "b") & (pl.col("task") == 1))["completion"][0]
    assert b1 == pytest.approx(50.0)  # an empty cell scores 0


def test_journal_comparison(rows):
    out = journal_comparison(rows, CUTS).row(0, named=True)
    # marks vs journal: 2<3 lowered, 3=3 confirmed, 4<5 lowered, (no journal), 3>2 raised, 5=5 confirmed
    assert out["n"] == 5
    assert (out["lowered"], out["confirmed"], out["raised"]) == (40.0, 40.0, 20.0)
