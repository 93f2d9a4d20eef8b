"""The findings frame of part 1 on a generated region: contract columns, statuses, reasons."""

import json

import polars as pl
import pytest

from objectivity.analysis.findings import FINDINGS_COLUMNS, findings_table, fioco_findings
from objectivity.analysis.markers.fioco import mean_markers
from objectivity.analysis.parameters import Params
from objectivity.analysis.synth import default_tests, generate_region


@pytest.fixture(scope="module")
def region():
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ma",))
    return generate_region(
        seed=11, years=[2024, 2025], n_schools=200, tests=tests, inject={"inflate": 0.05, "cohort": 0.03}
    )


@pytest.fixture(scope="module")
def findings(region):
    frames = [
        f.with_columns(
            pl.lit(s.year).alias("year"),
            pl.lit(s.period).alias("period"),
            pl.lit(s.grade).alias("grade"),
            pl.lit(s.subject).alias("subject"),
        )
        for s, f in region.results.items()
    ]
    maxima = {(s.year, s.period, s.grade, s.subject): s.max_total for s in region.results}
    return fioco_findings(pl.concat(frames, how="diagonal_relaxed"), maxima), frames


def test_contract_columns_and_one_row_per_school_and_test(findings):
    out, frames = findings
    table = findings_table(out)
    assert table.columns == FINDINGS_COLUMNS
    expected = sum(f["school_login"].n_unique() for f in frames)
    assert table.height == expected and table.select("year", "grade", "school_login").is_duplicated().sum() == 0
    assert set(table["status"]) <= {"ok", "too_small", "no_data"}
    assert set(table["risk"]) <= {"низкий", "средний", "высокий"}
    assert table.filter(pl.col("status") != "ok")["flagged"].sum() == 0
    assert table.filter(pl.col("grade") == 4)["fioco_cohort"].null_count() == table.filter(pl.col("grade") == 4).height


def test_n_counts_present_valid_participants(findings):
    out, frames = findings
    one = frames[0]
    row = out.filter((pl.col("year") == one["year"][0]) & (pl.col("grade") == one["grade"][0])).row(0, named=True)
    school = one.filter(pl.col("school_login") == row["school_login"])
    assert row["n"] == school.filter(pl.col("valid") & ~pl.col("absent")).height


def test_markers_agree_with_the_marker_function_and_reasons_carry_numbers(findings):
    out, frames = findings
    counted = pl.concat(frames, how="diagonal_relaxed").filter(pl.col("valid") & ~pl.col("absent"))
    direct = mean_markers(counted.with_columns(pl.lit("22").alias("region")), by_region="region")
    merged = out.join(
        direct.select("year", "grade", "school_login", pl.col("fioco_mean").alias("d")),
        on=["year", "grade", "school_login"],
    )
    assert (merged["fioco_mean"].fill_null(-1) == merged["d"].fill_null(-1)).all()
    table = findings_table(out)  # the reasons in words, as findings.csv and the pages show them
    flagged = table.filter(pl.col("fioco_mean") == 1)
    assert flagged.height > 0
    reason = flagged["reasons"][0]
    assert reason.startswith("средний балл ") and "95\u00a0% ДИ" in reason and "," in reason
    assert (table.filter(pl.col("flagged") == 0)["reasons"] == "").all()


def test_reasons_are_codes_with_the_numbers_and_thresholds_used(findings, region):
    """The frame keeps codes and numbers (the words are rendered where shown), with the z the run used: a 99%
    interval reads «99 % ДИ», not the published 95%."""
    out, frames = findings
    item = json.loads(out.filter(pl.col("fioco_mean") == 1)["reasons"][0][0])
    assert item["code"] == "fioco_mean" and item["z"] == 1.96 and item["ci_low"] > item["region_ci_high"]
    maxima = {(s.year, s.period, s.grade, s.subject): s.max_total for s in region.results}
    wide = fioco_findings(pl.concat(frames, how="diagonal_relaxed"), maxima, Params(z=2.58))
    reason = findings_table(wide).filter(pl.col("fioco_mean") == 1)["reasons"][0]
    assert "99\u00a0% ДИ" in reason and "95\u00a0% ДИ" not in reason
