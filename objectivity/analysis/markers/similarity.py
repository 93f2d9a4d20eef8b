"""L3 within-class similarity (METHODS.md §2): do pupils of one class share improbable identical score vectors?

Reference: Jacob, B. & Levitt, S. (2003). Rotten Apples: An Investigation of the Prevalence and
Predictors of Teacher Cheating. QJE 118(3); NBER w9413 — identical answer strings within a class are
judged against how often such strings occur among pupils of the same achievement elsewhere.

Statistic. A pupil's score vector is his row of task_1..task_K (the full «балл за N» vector, criterion
and short-answer columns alike; a missing score counts as 0). Identical vectors have identical totals,
so only pupils of one class with the same total can coincide. The weight of a coincidence on vector v
with total t is w = ln(N_t / max(N_v, 1)): N_t pupils of the region have total t, N_v of them have
exactly v (a vector no pupil of the region has weighs as much as one only one pupil has). Coincidences
on vectors that every pupil with that total has (all zeros, full marks, the only way to score t) weigh
0; a shared rare vector weighs a lot. Statistic per school:
    stat_similarity = Σ over pairs of pupils of one class with identical vectors of w(v).
Classes come from class_letter; a school where any present pupil has no class letter is one class.
Coincidences at a mark cut score — a total of c or c + 1 for a cut c of info.cuts, where pupils lifted to the
mark land — weigh `cut_weight` × w: by default 0 (CUT_WEIGHT). On the region's 2021 exports the identical
vectors left unexplained by the null below sit mostly there (pupils credited the same tasks to reach «3»);
that is what L1 (bunching) judges, and here they are only reported, apart. A copy at a cut total is then not
seen by this layer: on copies injected into the real exports that costs AUC 0.05-0.17 (bench).

Null hypothesis (similarity_null.py). Within each cell — the pupils of one class who wrote one variant
(the `variant` column, when the rows have it), those at a cut total apart from the others — the scores
follow a Rasch-family model with the cell's own task parameters, so given each pupil's total and each task's
multiset of scores in the cell every score matrix is equally likely. What the class shares — which tasks were
taught or drilled, one teacher's marking of the criterion tasks, a task the class had not yet studied, the
tasks credited to pupils lifted to a cut — is in the margins, not in the evidence. Sub-items of one task
(residual correlation Q3 given the total more than 0.1 above its median, in every large variant) move
together as one super-item. The weights stay those of the observed region. Pairs are counted over the
whole class, across variants. Real classes break the older null (a region-wide shuffle of pupils with the
same total): on the region's 2021 grade 6-8 exports it gave p < 0.05 to 7-56 % of the schools of a test,
this one to 4-16 %, above 10 % in maths 7-8, biology 7, history 7 and physics 7 (bench/similarity_real.py;
with pseudo-classes drawn at random, where the null holds by construction, 3.5-6.9 %). What is left is the
region's own: the p-values of a test's schools are finally judged against the bulk of their z-values
(empirical_null.py, Efron 2004), which only widens the null — on those files the share at p < 0.05 falls to
4-8.4 % (maths 8: from 13.7 % to 8.4 %, at p < 0.001 from 2.05 % to 0.41 %), on generated regions it stays.

p-value. Draws come from a swap sampler started at a hidden state (Besag & Clifford's parallel method,
SWEEPS sweeps), so p = (G + U·(E + 1)) / (D + 1) is exact under the null however few sweeps are made: G and
E are the draws above and equal to the observed statistic, D the draws, U ~ Uniform(0, 1) (the statistic
has an atom at 0). Draws are spent where they matter (sequential Monte-Carlo p-values; Besag & Clifford
1991): `permutations` draws for every school; 10 × (permutations + 1) − 1 in all for the schools where fewer
than ENOUGH[0] draws reached the observed statistic (p below about 0.03); 50 × (permutations + 1) − 1 for
those where none of those did (p < 0.001), so a copied block can reach p ≈ 2e-4. Only the cells that hold a
pupil of a counted pair are sampled. p is null for a school with no two pupils of one class with one total
(not at a cut, by default) whose total has more than one vector in the region: the statistic is 0 under
every draw.

Output (markers/base.py): school_login, n, stat_similarity, p_similarity, explain_similarity (code
"similarity", rendered by objectivity.analysis.wording: the largest group of identical vectors in one class, how
rare that vector is in the region, how many identical pairs the school has against the mean under the null, and
how many sit at a mark cut score).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from objectivity.analysis.markers import empirical_null
from objectivity.analysis.markers import similarity_null as null
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import task_columns
from objectivity.analysis.wording import encode

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Hashes = npt.NDArray[np.uint64]

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "school_login": pl.String(),
    "n": pl.Int64(),
    "stat_similarity": pl.Float64(),
    "p_similarity": pl.Float64(),
    "explain_similarity": pl.String(),
}
WHOLE_SCHOOL = ""  # class key of a school whose classes are not all known
SWEEPS = 12  # sweeps of the sampler per draw (each pupil is offered one exchange per sweep) …
SWEEPS_NATIONAL = 8  # … and for a test of more than NATIONAL pupils (a country's file): fewer sweeps only cost
NATIONAL = 300_000  # a little power, p stays exact; measured: 15 million rows within 10 minutes
STAGES = (1, 10, 50)  # draws in all, as multiples of permutations + 1, for schools still in the running …
ENOUGH = (3, 1)  # … a school leaves after stage i once ENOUGH[i] of its draws reach its statistic
CHUNK_CELLS = 24_000_000  # pupils × draws × super-items sampled at once (memory: one byte each, and temporaries)
CUT_WEIGHT = 0.0  # weight of coincidences at a mark cut score (c or c + 1): L1 (bunching) judges those
TIE = 1e-9  # statistics closer than this are equal (sums of the same weights in another order)


@dataclass(frozen=True)
class _Pupils:
    """The region's pupils of one test as arrays."""

    logins: list[str]
    school: Ints
    group: Ints  # (school, class) index: pairs are counted within it
    cell: Ints  # (school, class, variant) index: the null holds each cell's margins; sorted like school
    labels: list[str]  # class key per group
    total: Ints
    vector: Ints
    hash: Hashes  # per pupil: a 64-bit key of his vector (what the draws compare)
    weight: Floats  # per vector id: ln(N_t / N_v)
    vector_total: Ints  # per vector id: its total t
    vector_count: Ints  # per vector id: N_v
    total_count: Ints  # per total t: N_t
    columns: int
    items: null.SuperItems
    region_hashes: Hashes  # sorted hashes of the region's vectors …
    region_counts: Ints  # … and how many pupils have each


