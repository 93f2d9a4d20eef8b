"""ФИОКО markers against hand-computed cases and SciPy (the published formulas, METHODS.md §1)."""

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.markers.fioco import (
    cohort_markers,
    mean_markers,
    objectivity_index,
    spearman_markers,
    tukey_fences,
)

KEY = {"year": 2025, "period": "spring", "grade": 4, "subject": "ma"}


def frame(rows: list[tuple]) -> pl.DataFrame:
    """rows: (school_login, total, journal_mark)."""
    return pl.DataFrame(
        [{**KEY, "school_login": s, "total": t, "journal_mark": j} for s, t, j in rows],
        schema_overrides={"total": pl.Int16, "journal_mark": pl.Int8, "year": pl.Int32, "grade": pl.Int32},
    )


def test_mean_marker_by_hand():
    high = [("a", t, None) for t in (18, 19, 20, 19, 18, 20)]
    mid = [("b", t, None) for t in (10, 12, 11, 9, 13, 10, 12)]
    low = [("c", t, None) for t in (5, 6, 7, 6, 5, 8)]
    out = mean_markers(frame(high + mid + low)).to_dicts()
    every = np.array([t for _s, t, _j in high + mid + low], dtype=float)
    region_high = every.mean() + 1.96 * every.std(ddof=1) / math.sqrt(every.size)
    a = next(r for r in out if r["school_login"] == "a")
    a_scores = np.array([18, 19, 20, 19, 18, 20], dtype=float)
    assert a["ci_low"] == pytest.approx(a_scores.mean() - 1.96 * a_scores.std(ddof=1) / math.sqrt(6))
    assert a["region_ci_high"] == pytest.approx(region_high)
    assert {r["school_login"]: r["fioco_mean"] for r in out} == {"a": 1, "b": 0, "c": 0}


def test_small_schools_get_no_marker_and_constant_scores_collapse_the_interval():
    rows = frame([("a", 20, None)] * 3 + [("b", t, None) for t in (5, 6, 7, 8, 9, 10)] + [("c", 15, None)] * 5)
    out = {r["school_login"]: r for r in mean_markers(rows, min_n=5).to_dicts()}
    assert out["a"]["status"] == "too_small" and out["a"]["fioco_mean"] is None
    assert out["c"]["sd"] == 0 and out["c"]["ci_low"] == out["c"]["ci_high"] == 15


@pytest.mark.parametrize("seed", range(6))
def test_spearman_equals_scipy_with_ties(seed):
    """Reference: scipy.stats.spearmanr (average ranks for ties)."""
    rng = np.random.default_rng(seed)
    totals = rng.integers(0, 21, 30)
    marks = np.clip(np.round(totals / 5 + rng.normal(0, 0.8, 30)), 2, 5).astype(int)
    out = spearman_markers(frame([("a", int(t), int(m)) for t, m in zip(totals, marks, strict=True)])).row(
        0, named=True
    )
    assert out["spearman"] == pytest.approx(stats.spearmanr(marks, totals).statistic)
    assert out["fioco_spearman"] == int(out["spearman"] < 0)


def test_spearman_undefined_cases():
    constant_marks = [("a", t, 4) for t in (5, 9, 12, 14, 18)]
    few_marks = [("b", t, m) for t, m in ((5, 3), (9, 4))] + [("b", 12, None)] * 5
    negative = [("c", t, m) for t, m in ((5, 5), (9, 4), (12, 4), (14, 3), (18, 2))]
    out = {r["school_login"]: r for r in spearman_markers(frame(constant_marks + few_marks + negative)).to_dicts()}
    assert out["a"]["spearman"] is None and out["a"]["fioco_spearman"] is None
    assert out["b"]["n_journal"] == 2 and out["b"]["fioco_spearman"] is None
    assert out["c"]["fioco_spearman"] == 1 and out["c"]["spearman"] == pytest.approx(-0.9746794)


def test_tukey_fences_match_numpy_percentiles():
    values = np.array([0.8, 0.9, 0.95, 1.0, 1.0, 1.02, 1.05, 1.1, 1.2, 3.0])
    q1, q3 = np.percentile(values, [25, 75])
    assert tukey_fences(values) == pytest.approx((q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)))
    assert all(math.isnan(v) for v in tukey_fences(np.array([])))


def test_cohort_marker_sits_on_grade_5_of_the_next_year():
    rows, maxima = [], {(2024, "spring", 4, "ma"): 20, (2025, "spring", 5, "ma"): 20}
    rng = np.random.default_rng(1)
    for i in range(40):
        login = f"sch22{i:04d}"
        level = rng.uniform(9, 13)
        spike = 8 if i == 0 else (-6 if i == 1 else 0)  # school 0 inflated grade 4; school 1 the reverse
        rows += [
            {"year": 2024, "grade": 4, "school_login": login, "total": min(20, round(level + spike + rng.normal(0, 1)))}
            for _ in range(10)
        ]
        rows += [
            {"year": 2025, "grade": 5, "school_login": login, "total": round(level + rng.normal(0, 1))}
            for _ in range(10)
        ]
    data = pl.DataFrame(rows).with_columns(pl.lit("spring").alias("period"), pl.lit("ma").alias("subject"))
    out = {r["school_login"]: r for r in cohort_markers(data, maxima).to_dicts()}
    assert out["sch220000"]["fioco_cohort"] == "fall" and out["sch220001"]["fioco_cohort"] == "rise"
    assert out["sch220000"]["grade"] == 5 and out["sch220000"]["year"] == 2025
    assert sum(r["fioco_cohort"] != "0" for r in out.values()) == 2
    ks = np.array([r["k"] for r in out.values()])
    assert out["sch220005"]["k_high"] == pytest.approx(tukey_fences(ks)[1])


def test_cohort_needs_both_years_and_never_mixes_periods():
    data = pl.DataFrame(
        [{"year": 2024, "period": "spring", "grade": 4, "subject": "ma", "school_login": "a", "total": 10}] * 6
        + [{"year": 2025, "period": "autumn", "grade": 5, "subject": "ma", "school_login": "a", "total": 10}] * 6
    )
    maxima = {(2024, "spring", 4, "ma"): 20, (2025, "autumn", 5, "ma"): 20}
    assert cohort_markers(data, maxima).is_empty()


def test_objectivity_index():
    flags = pl.DataFrame({"school_login": ["a", "a", "b", "c", "d"], "m1": [0, 1, 0, 0, None], "m2": [0, 0, 0, 1, 0]})
    assert objectivity_index(flags, marker_columns=["m1", "m2"]) == pytest.approx(50.0)
