"""One code path for `objectivity analyze` (files, no database) and detection runs (stored imports).

Both build the same frame — the canonical pupil rows of every test with year, period, grade and
subject — and the same maximum scores, then call `analyse` and `write_findings_csv`; a test checks
that the two give byte-identical findings.csv for the same files.
"""

from pathlib import Path

import polars as pl

from objectivity.analysis.findings import Params, findings_table, fioco_findings

MaxTotals = dict[tuple[int, str, int, str], int]


def with_test_key(
    pupils: pl.DataFrame, *, year: int, period: str, grade: int, subject: str, procedure: str = "vpr"
) -> pl.DataFrame:
    return pupils.with_columns(
        pl.lit(procedure).alias("procedure"),
        pl.lit(year, pl.Int32).alias("year"),
        pl.lit(period).alias("period"),
        pl.lit(grade, pl.Int32).alias("grade"),
        pl.lit(subject).alias("subject"),
    )


def analyse(frames: list[pl.DataFrame], max_totals: MaxTotals, params: Params) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame()
    return fioco_findings(pl.concat(frames, how="diagonal_relaxed"), max_totals, params)


def write_findings_csv(findings: pl.DataFrame, path: Path) -> Path:
    """UTF-8, comma-separated, «.» decimals, one row per school × test, in a fixed order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = findings_table(findings).sort(["region", "year", "period", "grade", "subject", "school_login"])
    table.write_csv(path, float_precision=4, null_value="")
    return path