@dataclass(frozen=True)
class _Pairs:
    """Pairs of pupils of one class with one total (the only pairs that can coincide), sorted by school."""

    first: Ints
    second: Ints
    school: Ints
    scale: Floats  # per pair: cut_weight at a cut total, else 1
    log_total: Floats  # per pair: ln N_t of the pair's total t


def similarity(
    rows: pl.DataFrame,
    info: TestInfo,
    *,
    seed: int = 0,
    permutations: int = 99,
    sweeps: int | None = None,
    cut_weight: float = CUT_WEIGHT,
) -> pl.DataFrame:
    """Identical score vectors within classes against the class-margin null (module docstring).

    `permutations`: draws of the first stage; `sweeps`: sampler sweeps per draw (SWEEPS, or SWEEPS_NATIONAL
    for a test of more than NATIONAL pupils)."""
    if rows.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    rng = np.random.default_rng(seed)
    pupils = _pupils(rows, info)
    pairs = _pairs(pupils, info.cuts, cut_weight)
    schools = len(pupils.logins)
    observed, found = _observed(pupils, pairs)
    informative = np.bincount(pairs.school, weights=pairs.scale, minlength=schools) > 0
    greater, equal, matches, draws = (np.zeros(schools) for _ in range(4))
    if sweeps is None:
        sweeps = SWEEPS_NATIONAL if rows.height > NATIONAL else SWEEPS
    sampler = _Sampler.start(pupils, pairs, sweeps, rng)
    running = informative.copy()
    for index, stage in enumerate(STAGES):
        wanted = stage * (permutations + 1) - 1
        more = wanted - draws
        if not running.any() or wanted <= 0:
            break
        g, e, m = sampler.counts(np.flatnonzero(running), int(more[running].max()), observed, rng)
        greater += g
        equal += e
        if stage == STAGES[0]:
            matches += m
        draws[running] = wanted
        running &= greater + equal < ENOUGH[min(index, len(ENOUGH) - 1)]
    p_value = (greater + rng.random(schools) * (equal + 1)) / (draws + 1)
    expected = matches / max(permutations, 1)
    p_value, _ = empirical_null.adjust(np.where(informative, p_value, np.nan))
    return _output(pupils, info, cut_weight, observed, found, p_value, expected)


