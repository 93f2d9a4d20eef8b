"""The evaluation harness: metrics against outside references, and one small seed end to end."""

import numpy as np
import pytest
from scipy import stats

from objectivity.analysis.evaluate import (
    KINDS,
    auc,
    calibration,
    fairness,
    precision_at_k,
    results_of,
    school_tests,
    tpr_at_fpr,
)
from objectivity.analysis.evidence_layers import available


def test_auc_equals_the_mann_whitney_u():
    """scipy.stats.mannwhitneyu: AUC = U / (n1 · n0), ties counted half."""
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=300), 1)
    positive = rng.uniform(size=300) < 0.2
    u = stats.mannwhitneyu(scores[positive], scores[~positive]).statistic
    assert auc(scores, positive) == pytest.approx(u / (positive.sum() * (~positive).sum()))


def test_tpr_precision_and_calibration_by_hand():
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.05])
    positive = np.array([True, False, True, False, False, False])
    assert precision_at_k(scores, positive) == 0.5
    assert tpr_at_fpr(scores, positive, fpr=0.25) == pytest.approx(0.5)
    p = np.array([0.05, 0.05, 0.95, 0.95])
    ece, coverage = calibration(p, p - 0.1, p + 0.1, np.array([False, False, True, True]))
    assert ece == pytest.approx(0.05) and coverage == 1.0


def test_one_small_seed_end_to_end():
    layers = available()
    rows = school_tests(seed=3, n_schools=150, layers=layers)
    truth = rows.filter(rows["kind"].is_not_null())
    assert set(truth["kind"]) <= set(KINDS) and truth.height >= 6
    results = {(r.method, r.subset): r for r in results_of(rows, list(layers))}
    assert 0 <= results[("ФИОКО", "all")].auc <= 1
    if layers:
        assert ("combined", "all") in results and {"probability", "flagged"} <= set(rows.columns)
        checked = {item["attribute"]: item for item in fairness(rows)}
        assert set(checked) == {"band", "settlement", "school_type", "is_small"}
        assert all(0 <= rate <= 1 for item in checked.values() for rate in item["rates"].values())


def test_precision_at_k_shares_the_last_places_among_ties():
    # k = 2: one positive above the tie, then one place for three tied scores holding one positive → 1 + 1/3
    scores = np.array([3.0, 1.0, 1.0, 1.0, 0.0])
    positive = np.array([True, False, True, False, False])
    assert precision_at_k(scores, positive) == pytest.approx((1 + 1 / 3) / 2)
    assert precision_at_k(scores[::-1], positive[::-1]) == pytest.approx((1 + 1 / 3) / 2)
