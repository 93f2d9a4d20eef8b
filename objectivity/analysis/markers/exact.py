"""Exact laws shared by the layers: the Poisson-binomial distribution and randomised upper p-values.

A count of independent successes with unequal chances is Poisson-binomial (Hong 2013, Comput. Stat.
Data Anal. 59:41); its randomised upper p-value P(X > x) + U·P(X = x), U ~ U(0, 1), is exactly uniform
under the null, which keeps a discrete test's size at its nominal level in every size band.
"""

from __future__ import annotations

import numpy as np
from scipy import special

Array = np.ndarray


def poisson_binomial_pmf(chances: Array) -> Array:
    """Rows of a matrix of success chances (pad with 0) → their Poisson-binomial pmf over 0..columns."""
    rows, width = chances.shape
    pmf = np.zeros((rows, width + 1))
    pmf[:, 0] = 1.0
    for j in range(width):
        p = chances[:, j : j + 1]
        pmf[:, 1:] = pmf[:, 1:] * (1 - p) + pmf[:, :-1] * p
        pmf[:, :1] *= 1 - p
    return pmf


def randomised_upper_p(pmf: Array, seen: Array, u: Array) -> Array:
    """P(X > seen) + u·P(X = seen) per row: exactly uniform under the null for u ~ U(0, 1)."""
    above = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # above[:, k] = P(X ≥ k)
    at = np.take_along_axis(pmf, seen[:, None], axis=1)[:, 0]
    at_or_above = np.take_along_axis(above, seen[:, None], axis=1)[:, 0]
    return np.asarray(np.clip(at_or_above - at + u * at, 0.0, 1.0))


# --- a school effect on every pupil's chance: the region's overdispersion ---------------------------
#
# Real schools differ in more than the covariates of a layer's model: one teacher marks a whole class, a
# class was drilled on a task. The count of a school's pupils then varies more than a Poisson-binomial
# law with fixed chances allows, and its p-values pile up at 0 on clean schools. The null below adds a
# school effect u ~ N(0, τ²) on the logit of every pupil's chance (a random-intercept logistic model);
# τ is the region's own, estimated by marginal maximum likelihood over all its schools (Gauss-Hermite
# quadrature), and the school's count is a mixture of Poisson-binomial laws over u. The chances come
# from a fit without the effect (marginal chances); the conditional logits are the marginal ones
# stretched by √(1 + c²τ²), c = 16√3 / (15π) (Zeger, Liang & Albert 1988, Biometrics 44:1049), so the
# mixture keeps the region's mean. With τ = 0 everything is exactly the fixed-chance law.

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(9)  # a standard normal u: E f(u) ≈ Σ WEIGHTS · f(NODES)
WEIGHTS = WEIGHTS / WEIGHTS.sum()
ZLA = 16 * np.sqrt(3) / (15 * np.pi)  # logit ≈ probit scaling of Zeger, Liang & Albert (1988)
STRETCH = ZLA**2
MAX_SPREAD = 3.0  # τ beyond this is not a school effect but a broken model
MIN_SCHOOLS = 30  # [собственный] schools with two pupils or more needed to estimate τ; below, τ = 0
SPREAD_SCHOOLS = 5_000  # τ is the region's: at national scale it is estimated on this many schools drawn at random


def school_spread(school: Array, chance: Array, success: Array) -> float:
    """τ of the school effect by marginal maximum likelihood over the region's pupils (flat arrays:
    each pupil's school index, marginal chance and outcome)."""
    from scipy.optimize import minimize_scalar

    if not len(school) or (np.bincount(school) >= 2).sum() < MIN_SCHOOLS:
        return 0.0  # a spread between schools cannot be told from a handful of them
    school, chance, success = _some_schools(school, chance, success)
    order = np.argsort(school, kind="stable")
    logit, hit, grouped = _logit(chance[order]), success[order].astype(bool), school[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])

    def minus_loglik(tau: float) -> float:
        return -float(_school_logliks(logit, hit, starts, tau).sum())

    found = minimize_scalar(minus_loglik, bounds=(0.0, MAX_SPREAD), method="bounded", options={"xatol": 5e-2})
    tau = float(found.x)
    return tau if minus_loglik(tau) < minus_loglik(0.0) else 0.0


