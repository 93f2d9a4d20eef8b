"""The markers of the published ФИОКО methodology, computed exactly as published (ВПР only).

Source: «Методика расчета показателя „Уровень объективности оценки образовательных результатов в
субъекте Российской Федерации“» (ФИОКО / Рособрнадзор); the project's METHODS.md §1.

Rules the methodology leaves open, chosen here and tested (each is a parameter):
- A school × test with fewer than `min_n` present participants with a valid total gets status
  `too_small` and no markers (default 5 [собственный]); with none, `no_data`.
- Standard deviations are sample ones (ddof = 1). A school whose scores are all equal has a zero-width
  interval: its bound is its mean, as the formula gives.
- Spearman: pupils without a journal mark are left out; if fewer than `min_n` remain, or the marks or
  the scores are constant, the coefficient is undefined (null) and there is no marker.
- The cohort marker compares grade 4 in year Y with grade 5 in year Y+1 of the same school and subject
  within one period (spring with spring); quartiles use linear interpolation (numpy's default).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from objectivity.analysis.parameters import PUBLISHED

Z = PUBLISHED.z
TEST_KEY = ["year", "period", "grade", "subject"]


def mean_markers(
    rows: pl.DataFrame, *, by_region: str | None = None, min_n: int = PUBLISHED.min_n, z: float = Z
) -> pl.DataFrame:
    """«Завышенные значения среднего балла» per school × test.

    rows: one row per present participant with a valid total: TEST_KEY, school_login, total
    (and `by_region` when statistics are computed within each region).
    Columns out: *TEST_KEY, [region], school_login, n, mean, sd, ci_low, ci_high, region_n, region_mean,
    region_ci_low, region_ci_high, status ("ok"/"too_small"), fioco_mean (1 when the school's lower bound
    is above the region's upper bound, else 0; null unless status is ok).
    """
    group = [*TEST_KEY, *([by_region] if by_region else [])]
    schools = rows.group_by([*group, "school_login"]).agg(_interval(pl.col("total"), z))
    region = (
        rows.group_by(group)
        .agg(_interval(pl.col("total"), z))
        .rename({c: f"region_{c}" for c in ("n", "mean", "sd", "ci_low", "ci_high")})
    )
    out = schools.join(region, on=group, how="left").with_columns(
        pl.when(pl.col("n") >= min_n).then(pl.lit("ok")).otherwise(pl.lit("too_small")).alias("status")
    )
    flag = (pl.col("ci_low") > pl.col("region_ci_high")).cast(pl.Int8)
    out = out.with_columns(pl.when(pl.col("status") == "ok").then(flag).otherwise(None).alias("fioco_mean"))
    return out.drop("region_sd").sort([*group, "school_login"])


def _interval(score: pl.Expr, z: float) -> list[pl.Expr]:
    n = score.count()
    sd = score.cast(pl.Float64).std(ddof=1).fill_null(0.0)
    half = z * sd / n.cast(pl.Float64).sqrt()
    mean = score.cast(pl.Float64).mean()
    return [
        n.alias("n"),
        mean.alias("mean"),
        sd.alias("sd"),
        (mean - half).alias("ci_low"),
        (mean + half).alias("ci_high"),
    ]


def spearman_markers(
    rows: pl.DataFrame, *, min_n: int = PUBLISHED.min_n, below: float = PUBLISHED.spearman_below
) -> pl.DataFrame:
    """«Несоответствие результатов ВПР и школьных отметок» per school × test.

    rows: TEST_KEY, school_login, total, journal_mark (null when the pupil has none).
    Columns out: *TEST_KEY, school_login, n_journal, spearman (null when undefined), fioco_spearman
    (1 when spearman < `below`, 0 when ≥ `below`, null when undefined).
    r_s is Pearson's r of average ranks (ties averaged), which equals 1 − 6Σd²/(n(n²−1)) without ties.
    """
    marked = rows.filter(pl.col("journal_mark").is_not_null())
    keys = [*TEST_KEY, "school_login"]
    ranked = marked.with_columns(
        pl.col("total").rank("average").over(keys).alias("_rt"),
        pl.col("journal_mark").rank("average").over(keys).alias("_rj"),
    )
    out = ranked.group_by(keys).agg(
        pl.len().alias("n_journal"),
        pl.corr("_rt", "_rj").alias("spearman"),
        pl.col("total").n_unique().alias("_nt"),
        pl.col("journal_mark").n_unique().alias("_nj"),
    )
    defined = (pl.col("n_journal") >= min_n) & (pl.col("_nt") > 1) & (pl.col("_nj") > 1)
    out = out.with_columns(pl.when(defined).then(pl.col("spearman")).otherwise(None).alias("spearman"))
    out = out.with_columns(
        pl.when(pl.col("spearman").is_null())
        .then(None)
        .otherwise((pl.col("spearman") < below).cast(pl.Int8))
        .alias("fioco_spearman")
    )
    return out.drop("_nt", "_nj").sort(keys)


def cohort_markers(
    rows: pl.DataFrame,
    max_totals: dict[tuple[int, str, int, str], int],
    *,
    by_region: str | None = None,
    min_n: int = PUBLISHED.min_n,
    iqr_k: float = PUBLISHED.iqr_k,
) -> pl.DataFrame:
    """«Резкое возрастание / резкое падение результатов одной параллели», on the grade-5, year Y+1 row.

    rows: TEST_KEY, school_login, total (present participants with a valid total). max_totals: maximum
    primary score per (year, period, grade, subject). S = mean percent of the maximum;
    K = S(grade 4, Y) / S(grade 5, Y+1); over all schools of the region with both, upper = Q3 + k·IQR,
    lower = Q1 − k·IQR (k = `iqr_k`, 3 in the published method); K above upper → "fall", below lower → "rise",
    otherwise "0".
    Columns out: year, period, grade (=5), subject, [region], school_login, s_4, s_5, k, k_low, k_high,
    fioco_cohort ("rise"/"fall"/"0").
    """
    group = [*([by_region] if by_region else [])]
    s = _percent_of_max(rows, max_totals, group, min_n)
    four = s.filter(pl.col("grade") == 4).with_columns((pl.col("year") + 1).alias("year")).rename({"s": "s_4"})
    five = s.filter(pl.col("grade") == 5).rename({"s": "s_5"})
    pairs = five.join(four.drop("grade"), on=["year", "period", "subject", *group, "school_login"], how="inner")
    pairs = pairs.with_columns((pl.col("s_4") / pl.col("s_5")).alias("k")).filter(pl.col("k").is_finite())
    return _fences(pairs, ["year", "period", "subject", *group], iqr_k)


def _percent_of_max(
    rows: pl.DataFrame, max_totals: dict[tuple[int, str, int, str], int], group: list[str], min_n: int
) -> pl.DataFrame:
    maxima = pl.DataFrame(
        [{"year": y, "period": p, "grade": g, "subject": s, "_max": m} for (y, p, g, s), m in max_totals.items()],
        schema={
            "year": rows.schema["year"],
            "period": pl.String,
            "grade": rows.schema["grade"],
            "subject": pl.String,
            "_max": pl.Int64,
        },
    )
    keyed = rows.join(maxima, on=TEST_KEY, how="inner")
    per_school = keyed.group_by([*TEST_KEY, *group, "school_login"]).agg(
        (pl.col("total").cast(pl.Float64) / pl.col("_max") * 100).mean().alias("s"), pl.len().alias("_n")
    )
    return per_school.filter(pl.col("_n") >= min_n).drop("_n")


def _fences(pairs: pl.DataFrame, group: list[str], iqr_k: float) -> pl.DataFrame:
    parts = []
    for _key, part in pairs.group_by(group, maintain_order=True):
        low, high = tukey_fences(part["k"].to_numpy(), iqr_k)
        mark = (
            pl.when(pl.col("k") > high)
            .then(pl.lit("fall"))
            .when(pl.col("k") < low)
            .then(pl.lit("rise"))
            .otherwise(pl.lit("0"))
        )
        parts.append(
            part.with_columns(pl.lit(low).alias("k_low"), pl.lit(high).alias("k_high"), mark.alias("fioco_cohort"))
        )
    if not parts:
        return pairs.with_columns(
            pl.lit(None, pl.Float64).alias("k_low"),
            pl.lit(None, pl.Float64).alias("k_high"),
            pl.lit(None, pl.String).alias("fioco_cohort"),
        )
    return pl.concat(parts).sort([*group, "school_login"])


def tukey_fences(values: np.ndarray, k: float = PUBLISHED.iqr_k) -> tuple[float, float]:
    """(Q1 − k·IQR, Q3 + k·IQR) with linearly interpolated quartiles; NaN for an empty input."""
    if values.size == 0:
        return math.nan, math.nan
    q1, q3 = (float(q) for q in np.quantile(values, [0.25, 0.75]))
    return q1 - k * (q3 - q1), q3 + k * (q3 - q1)


def objectivity_index(flags: pl.DataFrame, *, marker_columns: list[str]) -> float:
    """«Уровень объективности» = 100 − percent of schools with at least one marker (flags: one row per
    school × test with 0/1 marker columns; a school counts once)."""
    if flags.is_empty():
        return math.nan
    any_marker = pl.any_horizontal([pl.col(c).fill_null(0) == 1 for c in marker_columns])
    per_school = flags.group_by("school_login").agg(any_marker.any().alias("flagged"))
    flagged = int(per_school["flagged"].cast(pl.Int64).sum())
    return 100.0 - 100.0 * flagged / per_school.height
