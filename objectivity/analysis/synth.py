"""A synthetic ВПР region: schools, every pupil's result in each test, and the truth about manipulation.

Out (`SyntheticRegion`):
- `schools`: the registry (synth_schools: login, names, municipality, type, settlement, pupils per grade);
- `results[spec]`: one pupil frame per test, exactly `schema.pupil_schema(K)`, rows in file order
  (`source_row` 2, 3, … as in the written workbook); `valid=False` only on the few rows whose
  «всего баллов» disagrees with the columns (`problem` = total_mismatch / total_above_max);
- `truth`: `year, grade, subject, school_login, kind, pupils_touched`, one row per manipulated school.

Model, on a logit ability scale:
- ability θ = μ_test + school + teacher + cohort + class + pupil + day. School: by type and place
  (лицей and гимназия +0.55, city +0.1, village −0.15, small village −0.25 with a wider spread, 0.45
  instead of 0.3); teacher: school × test, N(0, 0.15); cohort: school × birth year (year − grade),
  N(0, 0.15), with its size; the cohort's pupils N(0, 0.9) and classes N(0, 0.12) persist, so grade 4
  in Y and grade 5 in Y+1 are the same pupils and ФИОКО's K = S(4, Y)/S(5, Y+1) stays near 1 with a
  realistic spread; day N(0, 0.25), fresh in each test.
- column j: difficulty b_j by level (Б −1.5 ± 0.8, П +1.0 ± 0.5, В +1.8 ± 0.4), discrimination
  a_j in 0.8-1.5; score ~ Binomial(max_j, logistic(a_j (θ − b_j))). μ_test puts 7% of pupils under
  «3» before the graders' heaping below, ≈4.5% after it.
- graders' heaping, everywhere: pupils 1 point under «3» (2 points: half as often) get the missing
  points on criterion columns, as do pupils 1 point under «4»; the share lifted is set per test so
  count(cut) / count(cut − 1) comes out at a ratio drawn in 4-7.5 at «3» and 1.5-2.2 at «4»
  (real regions: 3.5-8.5 and ~2, METHODS.md §2).
- journal mark: r·z(θ without the day) + √(1 − r²)·noise + school leniency N(0, 0.3) + 0.12 for
  girls, cut at regional quantiles (3% «2», 32% «3», 43% «4», 22% «5»); r = 0.965 (0.985 in maths,
  whose totals have fewer points) gives a median within-school Spearman(journal, total) of ≈0.75;
  2% have no mark.
- 7% absent, weak pupils somewhat more often; ~0.3% of rows with a wrong «всего баллов».
Every part draws from its own seeded stream (synth_core.stream), so the clean region is the same with
or without injected manipulation (synth_inject), and the same seed gives identical frames.

`realism="real-2021"` (class Realism) adds what real ВПР 2021 grade 6-8 exports show and the model above
leaves out: class × task structure, whole classes with «не пройд.», no class letter in small schools,
grade 6-8 school sizes, marks and absence (figures: docs/generator-vs-real.md). The default stays the
model above, on which the layers' calibration tests run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from objectivity.analysis.schema import pupil_schema, task_column
from objectivity.analysis.synth_core import (
    Array,
    ColumnSpec,
    Sitting,
    TestSpec,
    add_points,
    default_tests,
    not_taught,
    stream,
)
from objectivity.analysis.synth_inject import KINDS, inject_manipulation
from objectivity.analysis.synth_schools import MAX_ROLL, MAX_ROLL_REAL_2021, complete_schools, generate_schools
from objectivity.analysis.synth_write import write_region_files, write_regional_xlsx

__all__ = [
    "KINDS",
    "REALISM",
    "ColumnSpec",
    "Realism",
    "SyntheticRegion",
    "TestSpec",
    "default_tests",
    "generate_region",
    "write_region",
    "write_regional_xlsx",
]

REGION_NAME = "Демонстрационный край"
CLASS_SIZE = 28
LETTERS = "АБВГДЕЖЗ"
ABILITY_SD = 1.0  # overall spread of θ − μ_test, used to place μ_test
DAY_SD, PUPIL_SD, COHORT_SD, CLASS_SD, TEACHER_SD = 0.25, 0.9, 0.15, 0.12, 0.15
BELOW_3_BEFORE_HEAPING = 0.07
JOURNAL_R = {"ma": 0.985}  # maths totals have fewer points, so the teacher's view must be closer
JOURNAL_R_DEFAULT = 0.965
JOURNAL_SHARES = (0.03, 0.35, 0.78)  # cumulative shares of «2», «2»-«3», «2»-«4»
# count(cut) / count(cut − 1) at «3» and «4», drawn per test in these ranges (real: 3.5-8.5 and ~2)
HEAP_RATIO = ((4.0, 7.5), (1.5, 2.2))
TWO_UNDER = 0.5  # pupils 2 points under «3» are lifted half as often as those 1 point under
ABSENT_SHARE = 0.068  # the logistic intercept: with weak pupils absent more often, 7% in all
MISMATCH_SHARE, ABOVE_MAX_SHARE = 0.0025, 0.0008
LEVEL_DIFFICULTY = {"Б": (-1.5, 0.8), "П": (1.0, 0.5), "В": (1.8, 0.4)}
DISCRIMINATION = (0.8, 1.5)


@dataclass(frozen=True)
class Realism:
    """What the region holds beyond the default model (`generate_region(realism=…)`).

    "default" is the model the layers were calibrated on. "real-2021" adds what the real ВПР 2021
    grade 6-8 exports of one region show (bench/generator_vs_real.py, docs/generator-vs-real.md):
    shared class structure on every task, whole classes with «не пройд.» on a task, one-class schools
    without a class letter, bigger rural schools, more pupils under «3» in grades 6-8, stronger heaping
    at «3», more absence varying by school, and the teachers' marks of grades 6-8.
    """

    name: str = "default"
    # school × column and class × column effects on the logit of a column's score, by subject ("" other)
    task_sd: tuple[tuple[str, float, float], ...] = ()
    class_heap_columns: bool = False  # graders of one class add the missing points on the same columns
    not_taught: bool = False  # zero the class × column cells synth_core.not_taught draws («не пройд.»)
    below_3_senior: float = BELOW_3_BEFORE_HEAPING  # grades 6+: share under «3» before the heaping
    heap_ratio: tuple[tuple[float, float], tuple[float, float]] = HEAP_RATIO
    absent_share: float = ABSENT_SHARE
    absent_school_sd: float = 0.0  # school effect on the logit of being absent
    no_letter: tuple[float, float] | None = None  # chance of no class letter: one class, several; None: default
    journal_shares_senior: tuple[float, float, float] = JOURNAL_SHARES
    no_journal: float = 0.02
    journal_r: tuple[tuple[str, float], ...] = ()  # by subject, instead of JOURNAL_R
    difficulty_spread: tuple[tuple[str, float], ...] = ()  # by subject: the columns' difficulties squeezed
    max_roll: int = MAX_ROLL


REALISM = {
    "default": Realism(),
    "real-2021": Realism(
        name="real-2021",
        task_sd=(("ru", 0.45, 0.45), ("ma", 0.7, 0.7), ("", 0.6, 0.6)),
        journal_r=(("ru", 0.98), ("ma", 0.995)),
        difficulty_spread=(("ru", 0.65),),  # real Russian columns' facility spans 0.33-0.94, not 0.1-0.9
        class_heap_columns=True,
        not_taught=True,
        below_3_senior=0.25,
        heap_ratio=((8.0, 14.0), (1.5, 2.6)),
        absent_share=0.1,
        absent_school_sd=0.5,
        no_letter=(0.72, 0.015),
        journal_shares_senior=(0.015, 0.50, 0.91),
        no_journal=0.001,
        max_roll=MAX_ROLL_REAL_2021,
    ),
}


@dataclass
class SyntheticRegion:
    schools: pl.DataFrame
    results: dict[TestSpec, pl.DataFrame]
    truth: pl.DataFrame
    region_label: str = f"СПО {REGION_NAME}"
    seed: int = 0


@dataclass
class _Cohort:
    """Pupils born in one year, in every school: effects and abilities that persist from grade to grade."""

    effect: Array  # per school
    class_effect: Array  # school × class
    offsets: Array  # where each school's pupils start in `pupils`
    pupils: Array  # ability of each pupil of the cohort, school after school


def generate_region(
    *,
    seed: int,
    years: Sequence[int],
    schools: pl.DataFrame | None = None,
    n_schools: int = 300,
    region_code: str = "22",
    inject: Mapping[str, float] | None = None,
    tests: Sequence[TestSpec] | None = None,
    region_name: str = REGION_NAME,
    realism: str = "default",
) -> SyntheticRegion:
    """A region's schools, one pupil frame per test, and the truth of `inject` (kind → share of schools).

    `realism`: a key of REALISM; "default" is the model the layers' calibration tests use.
    """
    if realism not in REALISM:
        raise ValueError(f"unknown realism {realism!r}; one of {sorted(REALISM)}")
    real = REALISM[realism]
    specs = list(tests) if tests is not None else default_tests(years)
    registry = (
        complete_schools(schools, seed, realism=realism)
        if schools is not None
        else generate_schools(seed, n_schools, region_code, realism=realism)
    )
    rolls, cohorts = _cohorts(seed, registry, specs, real.max_roll)
    school_effect, leniency = _school_effects(seed, registry)
    logins = registry["login"].to_list()
    sittings = {
        spec: _sitting(seed, spec, rolls[spec], cohorts[spec.year - spec.grade], school_effect, leniency, real, logins)
        for spec in specs
    }
    truth = inject_manipulation(sittings, logins, inject or {}, stream(seed, "inject"))
    label = f"СПО {region_name}"
    results = {spec: _frame(seed, sitting, logins, label) for spec, sitting in sittings.items()}
    return SyntheticRegion(registry, results, truth, label, seed)


def write_region(
    region: SyntheticRegion, out_dir: Path, progress: Callable[[int, str], None] | None = None
) -> list[Path]:
    """Write schools.xlsx, truth.csv, reference.yaml and <year>/<ФИС ОКО file name>.xlsx per test."""
    return write_region_files(
        region.schools, region.results, region.truth, out_dir, region.region_label, region.seed, progress
    )


# --- schools and cohorts -----------------------------------------------------------------------


def _school_effects(seed: int, schools: pl.DataFrame) -> tuple[Array, Array]:
    """Each school's level (by type and place, small village schools lower and more variable) and leniency."""
    rng = stream(seed, "school-effects")
    kind, place, small = (schools[c].to_numpy() for c in ("school_type", "settlement", "is_small"))
    mean = np.select(
        [np.isin(kind, ["lyceum", "gymnasium"]), small, place == "village", place == "city"],
        [0.55, -0.25, -0.15, 0.1],
        0.0,
    )
    spread = np.where(small, 0.45, 0.3)
    return mean + spread * rng.standard_normal(schools.height), 0.3 * rng.standard_normal(schools.height)


