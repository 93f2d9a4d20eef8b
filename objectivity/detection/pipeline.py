"""One code path for `objectivity analyze` (files, no database) and detection runs (stored imports).

Both build the same frame — the canonical pupil rows of every test with year, period, grade and
subject — and the same maximum scores, then call `analyse` and `write_findings_csv`; a test checks
that the two give byte-identical findings.csv for the same files.
"""

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from objectivity.analysis.findings import Params, findings_table, fioco_findings
from objectivity.analysis.layered import Key, layered_findings
from objectivity.analysis.layers import available
from objectivity.analysis.markers.base import TestInfo

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


def analyse(
    frames: list[pl.DataFrame],
    max_totals: MaxTotals,
    params: Params,
    infos: Mapping[Key, TestInfo] | None = None,
    reported: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Part 1 (ФИОКО markers); with `infos` (reference data per test) also part 2: the evidence layers
    and their calibrated combination. `reported` (year, period, grade, subject rows) limits the findings
    to those tests before the combination is calibrated, so context tests (last year's grade 4 for the
    cohort marker) never change the probabilities."""
    if not frames:
        return pl.DataFrame()
    part1 = fioco_findings(pl.concat(frames, how="diagonal_relaxed"), max_totals, params)
    if reported is not None:
        part1 = part1.join(reported, on=["year", "period", "grade", "subject"], how="semi")
    if not infos:
        return part1
    return layered_findings(part1, frames, infos, available())


def info_of(max_total: int, cuts: tuple[int, int, int] | None, columns: list[dict]) -> TestInfo:
    """TestInfo from reference data columns [{"max", "level", "auto", "criterion"?}, …]."""
    return TestInfo(
        max_total=max_total,
        cuts=cuts,
        column_max=tuple(int(c["max"]) for c in columns),
        levels=tuple(str(c.get("level") or "") for c in columns),
        criterion=tuple(bool(c["criterion"]) for c in columns) if all("criterion" in c for c in columns) else (),
        auto=tuple(bool(c.get("auto")) for c in columns),
    )


def write_findings_csv(findings: pl.DataFrame, path: Path) -> Path:
    """UTF-8, comma-separated, «.» decimals, one row per school × test, in a fixed order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    layers = [c for c in findings.columns if c.startswith("p_") and c not in ("p_combined",)]
    table = findings_table(findings).hstack(findings.select(layers)) if layers else findings_table(findings)
    table = table.sort(["region", "year", "period", "grade", "subject", "school_login"])
    table.write_csv(path, float_precision=4, null_value="")
    return path
