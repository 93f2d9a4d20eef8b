"""Known manipulation put into real exports, at known schools: the ground truth of the real-data validation.

The background is a set of real ФИС ОКО regional exports as `objectivity analyze` reads them (nothing
generated). 8 % of the schools get one kind each, in one test where the kind changes at least one pupil,
at the light strengths a teacher really applies (METHODS.md §3):
- push: 1-2 pupils of one class who are 1-2 points under the «3» or «4» cut get the missing points
  (criterion columns first);
- inflate: +1 point on a random task with room for a third of one class;
- hard: +1 on each of the two hardest columns (level В before П before Б; within a level, the column the
  region's pupils score least on, as share of its maximum) for a third of one class;
- journal: 1-3 pupils whose ВПР mark is one under their journal mark are lifted to it when that takes
  ≤ 3 points;
- copy: 2-3 pupils of one class × variant are given another pupil's whole score vector;
- exclude: the weakest 1-3 present pupils are marked absent (their scores and journal mark blanked, as the
  export blanks those of absent pupils).
Totals are recomputed from the task columns of every changed pupil. Out: new frames (the input frames are
not changed) and the truth frame `year, period, grade, subject, school_login, kind, pupils_touched`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import task_columns
from objectivity.analysis.synth_core import add_points, points_to_cut, points_to_journal

Key = tuple[int, str, int, str]
KINDS = ("push", "inflate", "hard", "journal", "copy", "exclude")
SHARE = 0.08
TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int32(),
    "period": pl.String(),
    "grade": pl.Int32(),
    "subject": pl.String(),
    "school_login": pl.String(),
    "kind": pl.String(),
    "pupils_touched": pl.Int64(),
}
LEVEL_RANK = {"В": 2, "П": 1, "Б": 0}


@dataclass
class Rows:
    """One school's pupils of one test, copied out (numpy) so a manipulation can be tried and kept or dropped."""

    scores: np.ndarray  # pupils × columns, int64 (absent and invalid pupils: 0)
    counted: np.ndarray  # valid, present, with a total
    absent: np.ndarray
    journal: np.ndarray  # 0 where none
    klass: np.ndarray  # class letter ("" where none)
    variant: np.ndarray  # variant ("" where none)
    info: TestInfo
    hardest: np.ndarray  # the test's two hardest columns (`hardest_columns`)

    @property
    def maxima(self) -> np.ndarray:
        return np.asarray(self.info.column_max, dtype=np.int64)

    @property
    def criterion_first(self) -> np.ndarray:
        criterion = self.info.criterion or (False,) * self.scores.shape[1]
        return np.where(np.asarray(criterion, dtype=bool), 2.0, 1.0)


def hardest_columns(info: TestInfo, facility: np.ndarray, count: int = 2) -> np.ndarray:
    """The `count` hardest scoring columns: level В before П before Б (unknown = Б); within a level, the lowest
    `facility` (the region's mean share of the column's maximum) first. Position says nothing of difficulty:
    with ties broken by position, a test without levels (Russian of grades 6-8) had its last two columns
    "helped", which favoured a statistic that reads exactly those."""
    columns = len(info.column_max)
    levels = info.levels if len(info.levels) == columns else ("",) * columns
    order = sorted(range(columns), key=lambda i: (-LEVEL_RANK.get(levels[i], 0), facility[i], -i))
    return np.asarray(order[:count], dtype=np.int64)


def region_facility(scores: np.ndarray, counted: np.ndarray, maxima: Sequence[int]) -> np.ndarray:
    """Per column: the mean share of its maximum among the counted pupils."""
    top = np.maximum(np.asarray(maxima, dtype=float), 1.0)
    if not counted.any():
        return np.zeros(len(top))
    return np.asarray(scores[counted].mean(axis=0) / top)


def region_hardest(frame: pl.DataFrame, info: TestInfo) -> np.ndarray:
    """`hardest_columns` of one test's frame (its own region's facility)."""
    test = _Test(frame, info)
    return test.hardest