def _cohorts(
    seed: int, schools: pl.DataFrame, specs: Sequence[TestSpec], max_roll: int = MAX_ROLL
) -> tuple[dict[TestSpec, Array], dict[int, _Cohort]]:
    """Pupils per school in each test, and each cohort's pupils (as many as its biggest test needs)."""
    born_years = sorted({spec.year - spec.grade for spec in specs})
    size = {
        born: np.exp(0.1 * stream(seed, "cohort-size", born).standard_normal(schools.height)) for born in born_years
    }
    rolls = {spec: _roll(schools, spec, size[spec.year - spec.grade], max_roll) for spec in specs}
    cohorts = {
        born: _cohort(seed, born, np.max([rolls[s] for s in specs if s.year - s.grade == born], axis=0))
        for born in born_years
    }
    return rolls, cohorts


def _cohort(seed: int, born: int, pool: Array) -> _Cohort:
    return _Cohort(
        effect=COHORT_SD * stream(seed, "cohort", born).standard_normal(len(pool)),
        class_effect=CLASS_SD * stream(seed, "class", born).standard_normal((len(pool), len(LETTERS))),
        offsets=np.concatenate([[0], np.cumsum(pool)]),
        pupils=PUPIL_SD * stream(seed, "pupils", born).standard_normal(int(pool.sum())),
    )


