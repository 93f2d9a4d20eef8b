"""L3 within-class similarity (METHODS.md §2): do pupils of one class share improbable identical score vectors?

Reference: Jacob, B. & Levitt, S. (2003). Rotten Apples: An Investigation of the Prevalence and
Predictors of Teacher Cheating. QJE 118(3); NBER w9413 — identical answer strings within a class are
judged against how often such strings occur among pupils of the same achievement elsewhere.

Method. A pupil's score vector is his row of task_1..task_K (the full «балл за N» vector, criterion
and short-answer columns alike; a missing score counts as 0). Identical vectors have identical totals,
so only pupils of one class with the same total can coincide. The weight of a coincidence on vector v
with total t is w = ln(N_t / N_v): N_t pupils of the region have total t, N_v of them have exactly v.
Coincidences on vectors that every pupil with that total has (all zeros, full marks, the only way to
score t) weigh 0; a shared rare vector weighs a lot. Statistic per school:
    stat_similarity = Σ over pairs of pupils of one class with identical vectors of w(v).
Classes come from class_letter; a school where any present pupil has no class letter is one class.

Null hypothesis. Given the totals, the pupils' vectors are exchangeable across the region: which of
the region's vectors with total t a pupil with total t has does not depend on his school or class.
The permutation null shuffles the vectors among all pupils of the region with the same total
(`permutations` times, seeded): every pupil keeps his total, and the region's column marginals keep
their value within each total, so natural coincidences at very low and very high totals are in the
null as often as they are in the data. p_similarity is the randomised permutation p-value
(G + U·(E + 1)) / (B + 1), G and E the permutations above and equal to the observed statistic,
U ~ Uniform(0, 1): uniform under the null even though the statistic has an atom at 0. A school whose
statistic beats every permutation gets its p from up to a million further draws of its own pairs
(`_tail_p`), so a copied block is told apart from a merely unusual class.
p is null for a school with no two pupils of one class with one total whose total has more than one
vector in the region: the statistic is 0 under every permutation, so there is nothing to say.
Limitation: a school whose teaching shapes the profile of scores (one task drilled by all) makes
identical vectors more likely than the region predicts; the explanation names the vector and how rare
it is in the region, so a reader can judge that.

Output (markers/base.py): school_login, n, stat_similarity, p_similarity, explain_similarity (the
largest group of identical vectors in one class, how rare that vector is in the region, and how many
identical pairs the school has against the mean under the null).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.russian import decimal, plural
from objectivity.analysis.schema import task_columns

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "school_login": pl.String(),
    "n": pl.Int64(),
    "stat_similarity": pl.Float64(),
    "p_similarity": pl.Float64(),
    "explain_similarity": pl.String(),
}
WHOLE_SCHOOL = ""  # class key of a school whose classes are not all known
CHUNK = 25  # permutations computed at once (memory: CHUNK × pupils integers) …
CHUNK_CELLS = 8_000_000  # … but no more than this many pupils or pairs × permutations at once (national data)
EXACT_SHUFFLE_UP_TO = 300_000  # pupils of one test; above (national data) vectors are drawn with replacement
TAIL_STAGES = (10_000, 100_000, 1_000_000)  # draws for schools beyond every permutation (`_tail_p`) …
MIN_EXCEEDANCES = 10  # … until this many reach the observed statistic
TAIL_CHUNK_CELLS = 1_000_000  # draws × pupils at once in `_tail_p`
TIE = 1e-9  # statistics closer than this are equal (sums of the same weights in another order)


@dataclass(frozen=True)
class _Pupils:
    """The region's pupils of one test as arrays: school index, class group, total, vector id."""

    logins: list[str]
    school: Ints
    group: Ints  # (school, class) index
    labels: list[str]  # class key per group
    total: Ints
    vector: Ints
    weight: Floats  # per vector id: ln(N_t / N_v)
    vector_total: Ints  # per vector id: its total t
    vector_count: Ints  # per vector id: N_v
    total_count: Ints  # per total t: N_t
    columns: int


@dataclass(frozen=True)
class _Pairs:
    """Pairs of pupils of one class with one total (the only pairs that can coincide), sorted by school."""

    first: Ints
    second: Ints
    school: Ints


def similarity(rows: pl.DataFrame, info: TestInfo, *, seed: int = 0, permutations: int = 100) -> pl.DataFrame:
    """Identical score vectors within classes against the region's permutation null (module docstring)."""
    if rows.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    rng = np.random.default_rng(seed)
    pupils = _pupils(rows, info)
    pairs = _pairs(pupils)
    pools = _pools(pupils)
    observed, found = _school_sums_both(pupils.vector[None, :], pupils, pairs)
    greater, equal, matches = _permutation_counts(pupils, pairs, pools, observed, permutations, rng)
    p_value = (greater + rng.random(len(pupils.logins)) * (equal + 1)) / (permutations + 1)
    beyond = np.flatnonzero((greater + equal == 0) & (observed[0] > TIE))
    p_value[beyond] = _tail_p(pupils, pairs, pools, observed[0], beyond, rng)
    informative = np.bincount(pairs.school, minlength=len(pupils.logins)) > 0
    expected = matches / permutations
    return _output(pupils, observed[0], found[0], np.where(informative, p_value, np.nan), expected)


