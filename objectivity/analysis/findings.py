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
  risk: a code, "high" (≥ risk_high, 2/3 by default), "medium" (> 0), "low"; flagged: 1 when any marker fired.
- reasons: a list of JSON texts, one per fired marker: its code ("fioco_mean", "fioco_spearman", "fioco_cohort")
  and the numbers behind it, with the thresholds used (z, spearman_below).

Codes and numbers, not words: objectivity.analysis.wording renders them where they are shown; `findings_table`
(the contract of findings.csv) holds the words.
"""

from __future__ import annotations

import polars as pl

from objectivity.analysis import wording
from objectivity.analysis.markers.fioco import TEST_KEY, cohort_markers, mean_markers, spearman_markers
from objectivity.analysis.parameters import PUBLISHED, Params
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

# The pupil columns the ФИОКО markers read.
FIOCO_COLUMNS = (*TEST_KEY, "procedure", "school_login", "region_label", "valid", "absent", "total", "journal_mark")


def region_of(login: pl.Expr, label: pl.Expr) -> pl.Expr:
    return pl.coalesce(login.str.extract(r"^[a-z]+(\d\d)", 1), label)


def fioco_findings(
    pupils: pl.DataFrame, max_totals: dict[tuple[int, str, int, str], int], params: Params = PUBLISHED
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
        .then(pl.lit(wording.HIGH))
        .when(pl.col("probability") > 0)
        .then(pl.lit(wording.MEDIUM))
        .otherwise(pl.lit(wording.LOW))
    )
    return out.with_columns(risk.alias("risk"), _reasons(params).alias("reasons"))


def _item(code: str, *numbers: pl.Expr) -> pl.Expr:
    """One reason as JSON text: its code and the numbers behind it."""
    return pl.struct(pl.lit(code).alias("code"), *numbers).struct.json_encode()


def _reasons(params: Params) -> pl.Expr:
    mean = _item(
        "fioco_mean",
        *(pl.col(c) for c in ("mean", "ci_low", "ci_high", "n", "region_mean", "region_ci_high")),
        pl.lit(params.z).alias("z"),
    )
    spearman = _item(
        "fioco_spearman", pl.col("spearman"), pl.lit(params.spearman_below).alias("below"), pl.col("n_journal")
    )
    bound = pl.when(pl.col("fioco_cohort") == "fall").then(pl.col("k_high")).otherwise(pl.col("k_low"))
    cohort = _item(
        "fioco_cohort", pl.col("fioco_cohort").alias("direction"), pl.col("year"), pl.col("k"), bound.alias("bound")
    )
    parts = [
        pl.when(pl.col("fioco_mean") == 1).then(mean),
        pl.when(pl.col("fioco_spearman") == 1).then(spearman),
        pl.when(pl.col("fioco_cohort").is_in(["rise", "fall"])).then(cohort),
    ]
    return pl.concat_list(parts).list.drop_nulls()


def findings_table(findings: pl.DataFrame) -> pl.DataFrame:
    """Exactly the contract's columns, in order (extra working columns dropped), with the risk and the reasons in
    words (objectivity.analysis.wording)."""
    return findings.select(FINDINGS_COLUMNS).with_columns(
        pl.col("risk").replace_strict(wording.RISK_WORDS, default=pl.col("risk"), return_dtype=pl.String),
        pl.col("reasons").map_elements(wording.reasons_text, return_dtype=pl.String, skip_nulls=False),
    )