def _roll(schools: pl.DataFrame, spec: TestSpec, cohort_size: Array, max_roll: int = MAX_ROLL) -> Array:
    """Pupils of the school's parallel in this test: its roll for the grade, scaled by the cohort's size."""
    column = f"pupils_{spec.grade}"
    on_roll = schools[column].fill_null(0).to_numpy() if column in schools.columns else np.zeros(schools.height)
    return np.clip(np.rint(on_roll * cohort_size), 0, max_roll).astype(np.int64)


# --- one test ----------------------------------------------------------------------------------


def column_parameters(spec: TestSpec) -> tuple[Array, Array]:
    """Difficulty and discrimination per column; fixed by grade and subject, the same every year."""
    rng = stream(0, "columns", spec.grade, spec.subject)
    levels = [LEVEL_DIFFICULTY.get(column.level, LEVEL_DIFFICULTY["Б"]) for column in spec.columns]
    difficulty = np.array([mean + sd * rng.standard_normal() for mean, sd in levels])
    return difficulty, rng.uniform(*DISCRIMINATION, len(spec.columns))


def _expit(x: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _normal_cdf(x: Array) -> Array:
    return np.asarray(0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0))))


def calibrated_mean(
    spec: TestSpec, difficulty: Array, discrimination: Array, below_3: float = BELOW_3_BEFORE_HEAPING
) -> float:
    """μ_test such that `below_3` of the region scores under «3» (normal approximation)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    maxima = spec.maxima

    def share_below(mu: float) -> float:
        p = _expit(discrimination * (mu + ABILITY_SD * nodes[:, None] - difficulty))
        mean, var = (p * maxima).sum(axis=1), (maxima * p * (1 - p)).sum(axis=1)
        return float(weights @ _normal_cdf((spec.cuts[0] - 0.5 - mean) / np.sqrt(var + 1e-9)))

    low, high = -4.0, 4.0
    for _ in range(40):  # share_below falls as μ rises
        middle = (low + high) / 2
        low, high = (middle, high) if share_below(middle) > below_3 else (low, middle)
    return (low + high) / 2


def _sitting(
    seed: int,
    spec: TestSpec,
    roll: Array,
    cohort: _Cohort,
    school_effect: Array,
    leniency: Array,
    real: Realism = REALISM["default"],
    logins: Sequence[str] = (),
) -> Sitting:
    """The clean results of one test: who sat it, in which class, scores per column, journal marks.
    (The helpers draw from `rng` in a fixed order: the same seed gives the same region, pupil for pupil.)"""
    rng = stream(seed, "test", spec.year, spec.grade, spec.subject)
    starts, school, pupil, klass = _seats(roll)
    seats = _Seats(school, pupil, klass)
    ability, difficulty, scores = _abilities_and_scores(seed, spec, roll, seats, cohort, school_effect, real, rng)
    z = (ability - ability.mean()) / max(float(ability.std()), 1e-9)
    girl = np.where(rng.random(len(school)) < 0.015, -1, rng.random(len(school)) < 0.49).astype(np.int8)
    journal_shares = real.journal_shares_senior if spec.grade >= 6 else JOURNAL_SHARES
    r = dict(real.journal_r).get(spec.subject, JOURNAL_R.get(spec.subject, JOURNAL_R_DEFAULT))
    journal = _journal(rng, z, leniency[school] + 0.12 * (girl == 1), r, journal_shares, real.no_journal)
    absent = _absences(seed, spec, roll, school, z, real, rng)
    scores[absent] = 0
    no_class = _without_letters(seed, spec, roll, school, real)
    blocked = None
    if real.not_taught and len(logins):
        blocked = _not_taught(seed, spec, scores, school, np.where(no_class, -1, klass), logins, ~absent)
    _heap(rng, spec, scores, ~absent, real, school, klass, seed, blocked)
    if real.no_letter is None:
        no_class = (rng.random(len(roll)) < np.where(roll <= CLASS_SIZE, 0.2, 0.05))[school]  # one class: often «НЕТ»
    else:
        rng.random(len(roll))  # keep the draws that follow where they were
    return Sitting(
        spec=spec,
        school=school,
        starts=starts,
        klass=np.where(no_class, -1, klass),
        absent=absent,
        journal=journal,
        girl=girl,
        variant=rng.integers(1, 3, len(school)).astype(np.int8),
        scores=scores,
        difficulty=difficulty,
    )


class _Seats(NamedTuple):
    """Per row: the school, the pupil's place in its cohort, the class."""

    school: Array
    pupil: Array
    klass: Array