# --- the pupils and their pairs ------------------------------------------------------------------


def _pupils(rows: pl.DataFrame, info: TestInfo) -> _Pupils:
    names = task_columns(rows)[: len(info.column_max) or None]
    variant = pl.col("variant").cast(pl.String).fill_null("") if "variant" in rows.columns else pl.lit("")
    frame = rows.select(
        "school_login",
        _class_key().alias("klass"),
        variant.alias("variant"),
        *[pl.col(c).fill_null(0).clip(0).cast(pl.Int16) for c in names],  # X and gaps count as 0
    )
    at_cut = pl.sum_horizontal(pl.lit(0), *names).is_in(list(cut_marks(info.cuts)))
    frame = frame.with_columns(
        (pl.col("school_login").rank("dense") - 1).cast(pl.Int64).alias("_school"),
        (pl.struct("school_login", "klass").rank("dense") - 1).cast(pl.Int64).alias("_group"),
        (pl.struct("school_login", "klass", "variant", at_cut.alias("_cut")).rank("dense") - 1)
        .cast(pl.Int64)
        .alias("_cell"),
        (pl.col("variant").rank("dense") - 1).cast(pl.Int64).alias("_variant"),
    )
    scores = frame.select(names).to_numpy().astype(np.int16).reshape(len(frame), len(names))
    vector, vector_total, vector_count = _vectors(scores)
    total_count = np.bincount(vector_total, weights=vector_count).astype(np.int64)
    maxima = scores.max(axis=0, initial=0).astype(np.int64)
    items = null.super_items(scores, null.testlets(scores, frame["_variant"].to_numpy(), maxima))
    hashes = _hash(items.codes[:, :, None])[:, 0]
    region_hashes, region_counts = np.unique(hashes, return_counts=True)
    groups = frame.select("_group", "klass").unique("_group").sort("_group")
    return _Pupils(
        logins=frame.select("school_login", "_school").unique("_school").sort("_school")["school_login"].to_list(),
        school=frame["_school"].to_numpy(),
        group=frame["_group"].to_numpy(),
        cell=frame["_cell"].to_numpy(),
        labels=groups["klass"].to_list(),
        total=vector_total[vector],
        vector=vector,
        hash=hashes,
        weight=np.log(total_count[vector_total] / vector_count),
        vector_total=vector_total,
        vector_count=vector_count,
        total_count=total_count,
        columns=len(names),
        items=items,
        region_hashes=region_hashes,
        region_counts=region_counts.astype(np.int64),
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


_HASH_KEYS = np.random.default_rng(20210).integers(1, 2**63, size=256, dtype=np.int64).astype(np.uint64) | np.uint64(1)


def _hash(codes: null.Codes) -> Hashes:
    """pupils × draws of 64-bit keys of super-items × pupils × draws of pattern codes (Σ code · random odd key,
    modulo 2⁶⁴: two different vectors share a key with probability about 2⁻⁶⁴)."""
    out = np.zeros(codes.shape[1:], np.uint64)
    for k in range(codes.shape[0]):
        out += codes[k].astype(np.uint64) * _HASH_KEYS[k % len(_HASH_KEYS)]
    return out


def cut_marks(cuts: tuple[int, int, int] | None) -> dict[int, int]:
    """Totals at a mark cut score (the cut c and c + 1, where pupils lifted to the mark land) → mark 3, 4, 5."""
    found: dict[int, int] = {}
    for mark, cut in zip((3, 4, 5), cuts or (), strict=False):
        for total in (cut, cut + 1):
            found.setdefault(total, mark)
    return found


def _pairs(pupils: _Pupils, cuts: tuple[int, int, int] | None, cut_weight: float) -> _Pairs:
    """All pairs within (class, total) cells whose total has more than one vector in the region."""
    distinct = np.bincount(pupils.vector_total)
    keep = np.flatnonzero(distinct[pupils.total] > 1)
    order = keep[np.lexsort((pupils.total[keep], pupils.group[keep]))]
    cell = pupils.group[order] * (int(pupils.total.max(initial=0)) + 1) + pupils.total[order]
    firsts, seconds = [], []
    for step in range(1, _longest_run(cell)):
        same = np.flatnonzero(cell[step:] == cell[:-step])
        firsts.append(order[same])
        seconds.append(order[same + step])
    first = np.concatenate([np.zeros(0, np.int64), *firsts])
    second = np.concatenate([np.zeros(0, np.int64), *seconds])
    by_school = np.argsort(pupils.school[first], kind="stable")
    first, second = first[by_school], second[by_school]
    at_cut = np.isin(pupils.total[first], list(cut_marks(cuts)))
    log_total = np.log(pupils.total_count[pupils.total[first]].astype(np.float64))
    return _Pairs(first, second, pupils.school[first], np.where(at_cut, cut_weight, 1.0), log_total)


def _longest_run(sorted_keys: Ints) -> int:
    if not len(sorted_keys):
        return 0
    return int(np.unique(sorted_keys, return_counts=True)[1].max())


# --- the statistic and its conditional null -------------------------------------------------------


def _school_sums(hashes: Hashes, pupils: _Pupils, pairs: _Pairs, schools: int) -> tuple[Floats, Floats]:
    """Per draw (columns of `hashes`, rows indexed like the pairs) and school: Σ weights of identical pairs and
    their count. Schools are 0..schools-1 in the pairs' numbering."""
    left = hashes[pairs.first]
    same = left == hashes[pairs.second]
    weighted, counted = np.zeros((2, schools, hashes.shape[1]))
    if not len(pairs.school):
        return weighted, counted
    at, draw = np.nonzero(same)
    found = np.searchsorted(pupils.region_hashes, left[at, draw]).clip(max=len(pupils.region_hashes) - 1)
    seen = np.where(pupils.region_hashes[found] == left[at, draw], pupils.region_counts[found], 1)
    weight = np.zeros(same.shape)
    weight[at, draw] = (pairs.log_total[at] - np.log(seen)) * pairs.scale[at]
    starts = np.flatnonzero(np.r_[True, pairs.school[1:] != pairs.school[:-1]])
    weighted[pairs.school[starts]] = np.add.reduceat(weight, starts, axis=0)
    counted[pairs.school[starts]] = np.add.reduceat(same * (pairs.scale > 0)[:, None], starts, axis=0, dtype=np.float64)
    return weighted, counted


def _observed(pupils: _Pupils, pairs: _Pairs) -> tuple[Floats, Floats]:
    weighted, counted = _school_sums(pupils.hash[:, None], pupils, pairs, len(pupils.logins))
    return weighted[:, 0], counted[:, 0]


@dataclass(frozen=True)
class _Sampler:
    """The pupils whose vectors can change the statistic (every pupil of a cell that holds a pupil of a counted
    pair), the sweeps' schedule and the hidden state x*, kept for every stage."""

    pupils: _Pupils
    pairs: _Pairs  # the pairs that count (weight > 0), sorted by school
    active: Ints  # pupil indices, sorted by cell (so by school)
    local: Ints  # per pupil: his place in `active`, −1 when not active
    plan: null.Schedule
    matched: list[Ints]  # null.partners(plan)
    hidden: null.Codes  # super-items × active pupils
    pupil_bounds: Ints  # per school s: its active pupils are active[pupil_bounds[s]:pupil_bounds[s + 1]]
    pair_bounds: Ints  # … and its pairs pairs[pair_bounds[s]:pair_bounds[s + 1]]

    @classmethod
    def start(cls, pupils: _Pupils, pairs: _Pairs, sweeps: int, rng: np.random.Generator) -> _Sampler:
        counting = pairs.scale > 0
        pairs = _Pairs(*(field[counting] for field in dataclasses.astuple(pairs)))
        in_pairs = np.zeros(int(pupils.cell.max(initial=-1)) + 1, bool)
        in_pairs[pupils.cell[np.r_[pairs.first, pairs.second]]] = True
        active = np.flatnonzero(in_pairs[pupils.cell])
        active = active[np.argsort(pupils.cell[active], kind="stable")]
        local = np.full(len(pupils.cell), -1, np.int64)
        local[active] = np.arange(len(active))
        plan = null.schedule(pupils.cell[active], sweeps, rng)
        hidden = null.hidden_state(pupils.items.codes[:, active], plan, pupils.items, rng)
        schools = np.arange(len(pupils.logins) + 1)
        return cls(
            pupils,
            pairs,
            active,
            local,
            plan,
            null.partners(plan, len(active)),
            hidden,
            np.searchsorted(pupils.school[active], schools),
            np.searchsorted(pairs.school, schools),
        )

    def counts(
        self, schools: Ints, draws: int, observed: Floats, rng: np.random.Generator
    ) -> tuple[Floats, Floats, Floats]:
        """`draws` more draws for `schools` (sorted): per school of the region, draws above and equal to its
        observed statistic, and identical pairs summed over the draws (zero for other schools)."""
        size = len(self.pupils.logins)
        greater, equal, matches = np.zeros(size), np.zeros(size), np.zeros(size)
        pupils_of = np.diff(self.pupil_bounds)[schools]
        budget = max(1, CHUNK_CELLS // max(1, self.hidden.shape[0]))
        load = np.cumsum(pupils_of) * draws
        at = 0
        while at < len(schools):
            done_load = load[at - 1] if at else 0
            stop = max(at + 1, int(np.searchsorted(load, done_load + budget, side="right")))
            chosen = schools[at:stop]
            step = draws if stop > at + 1 else max(1, min(draws, budget // max(1, int(pupils_of[at]))))
            for done in range(0, draws, step):
                g, e, m = self._chunk(chosen, min(step, draws - done), observed, rng)
                greater[chosen] += g
                equal[chosen] += e
                matches[chosen] += m
            at = stop
        return greater, equal, matches

    def _chunk(
        self, chosen: Ints, draws: int, observed: Floats, rng: np.random.Generator
    ) -> tuple[Floats, Floats, Floats]:
        kept = _ranges(self.pupil_bounds[chosen], self.pupil_bounds[chosen + 1])
        plan = null.restrict(self.plan, self.matched, kept)
        state = null.forward(self.hidden[:, kept], plan, self.pupils.items, draws, rng)
        hashes = _hash(state)
        del state
        at = _ranges(self.pair_bounds[chosen], self.pair_bounds[chosen + 1])
        pairs = _Pairs(
            np.searchsorted(kept, self.local[self.pairs.first[at]]),
            np.searchsorted(kept, self.local[self.pairs.second[at]]),
            np.searchsorted(chosen, self.pairs.school[at]),
            self.pairs.scale[at],
            self.pairs.log_total[at],
        )
        stats, counted = _school_sums(hashes, self.pupils, pairs, len(chosen))
        target = observed[chosen][:, None]
        return (
            (stats > target + TIE).sum(axis=1),
            (np.abs(stats - target) <= TIE).sum(axis=1),
            counted.sum(axis=1),
        )


def _ranges(starts: Ints, ends: Ints) -> Ints:
    """The integers of [starts[i], ends[i]) for every i, in order."""
    lengths = ends - starts
    if not lengths.sum():
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return np.asarray(np.arange(int(lengths.sum())) + offsets, np.int64)


# --- output and explanations -----------------------------------------------------------------------


def _output(
    pupils: _Pupils, info: TestInfo, cut_weight: float, stat: Floats, found: Floats, p_value: Floats, expected: Floats
) -> pl.DataFrame:
    """`found`: identical pairs per school, as counted for the statistic."""
    groups = _identical_groups(pupils, info.cuts, cut_weight)
    largest = _largest_groups(groups, pupils)
    at_cuts = _pairs_at_cuts(groups, info.cuts)
    explain = [
        ""
        if np.isnan(p)
        else _explain(
            largest.get(school), pupils, info, cut_weight, found[school], expected[school], at_cuts.get(school, {})
        )
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


def _identical_groups(pupils: _Pupils, cuts: tuple[int, int, int] | None, cut_weight: float) -> pl.DataFrame:
    """Groups of ≥ 2 pupils of one class with one vector of positive weight: school, group, vector, size, total,
    pairs, score (Σ pair weights in the statistic: 0 at a cut total when cut_weight is 0)."""
    frame = pl.DataFrame({"school": pupils.school, "group": pupils.group, "vector": pupils.vector})
    groups = frame.group_by("school", "group", "vector").agg(pl.len().alias("size")).filter(pl.col("size") > 1)
    weight = pl.Series(pupils.weight).gather(groups["vector"])
    total = pl.Series(pupils.vector_total).gather(groups["vector"])
    scale = pl.when(total.is_in(list(cut_marks(cuts)))).then(pl.lit(cut_weight)).otherwise(pl.lit(1.0))
    return (
        groups.with_columns(total.alias("total"), (pl.col("size") * (pl.col("size") - 1) // 2).alias("pairs"))
        .with_columns((pl.col("pairs") * weight * scale).alias("score"))
        .filter(weight > 0)
    )


def _largest_groups(groups: pl.DataFrame, pupils: _Pupils) -> dict[int, _Group]:
    """Per school: its group of identical vectors in one class with the largest Σ pair weights."""
    best = (
        groups.filter(pl.col("score") > 0)
        .sort("score", "size", "group", "vector", descending=True)
        .unique("school", keep="first")
    )
    return {
        row["school"]: _Group(row["size"], pupils.labels[row["group"]], row["vector"])
        for row in best.iter_rows(named=True)
    }


def _pairs_at_cuts(groups: pl.DataFrame, cuts: tuple[int, int, int] | None) -> dict[int, dict[int, int]]:
    """Per school: identical pairs (of a vector not every pupil with the total has) at each mark's cut."""
    marks = cut_marks(cuts)
    if not marks:
        return {}
    at = groups.filter(pl.col("total").is_in(list(marks)))
    at = at.with_columns(pl.col("total").replace_strict(marks, return_dtype=pl.Int64).alias("mark"))
    table = at.group_by("school", "mark").agg(pl.col("pairs").sum())
    out: dict[int, dict[int, int]] = {}
    for row in table.sort("school", "mark").iter_rows(named=True):
        out.setdefault(row["school"], {})[row["mark"]] = row["pairs"]
    return out


def _explain(
    group: _Group | None,
    pupils: _Pupils,
    info: TestInfo,
    cut_weight: float,
    found: float,
    expected: float,
    at_cuts: dict[int, int],
) -> str:
    """Code "similarity": identical pairs found and expected, whether pairs at the cuts are left to the bunching
    layer (`apart`) or counted with `cut_weight`, the pairs at each mark's cut ([mark, pairs, cut total]), and the
    most telling group (its class, None for a school whose classes are not all known; its size, total, and how
    many of the region's pupils have that total and that vector)."""
    cuts = info.cuts
    apart = cut_weight == 0 and cuts is not None
    at = [[mark, int(count), int(cuts[mark - 3])] for mark, count in sorted(at_cuts.items())] if cuts else []
    return encode(
        "similarity",
        found=int(found),
        expected=float(expected),
        apart=apart,
        cut_weight=float(cut_weight),
        at_cuts=at,
        group=None if group is None else _group(group, pupils),
    )


def _group(group: _Group, pupils: _Pupils) -> dict[str, object]:
    total = int(pupils.vector_total[group.vector])
    return {
        "label": None if group.label == WHOLE_SCHOOL else group.label,
        "size": int(group.size),
        "total": total,
        "same_vector": int(pupils.vector_count[group.vector]),
        "same_total": int(pupils.total_count[total]),
        "columns": int(pupils.columns),
    }
