"""Known manipulation put into a clean synthetic region, at known schools: the ground truth of validation.

Kinds and strengths as the fixed evaluation scenario of METHODS.md §3:
- push: pupils 1-2 points under the «3» or «4» cut get the missing points (p = 0.6), on criterion columns;
- inflate: +1 point for 40% of pupils (criterion columns first);
- hard: +1 on each of the two hardest columns for 35% of pupils;
- journal: pupils whose ВПР mark is one under their journal mark are lifted to it when that takes
  ≤ 3 points (p = 0.6);
- copy: a block of 4-7 pupils of one class given one pupil's score vector;
- exclude: the weakest 10% of present pupils (at least one) marked absent;
- cohort: one grade-4 parallel lifted by 15-25% of the maximum, where possible in a year whose
  cohort writes grade 5 the next year (then clean).
Each manipulated school gets one kind in one test, chosen at random among tests where the kind changes
at least one pupil. Out: the truth frame `year, grade, subject, school_login, kind, pupils_touched`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from objectivity.analysis.synth_core import Array, Sitting, TestSpec, add_points, points_to_cut, points_to_journal

KINDS = ("push", "inflate", "hard", "journal", "copy", "exclude", "cohort")
TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int64(),
    "grade": pl.Int64(),
    "subject": pl.String(),
    "school_login": pl.String(),
    "kind": pl.String(),
    "pupils_touched": pl.Int64(),
}


@dataclass
class SchoolTest:
    """One school's rows of one test, copied out so a manipulation can be tried and then kept or dropped."""

    spec: TestSpec
    scores: Array
    absent: Array
    journal: Array
    klass: Array
    difficulty: Array

    @property
    def present(self) -> Array:
        return ~self.absent

    @property
    def criterion_first(self) -> Array:
        """Column weights for add_points: criterion columns before the others."""
        return np.where(self.spec.criterion_mask, 2.0, 1.0)


def _push(rows: SchoolTest, rng: np.random.Generator) -> int:
    totals = rows.scores.sum(axis=1)
    need = points_to_cut(totals, rows.spec.cuts)
    chosen = np.flatnonzero(rows.present & (need > 0) & (rng.random(len(totals)) < 0.6))
    allowed = rows.spec.criterion_mask.astype(float)
    return len(add_points(rows.scores, chosen, need[chosen], rows.spec.maxima, allowed, rng))


def _inflate(rows: SchoolTest, rng: np.random.Generator) -> int:
    chosen = np.flatnonzero(rows.present & (rng.random(len(rows.absent)) < 0.4))
    need = np.ones(len(chosen), dtype=np.int64)
    return len(add_points(rows.scores, chosen, need, rows.spec.maxima, rows.criterion_first, rng))


def _hard(rows: SchoolTest, rng: np.random.Generator) -> int:
    hardest = np.argsort(-rows.difficulty, kind="stable")[:2]
    chosen = rows.present & (rng.random(len(rows.absent)) < 0.35)
    room = (rows.spec.maxima[hardest] - rows.scores[:, hardest]) > 0
    lifted = room & chosen[:, None]
    rows.scores[:, hardest] += lifted.astype(np.int16)
    return int(lifted.any(axis=1).sum())


def _journal(rows: SchoolTest, rng: np.random.Generator) -> int:
    totals = rows.scores.sum(axis=1)
    need = points_to_journal(totals, rows.journal, rows.spec.cuts, rows.present)
    chosen = np.flatnonzero((need > 0) & (need <= 3) & (rng.random(len(totals)) < 0.6))
    return len(add_points(rows.scores, chosen, need[chosen], rows.spec.maxima, rows.criterion_first, rng))


def _copy(rows: SchoolTest, rng: np.random.Generator) -> int:
    classes, counts = np.unique(rows.klass[rows.present], return_counts=True)
    if not len(classes) or counts.max() < 4:
        return 0
    klass = rng.choice(classes[counts >= 4])
    members = np.flatnonzero(rows.present & (rows.klass == klass))
    block = rng.choice(members, size=min(len(members), int(rng.integers(4, 8))), replace=False)
    source = block[np.argmax(rows.scores[block].sum(axis=1))]
    changed = block[(rows.scores[block] != rows.scores[source]).any(axis=1)]
    rows.scores[changed] = rows.scores[source]
    return len(changed)