def _abilities_and_scores(
    seed: int,
    spec: TestSpec,
    roll: Array,
    seats: _Seats,
    cohort: _Cohort,
    school_effect: Array,
    real: Realism,
    rng: np.random.Generator,
) -> tuple[Array, Array, Array]:
    """Each pupil's ability (school, teacher, class and own parts), the columns' difficulties, and the scores."""
    school, pupil, klass = seats
    level = school_effect + 0.12 * stream(seed, "school-subject", spec.subject).standard_normal(len(roll))
    level += TEACHER_SD * rng.standard_normal(len(roll)) + cohort.effect  # this parallel's teacher this year
    ability = level[school] + cohort.class_effect[school, klass] + cohort.pupils[cohort.offsets[school] + pupil]
    difficulty, discrimination = column_parameters(spec)
    squeeze = dict(real.difficulty_spread).get(spec.subject, 1.0)
    difficulty = difficulty.mean() + squeeze * (difficulty - difficulty.mean())
    below_3 = real.below_3_senior if spec.grade >= 6 else BELOW_3_BEFORE_HEAPING
    mean = calibrated_mean(spec, difficulty, discrimination, below_3)
    on_the_day = mean + ability + DAY_SD * rng.standard_normal(len(school))
    logit = discrimination * (on_the_day[:, None] - difficulty)
    if real.task_sd:
        logit += _task_effects(seed, spec, roll, school, klass, real)
    return ability, difficulty, rng.binomial(spec.maxima, _expit(logit)).astype(np.int16)


