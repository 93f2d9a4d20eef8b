"""Findings per school × test: the contract of findings.csv, filled by the ФИОКО markers (part 1).

Input: the canonical pupil frame of several tests with TEST_KEY columns (year, period, grade, subject),
`max_total` per test, and every row as imported (`valid`, `absent`). Output columns, in this order:

    year, period, grade, subject, region, school_login, n, status, fioco_mean, fioco_spearman,
    fioco_cohort, probability, risk, flagged, reasons

- region: the two digits after the letters of the login (sch22…), or the «регион» label when the
  login has none; ФИОКО statistics are computed within each region.
- n: present participants with a valid total; status ok / too_small (n < min_n) / no_data (n = 0).
- fioco_mean, fioco_spearman: 0/1, empty when not computable; fioco_cohort: rise / fall / 0, empty
  when the other year is missing (only grade-5 rows can carry it).
- probability: until the evidence layers land, the share of the computable ФИОКО markers that fired;
  risk: «высокий» (≥ 2/3), «средний» (> 0), «низкий»; flagged: 1 when any marker fired.
- reasons: a Russian sentence with the numbers behind each fired marker.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from objectivity.analysis.markers.fioco import TEST_KEY, cohort_markers, mean_markers, spearman_markers
from objectivity.analysis.schema import counted_rows

FINDINGS_COLUMNS = [
    "year",
    "period",
    "grade",
    "subject",
    "region",
    "school_login",
    "n",
    "status",
    "fioco_mean",
    "fioco_spearman",
    "fioco_cohort",
    "probability",
    "risk",
    "flagged",
    "reasons",
]
MARKERS = ("fioco_mean", "fioco_spearman", "fioco_cohort")


@dataclass(frozen=True)
class Params:
    """Thresholds of part 1; the detection settings of a year fill them (defaults: the published values)."""

    z: float = 1.96  # [ФИОКО] the 95% confidence interval
    iqr_k: float = 3.0  # [ФИОКО] Q1 − k·IQR / Q3 + k·IQR
    spearman_below: float = 0.0  # [ФИОКО] marker when r_s is below this
    min_n: int = 5  # [собственный] fewer present participants: too_small, no markers
    risk_high: float = 2 / 3  # [собственный] share of markers for «высокий»


# The pupil columns the ФИОКО markers read.
FIOCO_COLUMNS = (*TEST_KEY, "procedure", "school_login", "region_label", "valid", "absent", "total", "journal_mark")


def region_of(login: pl.Expr, label: pl.Expr) -> pl.Expr:
    return pl.coalesce(login.str.extract(r"^[a-z]+(\d\d)", 1), label)


def fioco_findings(
    pupils: pl.DataFrame, max_totals: dict[tuple[int, str, int, str], int], params: Params = Params()
) -> pl.DataFrame:
    """One row per school × test present in `pupils`; see the module docstring for the columns."""
    min_n = params.min_n
    rows = pupils.select(c for c in FIOCO_COLUMNS if c in pupils.columns)  # filters below copy only these
    rows = rows.with_columns(region_of(pl.col("school_login"), pl.col("region_label")).alias("region"))
    if "procedure" not in rows.columns:
        rows = rows.with_columns(pl.lit("vpr").alias("procedure"))
    counted = counted_rows(rows)
    schools = rows.select([*TEST_KEY, "region", "school_login"]).unique()
    means = mean_markers(counted, by_region="region", min_n=min_n, z=params.z)
    # The journal marker and the cohort marker are ВПР markers; ОГЭ/ЕГЭ rows get the mean marker only.
    spear = spearman_markers(counted.filter(pl.col("procedure") == "vpr"), min_n=min_n, below=params.spearman_below)
    cohort = cohort_markers(
        counted.filter(pl.col("procedure") == "vpr"), max_totals, by_region="region", min_n=min_n, iqr_k=params.iqr_k
    )
    out = schools.join(means, on=[*TEST_KEY, "region", "school_login"], how="left")
    out = out.join(spear, on=[*TEST_KEY, "school_login"], how="left")
    out = out.join(cohort.drop("s_4", "s_5"), on=[*TEST_KEY, "region", "school_login"], how="left")
    return _summarise(out, params).sort(["region", *TEST_KEY, "school_login"])


def _summarise(out: pl.DataFrame, params: Params) -> pl.DataFrame:
    n = pl.col("n").fill_null(0)
    status = pl.when(n == 0).then(pl.lit("no_data")).otherwise(pl.col("status"))
    out = out.with_columns(n.alias("n"), status.alias("status"))
    ok = pl.col("status") == "ok"
    out = out.with_columns(
        pl.when(ok).then(pl.col("fioco_spearman")).otherwise(None).alias("fioco_spearman"),
        pl.when(ok).then(pl.col("fioco_cohort")).otherwise(None).alias("fioco_cohort"),
    )
    fired = [pl.col("fioco_mean") == 1, pl.col("fioco_spearman") == 1, pl.col("fioco_cohort").is_in(["rise", "fall"])]
    known = [pl.col(m).is_not_null().cast(pl.Int32) for m in MARKERS]
    hits = pl.sum_horizontal([f.fill_null(False).cast(pl.Int32) for f in fired])
    total = pl.sum_horizontal(known)
    probability = pl.when(total > 0).then(hits / total).otherwise(0.0)
    out = out.with_columns(probability.alias("probability"), (hits > 0).cast(pl.Int8).alias("flagged"))
    risk = (
        pl.when(pl.col("probability") >= params.risk_high)
        .then(pl.lit("высокий"))
        .when(pl.col("probability") > 0)
        .then(pl.lit("средний"))
        .otherwise(pl.lit("низкий"))
    )
    return out.with_columns(risk.alias("risk"), _reasons().alias("reasons"))


def _num(expr: pl.Expr, digits: int = 1) -> pl.Expr:
    """A number in Russian notation: decimal comma, minus sign."""
    text = expr.round(digits).cast(pl.String).str.replace(r"\.", ",")
    return text.str.replace("^-", "−")


def _reasons() -> pl.Expr:
    mean = pl.concat_str(
        [
            pl.lit("средний балл "),
            _num(pl.col("mean")),
            pl.lit(" (95 % ДИ "),
            _num(pl.col("ci_low")),
            pl.lit("–"),
            _num(pl.col("ci_high")),
            pl.lit(", n = "),
            pl.col("n").cast(pl.String),
            pl.lit(") выше среднего по региону "),
            _num(pl.col("region_mean")),
            pl.lit(" (верхняя граница ДИ "),
            _num(pl.col("region_ci_high")),
            pl.lit(")"),
        ]
    )
    spearman = pl.concat_str(
        [
            pl.lit("корреляция отметок по журналу и баллов ВПР (Спирмен) "),
            _num(pl.col("spearman"), 2),
            pl.lit(" < 0 (учеников с отметкой: "),
            pl.col("n_journal").cast(pl.String),
            pl.lit(")"),
        ]
    )
    direction = (
        pl.when(pl.col("fioco_cohort") == "fall").then(pl.lit("резкое падение")).otherwise(pl.lit("резкое возрастание"))
    )
    bound = pl.when(pl.col("fioco_cohort") == "fall").then(pl.col("k_high")).otherwise(pl.col("k_low"))
    cohort = pl.concat_str(
        [
            direction,
            pl.lit(": K = S(4 класс, "),
            (pl.col("year") - 1).cast(pl.String),
            pl.lit(") / S(5 класс, "),
            pl.col("year").cast(pl.String),
            pl.lit(") = "),
            _num(pl.col("k"), 2),
            pl.lit(", граница "),
            _num(bound, 2),
        ]
    )
    parts = [
        pl.when(pl.col("fioco_mean") == 1).then(mean),
        pl.when(pl.col("fioco_spearman") == 1).then(spearman),
        pl.when(pl.col("fioco_cohort").is_in(["rise", "fall"])).then(cohort),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join("; ")


def findings_table(findings: pl.DataFrame) -> pl.DataFrame:
    """Exactly the contract's columns, in order (extra working columns dropped)."""
    return findings.select(FINDINGS_COLUMNS)
