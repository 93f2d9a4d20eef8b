"""The conditional null of L3 (similarity.py): score matrices of a class with fixed margins, sampled by swaps.

Null. Within each cell (the pupils of one class who wrote one variant) every pupil keeps his total and
every task keeps the multiset of scores it had in the cell; given those margins every score matrix is
equally likely. That is what a Rasch / partial-credit model with cell-specific task parameters implies
conditionally on its sufficient statistics: pupils' abilities, the cell's task difficulties, its marking
leniency and its untaught tasks all drop out (conditional ML; Ponocny 2001, Psychometrika 66:437; Verhelst
2008, Psychometrika 73:705). Locally dependent scoring columns (sub-items of one task, Yen's Q3) move
together as one super-item whose categories are their score patterns, so the margins are the multisets of
patterns (`testlets`).

Sampler. One sweep pairs the pupils of every cell at random (a matching drawn once per sweep, the same for
every chain) and, for each pair, proposes to exchange their patterns on a random subset of super-items (each
in it with probability 1/2, 1/4 or 1/8, cycling over the sweeps); the exchange is accepted when both totals
stay as they were. The proposal is symmetric (the
same subset undoes it) and the target uniform, so each pair move is a Metropolis step reversible with
respect to the null; moves of disjoint pairs commute, so a sweep is reversible too. A subset of two
super-items whose scores differ by d and −d, or of one where the pair's scores are equal, are the moves of
Verhelst's sampler; a random subset also makes larger exchanges in one step.

p-values (Besag & Clifford 1989, Biometrika 76:633, the parallel method). From the observed matrix the
sweeps are run backwards (sweep S first) to a hidden state x*; from x* every draw runs the S sweeps forward
with its own random subsets. Under the null the observed matrix and the draws are exchangeable, given x*
they are independent and identically distributed, so the Monte-Carlo p-value is exact for any number of
sweeps and draws can be added later from the same x* (sequential stages; Besag & Clifford 1991, Biometrika
78:301). Few sweeps cost power, never size.

Everything is vectorised over all pupils of all cells and all draws at once: the state is an array
(super-items, pupils, draws) of pattern codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.integer]

Q3_LIMIT = 0.1  # Q3 above its median by more than this makes two columns one testlet (in every large variant)
Q3_MIN_PUPILS = 300  # variants with fewer pupils do not vote on testlets
MAX_PATTERNS = 127  # a testlet is not grown past this many patterns (the state is int8)


def testlets(scores: npt.NDArray[np.int16], variant: Ints, maxima: Ints) -> list[list[int]]:
    """Groups of columns that move together: Yen's Q3 (residual correlation given the total) more than Q3_LIMIT
    above its median over the column pairs (≈ −1/(K − 1): residuals given the total are negatively correlated)
    in every variant with at least Q3_MIN_PUPILS pupils (all pupils together when no variant has that many).

    Residuals are scores minus the mean score of the column among the variant's pupils with the same total
    (Yen 1984, Applied Psychological Measurement 8:125, with the total in place of the IRT ability).
    Columns are merged by union, strongest pairs first, while the group has at most MAX_PATTERNS patterns."""
    columns = scores.shape[1]
    q3 = _q3_by_variant(scores, variant)
    parent = list(range(columns))

    def root(c: int) -> int:
        while parent[c] != c:
            c = parent[c]
        return c

    patterns = (maxima + 1).astype(np.int64).tolist()
    if q3 is not None:
        first, second = np.triu_indices(columns, 1)
        baseline = np.median(
            q3[:, first, second], axis=1
        )  # ≈ −1/(K − 1): residuals given the total are negatively correlated
        weakest = (q3 - baseline[:, None, None]).min(axis=0)
        strong = np.flatnonzero(weakest[first, second] > Q3_LIMIT)
        for index in strong[np.argsort(-weakest[first, second][strong], kind="stable")]:
            a, b = root(int(first[index])), root(int(second[index]))
            if a != b and patterns[a] * patterns[b] <= MAX_PATTERNS:
                parent[max(a, b)] = min(a, b)
                patterns[min(a, b)] *= patterns[max(a, b)]
    groups: dict[int, list[int]] = {}
    for c in range(columns):
        groups.setdefault(root(c), []).append(c)
    return sorted(groups.values())


def _q3_by_variant(scores: npt.NDArray[np.int16], variant: Ints) -> Floats | None:
    """Q3 matrices, one per voting variant (variants × columns × columns), or None with fewer than 2 columns."""
    if scores.shape[1] < 2 or not len(scores):
        return None
    labels, sizes = np.unique(variant, return_counts=True)
    voters = [labels[sizes >= Q3_MIN_PUPILS]] if (sizes >= Q3_MIN_PUPILS).any() else []
    masks = [variant == v for v in voters[0]] if voters else [np.ones(len(scores), bool)]
    return np.stack([_q3(scores[m].astype(np.float64)) for m in masks])


def _q3(x: Floats) -> Floats:
    total = x.sum(axis=1).astype(np.int64)
    counts = np.bincount(total)
    means = np.stack([np.bincount(total, weights=x[:, c], minlength=len(counts)) for c in range(x.shape[1])], axis=1)
    residual = x - means[total] / counts[total][:, None]
    residual -= residual.mean(axis=0)
    spread = np.sqrt((residual**2).sum(axis=0))
    spread[spread == 0] = np.inf
    return np.asarray((residual.T @ residual) / np.outer(spread, spread))


@dataclass(frozen=True)
class SuperItems:
    """Pattern codes of the pupils on the super-items, and each pattern's score.

    A single column's code is its score. A testlet's code is (score << shift) | rank of the pattern among the
    testlet's patterns with that score, so its score is one shift away; when that does not fit 7 bits, the code
    is the pattern's number and its score is looked up (`lookup`)."""

    codes: npt.NDArray[np.int8]  # super-items × pupils
    score: npt.NDArray[np.int8]  # flat table: score of code c of super-item k at offset[k] + c
    offset: Ints
    shifted: list[tuple[int, int]]  # (super-item, shift) of the testlets whose score is code >> shift
    lookup: list[int]  # testlets whose score is looked up
    small: bool  # the maximum total is at most 127 (int8 sums of score differences are exact)