def _absences(
    seed: int, spec: TestSpec, roll: Array, school: Array, z: Array, real: Realism, rng: np.random.Generator
) -> Array:
    """Who was absent: weaker pupils more often; under `real`, some schools more than others."""
    absent_logit = np.log(real.absent_share / (1 - real.absent_share)) - 0.3 * z
    if real.absent_school_sd:
        spread = stream(seed, "absence", spec.year, spec.grade).standard_normal(len(roll))
        absent_logit += real.absent_school_sd * spread[school]
    return np.asarray(rng.random(len(school)) < _expit(absent_logit))


def _without_letters(seed: int, spec: TestSpec, roll: Array, school: Array, real: Realism) -> Array:
    """Pupils whose class letter the file leaves out, when `real` says so (the default model draws it later)."""
    if real.no_letter is None:
        return np.zeros(len(school), dtype=bool)
    one, several = real.no_letter
    letters = stream(seed, "letters", spec.year, spec.grade, spec.subject).random(len(roll))
    return np.asarray((letters < np.where(roll <= CLASS_SIZE, one, several))[school])


def _task_effects(seed: int, spec: TestSpec, roll: Array, school: Array, klass: Array, real: Realism) -> Array:
    """What a school's and a class's teaching adds to each column's logit (rows × columns).

    Real classes share which tasks were taught or drilled and how one teacher marked the criteria, so
    pupils of one class with one total have identical vectors several times as often as a same-total
    shuffle of the region predicts (notes/similarity-null.md §2).
    """
    rng = stream(seed, "task-effects", spec.year, spec.grade, spec.subject)
    sds = {subject: (school_sd, class_sd) for subject, school_sd, class_sd in real.task_sd}
    school_sd, class_sd = sds.get(spec.subject, sds.get("", (0.0, 0.0)))
    k = len(spec.columns)
    by_school = school_sd * rng.standard_normal((len(roll), k))
    by_class = class_sd * rng.standard_normal((len(roll), len(LETTERS), k))
    return np.asarray(by_school[school] + by_class[school, klass])