def _some_schools(school: Array, chance: Array, success: Array) -> tuple[Array, Array, Array]:
    """All pupils, or those of SPREAD_SCHOOLS schools drawn with a fixed seed (the same data, the same τ)."""
    present = np.unique(school)
    if len(present) <= SPREAD_SCHOOLS:
        return school, chance, success
    chosen = np.random.default_rng(0).choice(present, SPREAD_SCHOOLS, replace=False)
    kept = np.isin(school, chosen)
    return school[kept], chance[kept], success[kept]


def node_probabilities(eta: Array, sigma: Array | float) -> Array:
    """Chances per … × node given the school effect u = σ·node, from marginal logits `eta` (they keep the
    marginal share: the logit is stretched by √(1 + (c·σ)²))."""
    sigma = np.asarray(sigma, dtype=float)
    conditional = eta * np.sqrt(1 + (ZLA * sigma) ** 2)
    return np.asarray(special.expit(conditional[..., None] + sigma[..., None] * NODES))


def _logit(chance: Array) -> Array:
    return np.asarray(special.logit(np.clip(chance, 1e-9, 1 - 1e-9)))


def _school_logliks(logit: Array, hit: Array, starts: Array, tau: float) -> Array:
    """Per school (pupils sorted by school, each school's first at `starts`): log ∫ Π_i P(y_i | u) φ_τ(u) du,
    by Gauss-Hermite quadrature over u."""
    shifted = _conditional_logits(logit, tau)  # nodes × pupils
    signed = np.where(hit, shifted, -shifted)  # log P(y | u) = −log(1 + e^(−signed))
    per_node = -np.add.reduceat(np.logaddexp(0.0, -signed), starts, axis=1).T  # schools × nodes
    top = per_node.max(axis=1, keepdims=True)
    return np.asarray(np.log(np.exp(per_node - top) @ WEIGHTS) + top[:, 0])


def _conditional_logits(logit: Array, tau: float) -> Array:
    """nodes × …: the logits given the school effect u = τ·node."""
    stretched = logit * np.sqrt(1 + STRETCH * tau**2)
    return np.asarray(stretched[None] + (tau * NODES).reshape(-1, *([1] * logit.ndim)))


def mixed_pmf(school: Array, chance: Array, n_schools: int, tau: float) -> Array:
    """schools × (0..most pupils of a school): the pmf of each school's count under the school-effect null
    (the Poisson-binomial when τ = 0). Schools are taken in bands of similar size, so a big school does
    not make every small one pay for its width."""
    sizes = np.bincount(school, minlength=n_schools)
    pmf = np.zeros((n_schools, int(sizes.max(initial=0)) + 1))
    pmf[:, 0] = 1.0
    band = np.ceil(np.log2(np.maximum(sizes, 1))).astype(np.int64)
    for b in np.unique(band[sizes > 0]):
        rows = np.flatnonzero((band == b) & (sizes > 0))
        chances = _padded(school, chance, rows)
        pmf[rows, : chances.shape[1] + 1] = _mixture(chances, tau)
    return pmf


def _padded(school: Array, values: Array, rows: Array) -> Array:
    """len(rows) × (most pupils among them): the values of these schools' pupils, padded with 0."""
    wanted = np.isin(school, rows)
    local = np.searchsorted(rows, school[wanted])
    order = np.argsort(local, kind="stable")
    sizes = np.bincount(local, minlength=len(rows))
    place = np.arange(len(order)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    padded = np.zeros((len(rows), int(sizes.max())))
    padded[local[order], place] = values[wanted][order]
    return padded


def _mixture(chances: Array, tau: float) -> Array:
    """Rows of padded chances (0 = no pupil) → the pmf of their count mixed over the school effect."""
    if tau == 0.0:
        return poisson_binomial_pmf(chances)
    given = np.where((chances > 0)[..., None], node_probabilities(_logit(chances), tau), 0.0)
    given = np.moveaxis(given, -1, 0)  # nodes × rows × pupils
    nodes, rows, width = given.shape
    pmf = poisson_binomial_pmf(given.reshape(nodes * rows, width)).reshape(nodes, rows, width + 1)
    return np.asarray(np.tensordot(WEIGHTS, pmf, axes=1))


def pmf_moments(pmf: Array) -> tuple[Array, Array]:
    """Mean and standard deviation of each row's count."""
    k = np.arange(pmf.shape[1])
    mean = pmf @ k
    return mean, np.sqrt(np.maximum(pmf @ k**2 - mean**2, 0.0))
