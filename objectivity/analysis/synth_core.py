"""Building blocks of the synthetic region: the tests it is made of, random streams, one test's rows.

Grades 4-5 Russian and maths carry the maximum and the mark scale of ВПР 2021 (FORMATS.md §3);
their scoring columns, and everything about grades 6-8, are invented to look like ВПР.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
FIOKO_2021 = "FIOKO description 2021 (max and scale); columns synthetic"
SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class ColumnSpec:
    """One «балл за N» column: a task, or one criterion of a task."""

    number: int
    label: str
    max: int
    level: str  # «Б» basic, «П» advanced, «В» high
    criterion: bool  # scored by the teacher against criteria (polytomous), not a checked short answer


@dataclass(frozen=True, kw_only=True)
class TestSpec:
    """One test (year × grade × subject): its columns and the lowest primary score for «3», «4», «5»."""

    __test__ = False  # not a pytest class, whatever its name says

    year: int
    grade: int
    subject: str
    period: str = "spring"
    columns: tuple[ColumnSpec, ...]
    cuts: tuple[int, int, int]
    source: str = SYNTHETIC

    @property
    def max_total(self) -> int:
        return sum(column.max for column in self.columns)

    @property
    def maxima(self) -> Array:
        return np.array([column.max for column in self.columns], dtype=np.int16)

    @property
    def criterion_mask(self) -> Array:
        return np.array([column.criterion for column in self.columns], dtype=bool)

    def __str__(self) -> str:
        return f"{self.year} {self.grade} {self.subject}"


def _columns(text: str) -> tuple[ColumnSpec, ...]:
    """Columns from «label:max:level[:c]» items separated by spaces; «c» marks a criterion column."""
    columns = []
    for number, item in enumerate(text.split(), start=1):
        label, top, level, *flag = item.split(":")
        columns.append(ColumnSpec(number, label, int(top), level, bool(flag)))
    return tuple(columns)


_RU_DICTATION = "1К1:4:Б:c 1К2:3:Б:c 1К3:2:Б:c 2К1:3:Б:c 2К2:3:Б:c 2К3:3:Б:c 2К4:3:Б:c"
_RU_7 = f"{_RU_DICTATION} 3:2:Б:c 4:2:Б:c 5:2:Б:c 6:2:Б 7:3:П:c 8:3:П:c 9:2:Б:c 10:2:П:c 11:3:П:c 12:3:П:c 13:2:В:c"
# (grade, subject) → (columns, cuts for «3», «4», «5», source)
CATALOGUE: dict[tuple[int, str], tuple[str, tuple[int, int, int], str]] = {
    (4, "ru"): (
        "1К1:4:Б:c 1К2:3:Б:c 2:3:Б:c 3.1:1:Б 3.2:3:Б:c 4:2:Б 5:2:Б 6:2:Б:c 7:2:Б:c 8:2:П:c 9:2:П:c 10:1:Б"
        " 11:1:Б 12.1:1:Б 12.2:2:Б:c 13.1:1:Б 13.2:2:П:c 14:1:Б 15.1:2:П:c 15.2:1:В",
        (14, 24, 33),
        FIOKO_2021,
    ),
    (4, "ma"): (
        "1:1:Б 2:1:Б 3:2:Б:c 4:1:Б 5.1:1:Б 5.2:1:Б 6.1:1:Б 6.2:1:Б 7:1:Б 8:2:Б:c 9.1:1:П 9.2:1:П 10:2:П:c"
        " 11:2:П:c 12:2:В:c",
        (6, 10, 15),
        FIOKO_2021,
    ),
    (5, "ru"): (
        f"{_RU_DICTATION} 3:2:Б:c 4:3:Б:c 5:3:Б:c 6:2:Б 7:3:П:c 8:3:П:c 9:2:Б:c 10:1:Б 11:2:П:c 12.1:1:Б 12.2:2:В:c",
        (18, 29, 39),
        FIOKO_2021,
    ),
    (5, "ma"): (
        "1:1:Б 2:1:Б 3:1:Б 4:1:Б 5:1:Б 6:1:Б 7:1:Б 8:2:Б:c 9:2:Б:c 10:2:П:c 11:2:П:c 12.1:1:Б 12.2:1:П 13:1:П 14:2:В:c",
        (7, 11, 15),
        FIOKO_2021,
    ),
    (6, "ru"): (
        f"{_RU_DICTATION} 3:2:Б:c 4.1:1:Б 4.2:2:Б:c 5:2:Б:c 6:2:Б 7:3:П:c 8:3:П:c 9:2:Б:c 10:3:П:c 11:2:Б:c"
        " 12:3:П:c 13:3:В:c 14:2:Б",
        (21, 33, 45),
        SYNTHETIC,
    ),
    (6, "ma"): (
        "1:1:Б 2:1:Б 3:1:Б 4:1:Б 5:1:Б 6:1:Б 7:1:Б 8:1:Б 9:2:Б:c 10:2:П:c 11:1:Б 12:2:П:c 13:2:П:c 14:1:В 15:2:В:c",
        (6, 10, 14),
        SYNTHETIC,
    ),
    (7, "ru"): (_RU_7, (19, 30, 41), SYNTHETIC),
    (7, "ma"): (
        "1:1:Б 2:1:Б 3:1:Б 4:1:Б 5:1:Б 6:2:Б:c 7:1:Б 8:1:Б 9:1:Б 10:1:П 11:2:П:c 12:1:П 13:2:В:c",
        (6, 9, 13),
        SYNTHETIC,
    ),
    (8, "ru"): (f"{_RU_7} 14:4:П:c", (21, 32, 44), SYNTHETIC),
    (8, "ma"): (
        "1:1:Б 2:1:Б 3:1:Б 4:1:Б 5:1:Б 6:1:Б 7:1:Б 8:1:Б 9:1:Б 10:2:Б:c 11:1:П 12:1:П 13:1:П 14:2:П:c 15:1:В 16:2:В:c",
        (7, 11, 15),
        SYNTHETIC,
    ),
}


def default_tests(
    years: Sequence[int], grades: Sequence[int] = (4, 5, 6, 7, 8), subjects: Sequence[str] = ("ru", "ma")
) -> list[TestSpec]:
    """Spring ВПР specs, one per year × grade × subject, in that order; the same columns every year."""
    unknown = [(g, s) for g in grades for s in subjects if (g, s) not in CATALOGUE]
    if unknown:
        raise ValueError(f"no synthetic test for grade/subject {unknown}")
    return [_spec(year, grade, subject) for year in years for grade in grades for subject in subjects]


# From 2025 grade-4 Russian has the new format: 12 tasks, maximum 24, cuts 10/16/21 (FORMATS.md §3).
NEW_FORMAT_RU4 = (
    "1:4:Б:c 2:3:Б:c 3:1:Б 4:2:Б 5:2:Б:c 6:2:Б 7:2:П:c 8:2:П:c 9:1:Б 10:2:П:c 11:2:Б:c 12:1:В",
    (10, 16, 21),
    "FIOKO demo 2026 (max and scale); columns synthetic",
)


def _spec(year: int, grade: int, subject: str) -> TestSpec:
    text, cuts, source = (
        NEW_FORMAT_RU4 if (grade, subject, year >= 2025) == (4, "ru", True) else CATALOGUE[(grade, subject)]
    )
    return TestSpec(year=year, grade=grade, subject=subject, columns=_columns(text), cuts=cuts, source=source)


def stream(seed: int, *key: int | str) -> np.random.Generator:
    """A generator of its own for each purpose, so that drawing more in one never shifts another."""
    words = [zlib.crc32(part.encode()) if isinstance(part, str) else part for part in key]
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=words))


@dataclass
class Sitting:
    """One test's rows as arrays, grouped by school (rows of school i are starts[i]:starts[i+1])."""

    spec: TestSpec
    school: Array  # index into the schools frame, one per row
    starts: Array  # row offsets per school, length n_schools + 1
    klass: Array  # class index within the school; -1 when the file gives no class
    absent: Array  # bool
    journal: Array  # teacher's mark 2..5; 0 when there is none
    girl: Array  # 1 girl, 0 boy, -1 not given
    variant: Array  # 1 or 2
    scores: Array  # rows × columns, int16; 0 on absent rows
    difficulty: Array  # per column, on the ability scale

    def rows_of(self, school: int) -> slice:
        return slice(int(self.starts[school]), int(self.starts[school + 1]))