def _exclude(rows: SchoolTest, rng: np.random.Generator) -> int:
    present = np.flatnonzero(rows.present)
    if len(present) < 2:  # sending away the only pupil leaves nothing to compare
        return 0
    count = max(1, round(0.1 * len(present)))
    weakest = present[np.lexsort((rng.random(len(present)), rows.scores[present].sum(axis=1)))[:count]]
    rows.absent[weakest] = True
    rows.scores[weakest] = 0
    return len(weakest)


def _cohort(rows: SchoolTest, rng: np.random.Generator) -> int:
    spike = rng.uniform(0.15, 0.25) * rows.spec.max_total
    room = (rows.spec.maxima - rows.scores).sum(axis=1)
    present = np.flatnonzero(rows.present)
    need = np.minimum(np.rint(spike + rng.normal(0, 1, len(present))).astype(np.int64), room[present])
    return len(add_points(rows.scores, present, need, rows.spec.maxima, rows.criterion_first, rng))


MANIPULATIONS: dict[str, Callable[[SchoolTest, np.random.Generator], int]] = {
    "push": _push,
    "inflate": _inflate,
    "hard": _hard,
    "journal": _journal,
    "copy": _copy,
    "exclude": _exclude,
    "cohort": _cohort,
}


def _cut_out(sitting: Sitting, school: int) -> SchoolTest:
    rows = sitting.rows_of(school)
    return SchoolTest(
        spec=sitting.spec,
        scores=sitting.scores[rows].copy(),
        absent=sitting.absent[rows].copy(),
        journal=sitting.journal[rows],
        klass=sitting.klass[rows],
        difficulty=sitting.difficulty,
    )


def _put_back(sitting: Sitting, school: int, rows: SchoolTest) -> None:
    where = sitting.rows_of(school)
    sitting.scores[where], sitting.absent[where] = rows.scores, rows.absent


def _candidate_tests(kind: str, sittings: Mapping[TestSpec, Sitting]) -> list[TestSpec]:
    """Tests a kind may go into; for `cohort`, grade-4 tests, best those whose cohort writes grade 5 next year."""
    if kind != "cohort":
        return list(sittings)
    fours = [s for s in sittings if s.grade == 4]
    followed = [s for s in fours if any((t.year, t.grade, t.subject) == (s.year + 1, 5, s.subject) for t in sittings)]
    return followed or fours


def _try_school(
    kind: str, school: int, tests: Sequence[TestSpec], sittings: Mapping[TestSpec, Sitting], rng: np.random.Generator
) -> tuple[TestSpec, int] | None:
    """Apply `kind` in a random test of the school where it changes someone; None if it changes no one anywhere."""
    for index in rng.permutation(len(tests)):
        sitting = sittings[tests[index]]
        if sitting.starts[school + 1] == sitting.starts[school]:
            continue
        rows = _cut_out(sitting, school)
        touched = MANIPULATIONS[kind](rows, rng)
        if touched:
            _put_back(sitting, school, rows)
            return sitting.spec, touched
    return None


def inject_manipulation(
    sittings: Mapping[TestSpec, Sitting], logins: Sequence[str], shares: Mapping[str, float], rng: np.random.Generator
) -> pl.DataFrame:
    """Manipulate round(share × schools) schools per kind, in place; return the truth frame."""
    unknown = sorted(set(shares) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown manipulation kinds {unknown}; known: {', '.join(KINDS)}")
    order = [int(i) for i in rng.permutation(len(logins))]  # schools in a random order, taken by kind in turn
    truth: list[dict[str, object]] = []
    for kind in KINDS:
        wanted = round(shares.get(kind, 0.0) * len(logins))
        taken = {row["school_login"] for row in truth}
        free = [school for school in order if logins[school] not in taken]
        truth += _manipulate(kind, wanted, free, sittings, logins, rng)
    return pl.DataFrame(truth, schema=TRUTH_SCHEMA).sort("year", "grade", "subject", "school_login")


def _manipulate(
    kind: str,
    wanted: int,
    schools: Sequence[int],
    sittings: Mapping[TestSpec, Sitting],
    logins: Sequence[str],
    rng: np.random.Generator,
) -> list[dict[str, object]]:
    """Truth rows of the first `wanted` schools (in the given order) where `kind` changes someone."""
    tests, rows = _candidate_tests(kind, sittings), list[dict[str, object]]()
    for school in schools:
        if len(rows) >= wanted or not tests:
            break
        if (done := _try_school(kind, school, tests, sittings, rng)) is not None:
            spec, touched = done
            where = {"year": spec.year, "grade": spec.grade, "subject": spec.subject, "school_login": logins[school]}
            rows.append(where | {"kind": kind, "pupils_touched": touched})
    return rows
