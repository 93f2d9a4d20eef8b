"""Exact laws shared by the layers: the Poisson-binomial distribution and randomised upper p-values.

A count of independent successes with unequal chances is Poisson-binomial (Hong 2013, Comput. Stat.
Data Anal. 59:41); its randomised upper p-value P(X > x) + U·P(X = x), U ~ U(0, 1), is exactly uniform
under the null, which keeps a discrete test's size at its nominal level in every size band.
"""

from __future__ import annotations

import numpy as np

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