# --- the pupils and their pairs ------------------------------------------------------------------


def _pupils(rows: pl.DataFrame, info: TestInfo) -> _Pupils:
    names = task_columns(rows)[: len(info.column_max) or None]
    frame = rows.select(
        "school_login",
        _class_key().alias("klass"),
        *[pl.col(c).fill_null(0).clip(0).cast(pl.Int16) for c in names],  # X and gaps count as 0
    ).with_columns(
        (pl.col("school_login").rank("dense") - 1).cast(pl.Int64).alias("_school"),
        (pl.struct("school_login", "klass").rank("dense") - 1).cast(pl.Int64).alias("_group"),
    )
    scores = frame.select(names).to_numpy().astype(np.int16)
    vector, vector_total, vector_count = _vectors(scores)
    total_count = np.bincount(vector_total, weights=vector_count).astype(np.int64)
    groups = frame.select("_group", "klass").unique("_group").sort("_group")
    return _Pupils(
        logins=frame.select("school_login", "_school").unique("_school").sort("_school")["school_login"].to_list(),
        school=frame["_school"].to_numpy(),
        group=frame["_group"].to_numpy(),
        labels=groups["klass"].to_list(),
        total=vector_total[vector],
        vector=vector,
        weight=np.log(total_count[vector_total] / vector_count),
        vector_total=vector_total,
        vector_count=vector_count,
        total_count=total_count,
        columns=len(names),
    )


def _class_key() -> pl.Expr:
    """The class letter; the whole school is one class when any of its pupils has none."""
    unknown = pl.col("class_letter").is_null().any().over("school_login")
    return pl.when(unknown).then(pl.lit(WHOLE_SCHOOL)).otherwise(pl.col("class_letter"))


def _vectors(scores: npt.NDArray[np.int16]) -> tuple[Ints, Ints, Ints]:
    """Vector id per pupil; per vector id its total and how many pupils have it.

    Vector ids are in the lexicographic order of the vectors either way; when the vectors fit one 64-bit
    number (mixed radix of the columns' ranges), they are numbered through that number: a 1-D unique is
    several times faster than comparing rows."""
    bases = scores.max(axis=0, initial=0).astype(np.float64) + 1
    if len(bases) and np.prod(bases) < 2.0**62:
        weights = np.cumprod(np.r_[bases[1:], 1.0][::-1])[::-1].astype(np.int64)
        codes = scores.astype(np.int64) @ weights
        _codes, first, vector, per_vector = np.unique(codes, return_index=True, return_inverse=True, return_counts=True)
        totals = scores[first].sum(axis=1)
    else:
        unique, vector, per_vector = np.unique(scores, axis=0, return_inverse=True, return_counts=True)
        totals = unique.sum(axis=1)
    return vector.reshape(-1).astype(np.int64), totals.astype(np.int64), per_vector.astype(np.int64)


def _pairs(pupils: _Pupils) -> _Pairs:
    """All pairs within (class, total) cells whose total has more than one vector in the region."""
    distinct = np.bincount(pupils.vector_total)
    keep = np.flatnonzero(distinct[pupils.total] > 1)
    order = keep[np.lexsort((pupils.total[keep], pupils.group[keep]))]
    cell = pupils.group[order] * (int(pupils.total.max()) + 1) + pupils.total[order]
    firsts, seconds = [], []
    for step in range(1, _longest_run(cell)):
        same = np.flatnonzero(cell[step:] == cell[:-step])
        firsts.append(order[same])
        seconds.append(order[same + step])
    first = np.concatenate([np.zeros(0, np.int64), *firsts])
    second = np.concatenate([np.zeros(0, np.int64), *seconds])
    by_school = np.argsort(pupils.school[first], kind="stable")
    return _Pairs(first[by_school], second[by_school], pupils.school[first][by_school])


def _longest_run(sorted_keys: Ints) -> int:
    if not len(sorted_keys):
        return 0
    return int(np.unique(sorted_keys, return_counts=True)[1].max())


# --- the statistic and its permutation null --------------------------------------------------------


