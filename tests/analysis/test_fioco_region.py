"""Every school of a generated region: the ФИОКО markers equal an independent, school-by-school
computation of the published formulas with NumPy and SciPy (METHODS.md §1)."""

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from objectivity.analysis.findings import fioco_findings
from objectivity.analysis.synth import default_tests, generate_region


@pytest.fixture(scope="module")
def region():
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ru",))
    synthetic = generate_region(
        seed=21, years=[2024, 2025], n_schools=150, tests=tests, inject={"inflate": 0.05, "cohort": 0.04}
    )
    frames = [
        f.with_columns(
            pl.lit(s.year).alias("year"),
            pl.lit("spring").alias("period"),
            pl.lit(s.grade).alias("grade"),
            pl.lit(s.subject).alias("subject"),
        )
        for s, f in synthetic.results.items()
    ]
    maxima = {(s.year, "spring", s.grade, s.subject): s.max_total for s in synthetic.results}
    rows = pl.concat(frames, how="diagonal_relaxed")
    return rows, maxima, fioco_findings(rows, maxima)


def counted(rows):
    return rows.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def test_mean_marker_on_every_school(region):
    rows, _maxima, findings = region
    for (year, grade), part in counted(rows).group_by(["year", "grade"]):
        scores = part["total"].to_numpy().astype(float)
        region_high = scores.mean() + 1.96 * scores.std(ddof=1) / math.sqrt(scores.size)
        for (login,), school in part.group_by(["school_login"]):
            s = school["total"].to_numpy().astype(float)
            row = findings.filter(
                (pl.col("year") == year) & (pl.col("grade") == grade) & (pl.col("school_login") == login)
            ).row(0, named=True)
            if s.size < 5:
                assert row["status"] == "too_small" and row["fioco_mean"] is None
                continue
            low = s.mean() - 1.96 * (s.std(ddof=1) if s.size > 1 else 0.0) / math.sqrt(s.size)
            assert row["fioco_mean"] == int(low > region_high), (year, grade, login)


def test_spearman_marker_on_every_school(region):
    rows, _maxima, findings = region
    checked = 0
    for (year, grade, login), school in counted(rows).group_by(["year", "grade", "school_login"]):
        marked = school.filter(pl.col("journal_mark").is_not_null())
        row = findings.filter(
            (pl.col("year") == year) & (pl.col("grade") == grade) & (pl.col("school_login") == login)
        ).row(0, named=True)
        if (
            school.height < 5
            or marked.height < 5
            or marked["journal_mark"].n_unique() < 2
            or marked["total"].n_unique() < 2
        ):
            assert row["fioco_spearman"] is None
            continue
        rho = stats.spearmanr(marked["journal_mark"].to_numpy(), marked["total"].to_numpy()).statistic
        assert row["fioco_spearman"] == int(rho < 0), (year, grade, login, rho)
        checked += 1
    assert checked > 100


def test_cohort_marker_on_every_school(region):
    rows, maxima, findings = region
    part = counted(rows)
    s = {}
    for (year, grade, login), school in part.group_by(["year", "grade", "school_login"]):
        if school.height >= 5:
            s[(year, grade, login)] = float(
                np.mean(school["total"].to_numpy() / maxima[(year, "spring", grade, "ru")] * 100)
            )
    k = {
        login: s[(2024, 4, login)] / s[(2025, 5, login)]
        for (y, g, login) in s
        if (y, g) == (2025, 5) and (2024, 4, login) in s
    }
    q1, q3 = np.percentile(list(k.values()), [25, 75])
    low, high = q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)
    fives = findings.filter((pl.col("year") == 2025) & (pl.col("grade") == 5))
    for row in fives.iter_rows(named=True):
        if row["school_login"] not in k or row["status"] != "ok":
            assert row["fioco_cohort"] is None
            continue
        expected = "fall" if k[row["school_login"]] > high else ("rise" if k[row["school_login"]] < low else "0")
        assert row["fioco_cohort"] == expected, row["school_login"]
    assert findings.filter(pl.col("grade") == 4)["fioco_cohort"].is_null().all()
