"""The crude statistics with no null model (objectivity.analysis.crude): each figure by hand."""

import math

import polars as pl
import pytest

from objectivity.analysis.crude import CRUDE_RANK, crude_statistics, with_rank_sum
from objectivity.analysis.describe import mark_expr
from objectivity.analysis.markers.base import TestInfo

# Four columns worth 1, 1, 2, 2 (maximum 6); «3» from 2 points, «4» from 4, «5» from 6.
INFO = TestInfo(max_total=6, cuts=(2, 4, 6), column_max=(1, 1, 2, 2))


def pupils(rows: list[tuple[str, tuple[int, int, int, int], int | None]]) -> pl.DataFrame:
    """school, task scores, journal mark → a pupil frame as the layers read it (all valid and present)."""
    return pl.DataFrame(
        {
            "school_login": [r[0] for r in rows],
            "valid": [True] * len(rows),
            "absent": [False] * len(rows),
            "total": [sum(r[1]) for r in rows],
            "journal_mark": [r[2] for r in rows],
            **{f"task_{i + 1}": [r[1][i] for r in rows] for i in range(4)},
        },
        schema_overrides={"journal_mark": pl.Int8},
    )


def test_marks_on_the_scale():
    marks = pl.DataFrame({"total": [0, 1, 2, 3, 4, 5, 6]}).select(mark_expr(INFO.cuts)).to_series().to_list()
    assert marks == [2, 2, 3, 3, 4, 4, 5]


def test_bunching_ratio_by_hand():
    # school a: totals 2, 3 (at the «3» cut), 4 (at the «4» cut), 0 (two under «3»); school b: 0, 1, 2 and 3
    frame = pupils(
        [
            ("a", (1, 1, 0, 0), 3),
            ("a", (1, 0, 2, 0), 3),
            ("a", (0, 0, 2, 2), 4),
            ("a", (0, 0, 0, 0), 2),
            ("b", (0, 0, 0, 0), 2),
            ("b", (1, 0, 0, 0), 2),
            ("b", (1, 1, 0, 0), 3),
            ("b", (1, 1, 1, 0), 3),
        ]
    )
    found = {r["school_login"]: r for r in crude_statistics(frame, INFO).to_dicts()}
    # «3» cut 2: above {2, 3}, below {0, 1}; «4» cut 4: above {4, 5}, below {2, 3}
    # a: above 2 + 1 = 3, below 1 + 2 = 3; b: above 2 + 0 = 2, below 2 + 2 = 4
    assert found["a"]["crude_bunching"] == pytest.approx(3.5 / 3.5)
    assert found["b"]["crude_bunching"] == pytest.approx(2.5 / 4.5)
    assert found["a"]["n"] == 4


def test_journal_agreement_share_by_hand():
    frame = pupils(
        [
            ("a", (1, 1, 0, 0), 3),  # mark 3 = journal 3
            ("a", (1, 1, 2, 0), 3),  # mark 4 ≠ 3
            ("a", (1, 1, 2, 2), 5),  # mark 5 = 5
            ("a", (0, 0, 0, 0), None),  # no journal mark: not counted
        ]
    )
    assert crude_statistics(frame, INFO)["crude_journal"].item() == pytest.approx(2 / 3)


def test_hard_residual_rises_for_the_school_strong_on_the_last_columns_only():
    # Three schools on the regional line (last-two share = rest share), one with the same rest share as b but
    # all of the last two columns: it alone has a clearly positive residual.
    rows = []
    for school, rest, last in (
        ("a", (0, 0), (0, 0)),
        ("b", (1, 0), (1, 0)),
        ("c", (1, 1), (2, 2)),
        ("d", (1, 0), (2, 2)),
    ):
        rows += [(school, (*rest, *last), None)] * 3
    found = {r["school_login"]: r["crude_hard"] for r in crude_statistics(pupils(rows), INFO).to_dicts()}
    assert found["d"] > 0.3
    assert max(found["a"], found["b"], found["c"]) < found["d"]
    assert math.isfinite(found["a"])


def test_without_a_scale_only_the_hard_residual_is_given():
    frame = pupils([("a", (1, 1, 0, 0), 3), ("a", (0, 1, 2, 0), 3), ("b", (0, 0, 0, 0), 2)])
    found = crude_statistics(frame, TestInfo(max_total=6, cuts=None, column_max=(1, 1, 2, 2)))
    assert found["crude_bunching"].null_count() == 2 and found["crude_journal"].null_count() == 2
    assert found["crude_hard"].null_count() == 0


def test_rank_sum_counts_a_missing_figure_as_the_middle():
    frame = pl.DataFrame(
        {
            "test": [1, 1, 1],
            "crude_bunching": [1.0, 2.0, 3.0],
            "crude_hard": [0.3, 0.2, 0.1],
            "crude_journal": [None, 0.5, 0.9],
        }
    )
    ranks = with_rank_sum(frame, ["test"])[CRUDE_RANK].to_list()
    # a: 1/3 + 3/3 + 0.5; b: 2/3 + 2/3 + 1/2; c: 3/3 + 1/3 + 2/2
    assert ranks == pytest.approx([1 / 3 + 1 + 0.5, 2 / 3 + 2 / 3 + 0.5, 1 + 1 / 3 + 1])