def super_items(scores: npt.NDArray[np.int16], groups: list[list[int]]) -> SuperItems:
    codes = np.zeros((len(groups), len(scores)), np.int8)
    tables, offsets, shifted, lookup, start = [], [], [], [], 0
    for k, group in enumerate(groups):
        radix = scores[:, group].max(axis=0, initial=0).astype(np.int64) + 1
        place = np.cumprod(np.r_[radix[1:], 1][::-1])[::-1]
        number = scores[:, group].astype(np.int64) @ place
        grid = np.indices(radix).reshape(len(group), -1).T  # patterns in number order
        total = grid.sum(axis=1)
        recode = np.arange(len(grid))
        if len(group) > 1:
            rank = np.zeros(len(grid), np.int64)
            for value in np.unique(total):
                rank[total == value] = np.arange((total == value).sum())
            shift = int(rank.max()).bit_length()
            if (int(total.max()) << shift | int(rank.max())) <= 127:
                recode = total << shift | rank
                shifted.append((k, shift))
            else:
                lookup.append(k)
        codes[k] = recode[number]
        table = np.zeros(int(recode.max()) + 1, np.int64)
        table[recode] = total
        tables.append(table)
        offsets.append(start)
        start += len(table)
    flat = np.concatenate([np.zeros(0, np.int64), *tables]).astype(np.int8)
    small = sum(int(t.max(initial=0)) for t in tables) <= 127
    return SuperItems(codes, flat, np.array(offsets, np.int64), shifted, lookup, small)


@dataclass(frozen=True)
class Sweep:
    """One sweep's random matching: the pupils laid out so that pair m is at places m and `pairs` + m, the
    unmatched pupils after the 2 × `pairs` places."""

    order: Ints
    pairs: int
    sparsity: int = 1  # each super-item is proposed with probability 2^-sparsity


Schedule = list[Sweep]


SPARSITY = (1, 2, 3)  # sweeps cycle through these: subsets of about 1/2, 1/4, 1/8 of the super-items


def schedule(cell: Ints, sweeps: int, rng: np.random.Generator) -> Schedule:
    """Per sweep, a random matching of the pupils within each cell (`cell`: cell id per pupil, sorted), and how
    sparse its proposed subsets are: large subsets make big exchanges between pupils of one total, small ones
    (two super-items whose differences cancel) still pass between pupils whose totals differ."""
    n = len(cell)
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if n else np.zeros(0, np.int64)
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    lead = np.flatnonzero((rank % 2 == 0) & (np.r_[cell[1:], -1] == cell))
    alone = np.ones(n, bool)
    alone[lead] = alone[lead + 1] = False
    out = []
    for index in range(sweeps):
        order = np.lexsort((rng.random(n), cell))
        matched = np.r_[order[lead], order[lead + 1], order[alone]].astype(np.int64)
        out.append(Sweep(matched, len(lead), SPARSITY[index % len(SPARSITY)]))
    return out