def _one_class(rows: Rows, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The candidates (a boolean mask) of one class chosen at random among the classes that have any."""
    classes = np.unique(rows.klass[candidates])
    if not len(classes):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(candidates & (rows.klass == rng.choice(classes)))


def _third(members: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(members, size=max(1, round(len(members) / 3)), replace=False)


def _push(rows: Rows, rng: np.random.Generator) -> int:
    if rows.info.cuts is None:
        return 0
    need = points_to_cut(rows.scores.sum(axis=1), rows.info.cuts)
    members = _one_class(rows, rows.counted & (need > 0), rng)
    if not len(members):
        return 0
    chosen = rng.choice(members, size=min(len(members), int(rng.integers(1, 3))), replace=False)
    return len(add_points(rows.scores, chosen, need[chosen], rows.maxima, rows.criterion_first, rng))


def _inflate(rows: Rows, rng: np.random.Generator) -> int:
    members = _one_class(rows, rows.counted, rng)
    if not len(members):
        return 0
    chosen = _third(members, rng)
    need = np.ones(len(chosen), dtype=np.int64)
    return len(add_points(rows.scores, chosen, need, rows.maxima, np.ones(len(rows.maxima)), rng))


def _hard(rows: Rows, rng: np.random.Generator) -> int:
    hardest = rows.hardest
    room = (rows.maxima[hardest] - rows.scores[:, hardest]) > 0
    members = _one_class(rows, rows.counted, rng)
    if not len(members):
        return 0
    chosen = np.zeros(len(rows.counted), dtype=bool)
    chosen[_third(members, rng)] = True
    lifted = room & chosen[:, None]
    rows.scores[:, hardest] += lifted.astype(np.int64)
    return int(lifted.any(axis=1).sum())


def _journal(rows: Rows, rng: np.random.Generator) -> int:
    if rows.info.cuts is None:
        return 0
    need = points_to_journal(rows.scores.sum(axis=1), rows.journal, rows.info.cuts, rows.counted)
    candidates = np.flatnonzero((need > 0) & (need <= 3))
    if not len(candidates):
        return 0
    chosen = rng.choice(candidates, size=min(len(candidates), int(rng.integers(1, 4))), replace=False)
    return len(add_points(rows.scores, chosen, need[chosen], rows.maxima, rows.criterion_first, rng))


def _copy(rows: Rows, rng: np.random.Generator) -> int:
    group = np.char.add(np.char.add(rows.klass.astype(str), "\x1f"), rows.variant.astype(str))
    names, counts = np.unique(group[rows.counted], return_counts=True)
    if not len(names) or counts.max() < 3:
        return 0
    members = np.flatnonzero(rows.counted & (group == rng.choice(names[counts >= 3])))
    source = rng.choice(members)
    others = members[members != source]
    targets = rng.choice(others, size=min(len(others), int(rng.integers(2, 4))), replace=False)
    changed = targets[(rows.scores[targets] != rows.scores[source]).any(axis=1)]
    rows.scores[changed] = rows.scores[source]
    return len(changed)


def _exclude(rows: Rows, rng: np.random.Generator) -> int:
    present = np.flatnonzero(rows.counted)
    count = int(rng.integers(1, 4))
    if len(present) < count + 2:  # leave at least two pupils to compare
        return 0
    weakest = present[np.lexsort((rng.random(len(present)), rows.scores[present].sum(axis=1)))[:count]]
    rows.absent[weakest] = True
    rows.counted[weakest] = False
    rows.scores[weakest] = 0
    rows.journal[weakest] = 0
    return len(weakest)


MANIPULATIONS: dict[str, Callable[[Rows, np.random.Generator], int]] = {
    "push": _push,
    "inflate": _inflate,
    "hard": _hard,
    "journal": _journal,
    "copy": _copy,
    "exclude": _exclude,
}


class _Test:
    """One test's frame as arrays, schools located by their row ranges (frame sorted by school)."""

    def __init__(self, frame: pl.DataFrame, info: TestInfo) -> None:
        self.frame = frame.with_row_index("_row").sort("school_login", "_row")
        self.info, self.tasks = info, task_columns(frame)
        self.scores = self.frame.select(pl.col(self.tasks).fill_null(0).cast(pl.Int64)).to_numpy()
        self.original = self.scores.copy()
        self.counted = (
            self.frame.select(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())
            .to_series()
            .to_numpy()
        )
        self.absent = self.frame["absent"].to_numpy().copy()
        self.journal = self.frame["journal_mark"].fill_null(0).cast(pl.Int64).to_numpy().copy()
        self.klass = self.frame["class_letter"].fill_null("").to_numpy().astype(str)
        variant = (
            self.frame["variant"].cast(pl.String) if "variant" in frame.columns else pl.Series([""] * frame.height)
        )
        self.variant = variant.fill_null("").to_numpy().astype(str)
        logins = self.frame["school_login"].to_numpy()
        self.logins, starts = np.unique(logins, return_index=True)
        self.bounds = dict(zip(self.logins, zip(starts, [*starts[1:], len(logins)], strict=True), strict=True))
        self.changed = np.zeros(self.frame.height, dtype=bool)
        self.hardest = hardest_columns(info, region_facility(self.scores, self.counted, info.column_max))

    def rows_of(self, login: str) -> tuple[slice, Rows]:
        start, end = self.bounds[login]
        where = slice(int(start), int(end))
        return where, Rows(
            scores=self.scores[where].copy(),
            counted=self.counted[where].copy(),
            absent=self.absent[where].copy(),
            journal=self.journal[where].copy(),
            klass=self.klass[where],
            variant=self.variant[where],
            info=self.info,
            hardest=self.hardest,
        )

    def put_back(self, where: slice, rows: Rows) -> None:
        changed = (rows.scores != self.scores[where]).any(axis=1) | (rows.absent != self.absent[where])
        self.scores[where], self.counted[where], self.absent[where] = rows.scores, rows.counted, rows.absent
        self.changed[where] |= changed

    def result(self) -> pl.DataFrame:
        """The frame with the changed pupils' tasks, totals, absence and journal marks, in its own row order."""
        if not self.changed.any():
            return self.frame.sort("_row").drop("_row")
        changed, absent = pl.Series(self.changed), pl.Series(self.absent)
        present_changed = changed & ~absent
        dtypes = self.frame.schema
        columns = []
        for index, name in enumerate(self.tasks):
            new = pl.Series(self.scores[:, index])
            moved = present_changed & (pl.Series(self.original[:, index]) != new)  # a null the task kept stays null
            columns.append(
                pl.when(changed & absent)
                .then(None)
                .when(moved)
                .then(pl.lit(new))
                .otherwise(pl.col(name))
                .cast(dtypes[name])
                .alias(name)
            )
        total = pl.Series(self.scores.sum(axis=1))
        excluded = changed & absent
        out = self.frame.with_columns(
            *columns,
            pl.when(excluded)
            .then(None)
            .when(present_changed)
            .then(pl.lit(total))
            .otherwise(pl.col("total"))
            .cast(dtypes["total"])
            .alias("total"),
            pl.lit(absent).alias("absent"),
            pl.when(excluded).then(None).otherwise(pl.col("journal_mark")).alias("journal_mark"),
        )
        return out.sort("_row").drop("_row")


def _key_of(frame: pl.DataFrame) -> Key:
    return (int(frame["year"][0]), str(frame["period"][0]), int(frame["grade"][0]), str(frame["subject"][0]))


def inject_real(
    frames: Sequence[pl.DataFrame],
    infos: Mapping[Key, TestInfo],
    seed: int,
    *,
    share: float = SHARE,
    kinds: Sequence[str] = KINDS,
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Manipulate round(share / len(kinds) × schools) schools per kind, one test each; return the new frames
    (the same order) and the truth. Copying keeps within a class × variant when the frames have the variant."""
    rng = np.random.default_rng(seed)
    tests = [
        _Test(frame, infos[_key_of(frame)]) for frame in frames if not frame.is_empty() and _key_of(frame) in infos
    ]
    logins = sorted({str(login) for test in tests for login in test.logins[_has_counted(test)]})
    order = [logins[i] for i in rng.permutation(len(logins))]
    wanted = round(share / len(kinds) * len(logins))
    truth: list[dict[str, object]] = []
    taken: set[str] = set()
    for kind in kinds:
        done = 0
        for login in order:
            if done >= wanted:
                break
            if login in taken:
                continue
            if (found := _try_school(kind, login, tests, rng)) is not None:
                test, touched = found
                year, period, grade, subject = _key_of(test.frame)
                truth.append(
                    {"year": year, "period": period, "grade": grade, "subject": subject, "school_login": login}
                    | {"kind": kind, "pupils_touched": touched}
                )
                taken.add(login)
                done += 1
    by_key = {_key_of(test.frame): test.result() for test in tests}
    out = [by_key.get(_key_of(frame), frame) if not frame.is_empty() else frame for frame in frames]
    return out, pl.DataFrame(truth, schema=TRUTH_SCHEMA)


def _has_counted(test: _Test) -> np.ndarray:
    starts = np.array([test.bounds[login][0] for login in test.logins], dtype=np.int64)
    return np.add.reduceat(test.counted.astype(np.int64), starts) > 0 if len(starts) else np.zeros(0, dtype=bool)


def _try_school(kind: str, login: str, tests: Sequence[_Test], rng: np.random.Generator) -> tuple[_Test, int] | None:
    """Apply `kind` in a random test of the school where it changes someone; None if it changes no one anywhere."""
    for index in rng.permutation(len(tests)):
        test = tests[index]
        if login not in test.bounds:
            continue
        where, rows = test.rows_of(login)
        touched = MANIPULATIONS[kind](rows, rng)
        if touched:
            test.put_back(where, rows)
            return test, touched
    return None