def _class_keys(logins: Sequence[str], school: Array, klass: Array) -> tuple[list[str], Array]:
    """«login|letter» of each row's class as the file names it (letter "" when none), and each row's key index."""
    code = school.astype(np.int64) * (len(LETTERS) + 1) + (klass + 1)
    unique, index = np.unique(code, return_inverse=True)
    keys = [
        f"{logins[c // (len(LETTERS) + 1)]}|{LETTERS[c % (len(LETTERS) + 1) - 1] if c % (len(LETTERS) + 1) else ''}"
        for c in unique.tolist()
    ]
    return keys, np.asarray(index).ravel()


def _not_taught(
    seed: int, spec: TestSpec, scores: Array, school: Array, klass: Array, logins: Sequence[str], present: Array
) -> Array:
    """Whole classes score 0 on a task they were not taught yet (the writer marks it «не пройд.»); the cells."""
    keys, index = _class_keys(logins, school, klass)
    cells = np.asarray(not_taught(seed, spec, keys)[index] & present[:, None])
    scores[cells] = 0
    return cells


def _seats(roll: Array) -> tuple[Array, Array, Array, Array]:
    """Row offsets per school, and each row's school, place in the school's list, and class (28 to a class)."""
    starts = np.concatenate([[0], np.cumsum(roll)])
    school = np.repeat(np.arange(len(roll)), roll)
    pupil = np.arange(len(school)) - starts[school]
    n_classes = np.maximum(1, -(-roll // CLASS_SIZE))[school]
    klass = np.minimum(pupil * n_classes // np.maximum(roll[school], 1), len(LETTERS) - 1)
    return starts, school, pupil, klass


def _journal(
    rng: np.random.Generator,
    z: Array,
    shift: Array,
    r: float,
    shares: tuple[float, float, float] = JOURNAL_SHARES,
    no_mark: float = 0.02,
) -> Array:
    """Teacher's marks 2..5 from ability, noise and the school's leniency; `no_mark` without a mark."""
    perceived = r * z + math.sqrt(1 - r**2) * rng.standard_normal(len(z)) + shift
    edges = np.quantile(perceived, shares) if len(z) else np.zeros(3)
    marks = np.searchsorted(edges, perceived) + 2
    return np.where(rng.random(len(z)) < no_mark, 0, marks).astype(np.int8)


def _heap(
    rng: np.random.Generator,
    spec: TestSpec,
    scores: Array,
    present: Array,
    real: Realism = REALISM["default"],
    school: Array | None = None,
    klass: Array | None = None,
    seed: int = 0,
    blocked: Array | None = None,
) -> None:
    """Graders everywhere give the missing 1-2 points on criterion columns to pupils just under «3» (and «4»).

    The share lifted is set per test so the region's heaping lands near the realism's heap ratio whatever
    the shape of the test's histogram; the pupils lifted are drawn at random over the whole region. With
    `class_heap_columns` the graders of one class prefer the same one or two criterion columns; `blocked`
    cells (rows × columns: a task the class was not taught) get no points.
    """
    totals = np.where(present, scores.sum(axis=1), -99)
    room = ((spec.maxima - scores) * spec.criterion_mask).sum(axis=1)
    one = _lift_chance(totals, spec.cuts[0], rng.uniform(*real.heap_ratio[0]), TWO_UNDER)
    four = _lift_chance(totals, spec.cuts[1], rng.uniform(*real.heap_ratio[1]), 0.0)
    plan = ((spec.cuts[0], 1, one), (spec.cuts[0], 2, one * TWO_UNDER), (spec.cuts[1], 1, four))
    picked = [
        _some(rng, (totals == cut - gap) & (room >= gap), share * ((totals == cut - gap).sum()))
        for cut, gap, share in plan
    ]
    need = np.concatenate([np.full(len(rows), gap) for rows, (_, gap, _) in zip(picked, plan, strict=True)])
    rows = np.concatenate(picked)
    allowed: Array = spec.criterion_mask.astype(float)
    if real.class_heap_columns and school is not None and klass is not None and spec.criterion_mask.any():
        n_classes = int(school.max(initial=-1)) + 1
        favour = stream(seed, "heap-columns", spec.year, spec.grade, spec.subject).random(
            (n_classes, len(LETTERS), len(spec.columns))
        )
        favour = np.where(spec.criterion_mask, favour, -1.0)
        top = np.argsort(-favour, axis=2)[..., :2]  # each class's two favoured criterion columns
        preferred = np.zeros(favour.shape, dtype=bool)
        np.put_along_axis(preferred, top, True, axis=2)
        preferred &= spec.criterion_mask
        allowed = allowed + preferred[school[rows], klass[rows]]
    if blocked is not None:
        allowed = allowed * ~blocked[rows]
    add_points(scores, rows, need, spec.maxima, allowed, rng)


def _some(rng: np.random.Generator, candidates: Array, count: float) -> Array:
    """`count` (rounded) of the rows where `candidates` holds, at random."""
    rows = np.flatnonzero(candidates)
    return np.asarray(rng.permutation(rows)[: min(len(rows), round(count))], dtype=np.int64)


def _lift_chance(totals: Array, cut: int, ratio: float, two_under: float) -> float:
    """The graders' chance of lifting a pupil 1 point under `cut` (`two_under` of it for 2 points under)
    that makes count(cut) / count(cut − 1) come out near `ratio` in this test."""
    at, one, two = (int((totals == cut - k).sum()) for k in (0, 1, 2))
    if not one:
        return 0.0
    return float(np.clip((ratio * one - at) / ((ratio + 1) * one + two_under * two), 0.0, 0.85))


# --- the canonical frame -----------------------------------------------------------------------


def _frame(seed: int, sitting: Sitting, logins: list[str], label: str) -> pl.DataFrame:
    """The pupil frame of one test, as an importer reads it back from the written workbook."""
    spec, absent = sitting.spec, sitting.absent
    total, problem = _file_totals(seed, sitting)
    rows = len(sitting.school)
    row_number = (np.arange(rows) - sitting.starts[sitting.school] + 1).astype(np.int32)
    textbooks = _textbooks(seed, spec, len(logins))
    columns: dict[str, pl.Series] = {
        "source_row": pl.Series(np.arange(2, rows + 2, dtype=np.int32)),
        "school_login": pl.Series(logins, dtype=pl.String).gather(sitting.school),
        "region_label": pl.Series([label] * rows, dtype=pl.String),
        "row_number": pl.Series(row_number),
        "participant_code": pl.Series(spec.grade * 10000 + row_number).cast(pl.String),
        "class_letter": _pick([*LETTERS, None], sitting.klass),
        "sex": _pick(["м", "ж", None], np.where(sitting.girl < 0, 2, sitting.girl)),
        "journal_mark": pl.Series(sitting.journal).cast(pl.Int8).replace(0, None),
        "variant": _pick(["1", "2", None], np.where(absent, 2, sitting.variant - 1)),
        "absent": pl.Series(absent, dtype=pl.Boolean),
        "total": pl.Series(total, dtype=pl.Int16).scatter(np.flatnonzero(absent), None),
        "file_mark": pl.Series([None] * rows, dtype=pl.Int8),
        "textbook": textbooks.gather(sitting.school).scatter(np.flatnonzero(absent), None),
        "valid": pl.Series(problem == "", dtype=pl.Boolean),
        "problem": pl.Series(problem, dtype=pl.String).replace("", None),
    }
    for j in range(len(spec.columns)):
        columns[task_column(j + 1)] = pl.Series(sitting.scores[:, j], dtype=pl.Int8).scatter(
            np.flatnonzero(absent), None
        )
    return pl.DataFrame(columns).cast(pupil_schema(len(spec.columns)))  # type: ignore[arg-type]


def _pick(values: list[str | None], index: Array) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(np.asarray(index, dtype=np.int64) % len(values))


def _file_totals(seed: int, sitting: Sitting) -> tuple[Array, Array]:
    """«всего баллов» as the file gives it: the sum of the columns, except a few rows off or above the maximum."""
    rng = stream(seed, "quirks", sitting.spec.year, sitting.spec.grade, sitting.spec.subject)
    totals = sitting.scores.sum(axis=1).astype(np.int64)
    chance, delta, over = (
        rng.random(len(totals)),
        rng.choice([-2, -1, 1, 2], len(totals)),
        rng.integers(1, 6, len(totals)),
    )
    present, top = ~sitting.absent, sitting.spec.max_total
    mismatch = present & (chance < MISMATCH_SHARE)
    above = present & (chance >= MISMATCH_SHARE) & (chance < MISMATCH_SHARE + ABOVE_MAX_SHARE)
    shifted = np.where((totals + delta < 0) | (totals + delta > top), totals - delta, totals + delta)
    file_totals = np.select([mismatch, above], [shifted, top + over], totals)
    problem = np.select([mismatch, above], ["total_mismatch", "total_above_max"], "")
    return file_totals, problem


TEXTBOOKS: dict[str, tuple[tuple[str, float], ...]] = {
    "ru4": (
        ("Канакина В.П., Горецкий В.Г. Русский язык {g} класс", 0.7),
        ("Климанова Л.Ф., Бабушкина Т.В. Русский язык {g} класс", 0.12),
        ("Иванов С.В. и др. Русский язык {g} класс", 0.1),
        ("Другой", 0.08),
    ),
    "ma4": (
        ("Моро М.И. и др. Математика {g} класс", 0.75),
        ("Дорофеев Г.В. и др. Математика {g} класс", 0.1),
        ("Петерсон Л.Г. Математика {g} класс", 0.07),
        ("Другой", 0.08),
    ),
    "ru": (
        ("Ладыженская Т.А. и др. Русский язык {g} класс", 0.8),
        ("Разумовская М.М. и др. Русский язык {g} класс", 0.1),
        ("Быстрова Е.А. и др. Русский язык {g} класс", 0.05),
        ("Другой", 0.05),
    ),
    "ma": (
        ("Виленкин Н.Я. и др. Математика {g} класс", 0.6),
        ("Мерзляк А.Г. и др. Математика {g} класс", 0.25),
        ("Никольский С.М. и др. Математика {g} класс", 0.08),
        ("Другой", 0.07),
    ),
    "ma7": (
        ("Макарычев Ю.Н. и др. Алгебра {g} класс", 0.6),
        ("Мерзляк А.Г. и др. Алгебра {g} класс", 0.25),
        ("Мордкович А.Г. Алгебра {g} класс", 0.08),
        ("Другой", 0.07),
    ),
}


def _textbooks(seed: int, spec: TestSpec, n_schools: int) -> pl.Series:
    """The textbook each school uses for this grade and subject («Учебник»)."""
    key = (
        f"{spec.subject}4" if spec.grade == 4 else ("ma7" if spec.subject == "ma" and spec.grade >= 7 else spec.subject)
    )
    titles, weights = zip(*TEXTBOOKS.get(key, (("Другой", 1.0),)), strict=True)
    choice = stream(seed, "textbook", spec.grade, spec.subject).choice(len(titles), n_schools, p=np.array(weights))
    return pl.Series([t.format(g=spec.grade) for t in titles], dtype=pl.String).gather(choice)