def partners(plan: Schedule, n: int) -> list[Ints]:
    """Per sweep and pupil: the pupil he is matched with when he is the first of his pair, −2 when he is the
    second, −1 when he is not matched (what `restrict` reads)."""
    out = []
    for step in plan:
        partner = np.full(n, -1, np.int64)
        first, second = step.order[: step.pairs], step.order[step.pairs : 2 * step.pairs]
        partner[first] = second
        partner[second] = -2
        out.append(partner)
    return out


def restrict(plan: Schedule, matched: list[Ints], kept: Ints) -> Schedule:
    """The schedule of the pupils `kept` (sorted; whole cells), renumbered 0..len(kept)-1: pairs stay pairs.
    `matched`: `partners(plan, n)`. Costs O(len(kept)) per sweep, whatever the number of pupils."""
    out = []
    for step, partner in zip(plan, matched, strict=True):
        mine = partner[kept]
        first = kept[mine >= 0]
        order = np.r_[first, partner[first], kept[mine == -1]]
        out.append(Sweep(np.asarray(np.searchsorted(kept, order), np.int64), len(first), step.sparsity))
    return out


def sweep(a: Codes, b: Codes, items: SuperItems, rng: np.random.Generator, sparsity: int = 1) -> None:
    """One sweep's pair moves in place: `a` and `b` (super-items × pairs × draws) are the two pupils of each pair.

    For each pair and draw a uniformly random subset of super-items (random bits) is proposed; where the
    subset keeps both totals, the two pupils' patterns on it are exchanged (by XOR with a mask)."""
    if not a.size:
        return
    gap = a - b  # a single column's code is its score …
    for k, shift in items.shifted:  # … a testlet's is one shift away …
        gap[k] = (a[k] >> shift) - (b[k] >> shift)
    for k in items.lookup:  # … or looked up
        table = items.score[items.offset[k] :]
        gap[k] = table[a[k]] - table[b[k]]
    chosen = _random_bits(a.shape, rng)
    for _ in range(sparsity - 1):
        chosen &= _random_bits(a.shape, rng)
    gap *= chosen
    if items.small:  # |Σ gap| ≤ the maximum total ≤ 127: int8 sums are exact, and a loop over rows is fastest
        change = gap[0].copy()
        for row in gap[1:]:
            change += row
    else:
        change = np.add.reduce(gap, axis=0, dtype=np.int16)
    chosen *= change == 0
    flip = a ^ b
    flip *= chosen
    a ^= flip
    b ^= flip


def _random_bits(shape: tuple[int, ...], rng: np.random.Generator) -> npt.NDArray[np.int8]:
    """Independent fair 0/1 values of this shape (int8), eight from each random byte."""
    size = int(np.prod(shape))
    raw = np.frombuffer(rng.bytes((size + 7) // 8), np.uint8)
    return np.unpackbits(raw, count=size).view(np.int8).reshape(shape)


def _run(state: Codes, steps: list[Sweep], items: SuperItems, rng: np.random.Generator) -> Codes:
    """The sweeps in this order on super-items × pupils × draws; each lays the pupils out as its matching says
    (one gather), so that the pairs are strided views and the moves work in place."""
    n = state.shape[1]
    held = np.arange(n)  # pupil at each place of `state`
    place = np.arange(n)  # place of each pupil
    spare = np.empty_like(state)
    for step in steps:
        np.take(state, place[step.order], axis=1, out=spare)
        state, spare = spare, state
        held = step.order
        place[held] = np.arange(n)
        sweep(state[:, : step.pairs], state[:, step.pairs : 2 * step.pairs], items, rng, step.sparsity)
    out = np.empty_like(state)
    out[:, held] = state
    return out


def hidden_state(observed: Codes, plan: Schedule, items: SuperItems, rng: np.random.Generator) -> Codes:
    """x*: the sweeps run backwards from the observed super-items × pupils."""
    return _run(observed[:, :, None].copy(), plan[::-1], items, rng)[:, :, 0]


def forward(start: Codes, plan: Schedule, items: SuperItems, draws: int, rng: np.random.Generator) -> Codes:
    """`draws` independent runs of the sweeps from x* (super-items × pupils): super-items × pupils × draws."""
    return _run(np.repeat(start[:, :, None], draws, axis=2), plan, items, rng)