def _school_sums_both(vectors: Ints, pupils: _Pupils, pairs: _Pairs) -> tuple[Floats, Floats]:
    """Per permutation (rows of `vectors`) and school: Σ weights of identical pairs, and their count."""
    left = vectors[:, pairs.first]
    same = left == vectors[:, pairs.second]
    weighted, counted = np.zeros((2, len(vectors), len(pupils.logins)))
    if len(pairs.school):
        starts = np.flatnonzero(np.r_[True, pairs.school[1:] != pairs.school[:-1]])
        weighted[:, pairs.school[starts]] = np.add.reduceat(same * pupils.weight[left], starts, axis=1)
        counted[:, pairs.school[starts]] = np.add.reduceat(same.astype(np.float64), starts, axis=1)
    return weighted, counted


def _permutation_counts(
    pupils: _Pupils, pairs: _Pairs, pools: _Pools, observed: Floats, permutations: int, rng: np.random.Generator
) -> tuple[Floats, Floats, Floats]:
    """Per school: permutations above and equal to the observed statistic, and identical pairs summed."""
    greater, equal, matches = (np.zeros(len(pupils.logins)) for _ in range(3))
    draw, pairs = _null_draws(pupils, pairs, pools)
    chunk = max(1, min(CHUNK, CHUNK_CELLS // max(1, len(pairs.first), len(pupils.vector))))
    for start in range(0, permutations, chunk):
        shuffled = draw(min(chunk, permutations - start), rng)
        stats, counted = _school_sums_both(shuffled, pupils, pairs)
        greater += (stats > observed + TIE).sum(axis=0)
        equal += (np.abs(stats - observed) <= TIE).sum(axis=0)
        matches += counted.sum(axis=0)
    return greater, equal, matches


@dataclass(frozen=True)
class _Pools:
    """The region's vector ids grouped by total: what both nulls draw from."""

    by_total: Ints  # pupil indices ordered by total
    vectors: Ints  # their vector ids in that order
    start: Ints  # per total t: where its pupils begin in `vectors`
    size: Ints  # per total t: how many pupils have it

    def draw(self, totals: Ints, count: int, rng: np.random.Generator) -> Ints:
        """`count` rows: for each given total, a vector id drawn with replacement among the pupils with it."""
        offsets = (rng.random((count, len(totals))) * self.size[totals]).astype(np.int64)
        return np.asarray(self.vectors[self.start[totals] + offsets])


def _pools(pupils: _Pupils) -> _Pools:
    by_total = np.argsort(pupils.total, kind="stable")
    start = np.searchsorted(pupils.total[by_total], np.arange(len(pupils.total_count)))
    return _Pools(by_total, pupils.vector[by_total], start, pupils.total_count)


def _null_draws(
    pupils: _Pupils, pairs: _Pairs, pools: _Pools
) -> tuple[Callable[[int, np.random.Generator], Ints], _Pairs]:
    """How the null's vectors are drawn, and the pairs indexed the way the draws are.

    Up to EXACT_SHUFFLE_UP_TO pupils: the exact permutation within totals over every pupil. Above, each pupil
    of a pair gets a vector drawn with replacement from the region's pupils of his total: with tens of thousands
    of pupils per total the two nulls cannot be told apart, and the draw costs O(pupils in pairs), not a sort.
    """
    if len(pupils.vector) <= EXACT_SHUFFLE_UP_TO:
        return (lambda count, rng: _shuffle_within_totals(pupils, pools, count, rng)), pairs
    involved = np.unique(np.concatenate([pairs.first, pairs.second]))
    local = _Pairs(np.searchsorted(involved, pairs.first), np.searchsorted(involved, pairs.second), pairs.school)
    totals = pupils.total[involved]
    return (lambda count, rng: pools.draw(totals, count, rng)), local


def _tail_p(
    pupils: _Pupils, pairs: _Pairs, pools: _Pools, observed: Floats, schools: Ints, rng: np.random.Generator
) -> Floats:
    """p of the schools whose statistic beat every permutation, from more draws of their own pairs alone.

    Each pupil of the school's pairs gets a vector drawn with replacement from the region's pupils of his total
    (with replacement two pupils coincide a little more often than in a permutation, so p errs on the large
    side). Draws go on in TAIL_STAGES until MIN_EXCEEDANCES draws reach the observed statistic or the last
    stage ends: p = (G + U·(E + 1)) / (D + 1) over the D draws, as for the permutations (sequential Monte-Carlo
    p-values: Besag & Clifford 1991, Biometrika 78(2):301). Without this the p-value of a copied block could
    not fall below 1 / (permutations + 1) ≈ 0.005, however improbable the block."""
    bounds = np.searchsorted(pairs.school, np.column_stack([schools, schools + 1]))  # pairs are sorted by school
    return np.array(
        [
            _school_tail_p(pupils, pools, pairs.first[a:b], pairs.second[a:b], observed[school], rng)
            for school, (a, b) in zip(schools, bounds, strict=True)
        ]
    )


def _school_tail_p(
    pupils: _Pupils, pools: _Pools, first: Ints, second: Ints, observed: float, rng: np.random.Generator
) -> float:
    """`_tail_p` for one school's pairs (`first`, `second`: pupil indices)."""
    involved, local = np.unique(np.r_[first, second], return_inverse=True)
    left_of, right_of = local[: len(first)], local[len(first) :]
    totals = pupils.total[involved]
    chunk = max(1, TAIL_CHUNK_CELLS // max(len(involved), len(first)))
    greater = equal = draws = 0
    for stage in TAIL_STAGES:
        while draws < stage:
            size = min(chunk, stage - draws)
            vectors = pools.draw(totals, size, rng)
            left = vectors[:, left_of]
            stats = ((left == vectors[:, right_of]) * pupils.weight[left]).sum(axis=1)
            greater += int((stats > observed + TIE).sum())
            equal += int((np.abs(stats - observed) <= TIE).sum())
            draws += size
        if greater + equal >= MIN_EXCEEDANCES:
            break
    return float((greater + rng.random() * (equal + 1)) / (draws + 1))


def _shuffle_within_totals(pupils: _Pupils, pools: _Pools, count: int, rng: np.random.Generator) -> Ints:
    """`count` rows of vector ids: each a random permutation of the vectors among pupils with one total.

    With the pupils ordered by total, a random key in [0, 1) added to each pupil's total keeps the totals
    apart and orders the pupils within a total at random, so one sort per row permutes every total at once."""
    by_total = pools.by_total
    keys = pupils.total[by_total][None, :] + rng.random((count, len(by_total)))
    shuffled = np.empty((count, len(by_total)), dtype=np.int64)
    shuffled[:, by_total] = pools.vectors[np.argsort(keys, axis=1)]
    return shuffled


# --- output and explanations -----------------------------------------------------------------------


def _output(pupils: _Pupils, stat: Floats, found: Floats, p_value: Floats, expected: Floats) -> pl.DataFrame:
    """`found`: identical pairs per school, as counted for the statistic."""
    largest = _largest_groups(pupils)
    explain = [
        "" if np.isnan(p) else _explain(largest.get(school), pupils, found[school], expected[school])
        for school, p in enumerate(p_value)
    ]
    return pl.DataFrame(
        {
            "school_login": pupils.logins,
            "n": np.bincount(pupils.school, minlength=len(pupils.logins)).astype(np.int64),
            "stat_similarity": stat,
            "p_similarity": pl.Series(p_value, dtype=pl.Float64).fill_nan(None),
            "explain_similarity": explain,
        },
        schema=OUTPUT_SCHEMA,
    )


@dataclass(frozen=True)
class _Group:
    """The most telling group of pupils of one class with one identical vector."""

    size: int
    label: str
    vector: int


def _largest_groups(pupils: _Pupils) -> dict[int, _Group]:
    """Per school: its group of identical vectors in one class with the largest Σ pair weights."""
    frame = pl.DataFrame({"school": pupils.school, "group": pupils.group, "vector": pupils.vector})
    groups = frame.group_by("school", "group", "vector").agg(pl.len().alias("size")).filter(pl.col("size") > 1)
    weight = pl.Series(pupils.weight)
    groups = groups.with_columns(
        (pl.col("size") * (pl.col("size") - 1) / 2 * weight.gather(groups["vector"])).alias("score")
    ).filter(pl.col("score") > 0)
    best = groups.sort("score", "size", "group", "vector", descending=True).unique("school", keep="first")
    return {
        row["school"]: _Group(row["size"], pupils.labels[row["group"]], row["vector"])
        for row in best.iter_rows(named=True)
    }


def _explain(group: _Group | None, pupils: _Pupils, found: float, expected: float) -> str:
    pairs = f"одинаковых пар в школе {int(found)}, при тех же первичных баллах учеников ожидалось в среднем {_num(expected)}"
    if group is None:
        return f"совпадающих наборов баллов по заданиям внутри классов нет; {pairs}"
    where = "в школе (класс указан не у всех)" if group.label == WHOLE_SCHOOL else f"класс «{group.label}»"
    total = int(pupils.vector_total[group.vector])
    same_total, same_vector = int(pupils.total_count[total]), int(pupils.vector_count[group.vector])
    return (
        f"{where}: у {group.size} {plural(group.size, 'ученика', 'учеников', 'учеников')} одинаковые баллы "
        f"по всем заданиям (столбцов: {pupils.columns}), у каждого {total} {plural(total, 'балл', 'балла', 'баллов')}; "
        f"в регионе такой набор у {same_vector} из {same_total} учеников с {total} "
        f"{plural(total, 'баллом', 'баллами', 'баллами')}; {pairs}"
    )


def _num(value: float) -> str:
    """1,2 or 0,03: small expectations keep two decimals so they do not read as zero."""
    return decimal(value, 1 if value >= 0.95 else 2)