def ability_marks(totals: Array, cuts: tuple[int, int, int]) -> Array:
    """The ВПР mark 2..5 a primary score gets on the test's scale."""
    return np.searchsorted(np.asarray(cuts), totals, side="right") + 2


def points_to_cut(totals: Array, cuts: tuple[int, int, int]) -> Array:
    """Per pupil: the 1-2 points that lift him to the «3» or «4» cut, 0 when he is not 1-2 points under one."""
    gaps = [cut - totals for cut in cuts[:2]]
    return np.asarray(np.select([(gap >= 1) & (gap <= 2) for gap in gaps], gaps, 0))


def points_to_journal(totals: Array, journal: Array, cuts: tuple[int, int, int], pupils: Array) -> Array:
    """Per pupil of `pupils` (a mask) whose test mark is one under his journal mark «3»-«5»: the points to its
    cut; 0 for everyone else."""
    below = pupils & (journal >= 3) & (ability_marks(totals, cuts) == journal - 1)
    cut_of = np.array([0, 0, 0, *cuts])  # mark → lowest primary score for it
    return np.asarray(np.where(below, cut_of[np.clip(journal, 0, 5)] - totals, 0))


def add_points(
    scores: Array, rows: Array, need: Array, maxima: Array, allowed: Array, rng: np.random.Generator
) -> Array:
    """Add `need` points to each row, one point at a time, on random allowed columns with room left.

    Rows whose allowed columns cannot take all the points are left alone. Returns the rows changed.
    `allowed` is a per-column weight: 0 never, 1 normal, 2 preferred (taken first while room is left);
    one vector for every row, or one row of weights per row of `rows`.
    """
    allowed = np.broadcast_to(allowed, (len(rows), scores.shape[1]))
    room = (maxima - scores[rows]) * (allowed > 0)
    fits = (room.sum(axis=1) >= need) & (need > 0)
    rows, need, room, allowed = rows[fits], need[fits].astype(np.int64), room[fits], allowed[fits]
    for _ in range(int(need.max(initial=0))):
        active = np.flatnonzero(need > 0)
        keys = np.where(room[active] > 0, rng.random(room[active].shape) + allowed[active], -1.0)
        pick = keys.argmax(axis=1)
        scores[rows[active], pick] += 1
        room[active, pick] -= 1
        need[active] -= 1
    return np.asarray(rows)


