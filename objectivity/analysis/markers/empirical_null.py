"""The region's own null for a layer whose theoretical null misses structure that real schools share.

Efron (2004, JASA 99:96, «Large-scale simultaneous hypothesis testing: the choice of a null hypothesis»):
when hundreds of units are tested at once and most are clean, the bulk of their z-values shows the null
as it really is. With z = Φ⁻¹(1 − p), the centre and spread of that bulk are estimated robustly (median;
interquartile range / 1.349) and every z is judged against them: p' = 1 − Φ((z − μ) / σ). The correction
only ever widens the null (μ ≥ 0, σ ≥ 1): where the theory holds (a generated region) p is unchanged.
The cost: if a large share of a region's schools did the same thing, part of it is taken for the null.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_UNITS = 50  # fewer p-values than this: the bulk says too little, p is kept as it is
IQR_OF_NORMAL = 2 * stats.norm.ppf(0.75)  # 1.349


@dataclass(frozen=True)
class EmpiricalNull:
    centre: float
    spread: float

    @property
    def widened(self) -> bool:
        return self.centre > 0 or self.spread > 1


def fit(pvalues: np.ndarray) -> EmpiricalNull:
    """μ and σ of the bulk of z = Φ⁻¹(1 − p) over the finite p-values (0 and 1 when too few)."""
    finite = pvalues[np.isfinite(pvalues)]
    if finite.size < MIN_UNITS:
        return EmpiricalNull(0.0, 1.0)
    z = stats.norm.isf(np.clip(finite, 1e-300, 1.0))
    q25, q50, q75 = np.percentile(z, [25, 50, 75])
    return EmpiricalNull(max(0.0, float(q50)), max(1.0, float((q75 - q25) / IQR_OF_NORMAL)))


def adjust(pvalues: np.ndarray) -> tuple[np.ndarray, EmpiricalNull]:
    """The p-values judged against the region's own null (NaN stays NaN), and that null."""
    null = fit(pvalues)
    if not null.widened:
        return pvalues, null
    z = stats.norm.isf(np.clip(pvalues, 1e-300, 1.0))
    return np.where(np.isfinite(pvalues), stats.norm.sf((z - null.centre) / null.spread), np.nan), null
