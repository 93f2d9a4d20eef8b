"""Colditz et al. (1994) BCG vaccine trials as metafor's dat.bcg: the published reference data of the
meta-analysis estimators (L2's Paule-Mandel fit, L5's REML fit)."""

import numpy as np

# tpos, tneg, cpos, cneg, ablat (absolute latitude)
BCG = np.array(
    [
        [4, 119, 11, 128, 44],
        [6, 300, 29, 274, 55],
        [3, 228, 11, 209, 42],
        [62, 13536, 248, 12619, 52],
        [33, 5036, 47, 5761, 13],
        [180, 1361, 372, 1079, 44],
        [8, 2537, 10, 619, 19],
        [505, 87886, 499, 87892, 13],
        [29, 7470, 45, 7232, 27],
        [17, 1699, 65, 1600, 42],
        [186, 50448, 141, 27197, 18],
        [5, 2493, 3, 2338, 33],
        [27, 16886, 29, 17825, 33],
    ],
    dtype=float,
)


def bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log risk ratios and their sampling variances (metafor's escalc(measure="RR")), and latitude."""
    tpos, tneg, cpos, cneg, ablat = BCG.T
    effect = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    variance = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return effect, variance, ablat