# Whole classes marked «не пройд.» on a task (the topic not taught yet): share of class × column cells,
# on three columns of each test; real ВПР 2021 grade 6-8 exports: 0.1-0.3 % of cells in Russian,
# 0.4-0.7 % in maths, half or more of them in classes that have it on that task for ≥ 90 % of pupils.
NOT_TAUGHT_SHARE = {"ru": 0.001, "ma": 0.005}
NOT_TAUGHT_COLUMN_WEIGHTS = (0.5, 0.3, 0.2)


def not_taught(seed: int, spec: TestSpec, classes: Sequence[str]) -> Array:
    """Which class × column cells a class marks «не пройд.»: bool, len(classes) × columns.

    `classes` are «login|letter» keys (letter "" when the file gives none). The draw is a hash of the
    key, so the generator (which zeroes those cells) and the writer (which writes them «не пройд.»)
    agree whatever else either of them draws.
    """
    k = len(spec.columns)
    chosen = stream(0, "not-taught", spec.grade, spec.subject).choice(k, min(3, k), replace=False)
    weights = np.zeros(k)
    weights[chosen] = np.array(NOT_TAUGHT_COLUMN_WEIGHTS[: len(chosen)]) * k / sum(NOT_TAUGHT_COLUMN_WEIGHTS)
    chance = NOT_TAUGHT_SHARE.get(spec.subject, 0.0) * weights
    out = np.zeros((len(classes), k), dtype=bool)
    prefix = f"{seed}|{spec.year}|{spec.grade}|{spec.subject}|{spec.period}|"
    for j in np.flatnonzero(chance > 0):
        draws = np.array([zlib.crc32(f"{prefix}{key}|{j}".encode()) for key in classes], dtype=np.float64)
        out[:, j] = draws / 2.0**32 < chance[j]
    return out
