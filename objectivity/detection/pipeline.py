"""One code path for `objectivity analyze` (files, no database) and detection runs (stored imports).

Both build the same frame — the canonical pupil rows of every test with year, period, grade and
subject — and the same maximum scores, then call `analyse` and `write_findings_csv`; a test checks
that the two give byte-identical findings.csv for the same files.
"""

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from objectivity.analysis.evidence_layers import available
from objectivity.analysis.findings import FIOCO_COLUMNS, findings_table, fioco_findings
from objectivity.analysis.layered_findings import Key, Oversight, References, Step, layered_findings
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.parameters import Params

MaxTotals = dict[tuple[int, str, int, str], int]


# What the markers and layers read of the pupil rows; the rest (textbooks, variants, row problems) stays in
# storage. At national scale the textbook and region text alone would double the memory.
ANALYSED = (
    "source_row", "participant_code", "school_login", "region_label", "class_letter", "journal_mark",
    "absent", "total", "valid", "procedure", "year", "period", "grade", "subject", "variant",
)  # fmt: skip


def analysed_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns the analysis reads (ANALYSED and the scoring columns), in the frame's order. The variant
    (L3's cells are class × variant) is kept as a small number: at national scale its text would cost
    hundreds of megabytes; a variant that is not a number (none seen in real exports) reads as unknown."""
    columns = [c for c in frame.columns if c in ANALYSED or c.startswith("task_")]
    variant = pl.col("variant").cast(pl.Int16, strict=False) if frame.schema.get("variant") == pl.String else None
    return frame.select(variant if c == "variant" and variant is not None else pl.col(c) for c in columns)


def analyse(
    frames: list[pl.DataFrame],
    max_totals: MaxTotals,
    params: Params,
    infos: Mapping[Key, TestInfo] | None = None,
    reported: pl.DataFrame | None = None,
    step: Step | None = None,
    oversight: Oversight | None = None,
    references: References | None = None,
) -> pl.DataFrame:
    """Part 1 (ФИОКО markers); with `infos` (reference data per test) also part 2: the evidence layers
    and their calibrated combination. `reported` (year, period, grade, subject rows) limits the findings
    to those tests before the combination is calibrated, so context tests (last year's grade 4 for the
    cohort marker) never change the probabilities. `step(done, total, test)` reports the layers' progress;
    `oversight` holds the observer and recheck records per test for the L7 layers; `references` the
    logins of each test's «ВПР с контролем объективности» schools, a clean reference for L1 and L6."""
    if not frames:
        return pl.DataFrame()
    frames = [analysed_columns(f) for f in frames]
    pupils = pl.concat([f.select(c for c in FIOCO_COLUMNS if c in f.columns) for f in frames], how="diagonal_relaxed")
    part1 = fioco_findings(pupils, max_totals, params)
    del pupils  # national data: do not hold a second copy of every row while the layers run
    if reported is not None:
        part1 = part1.join(reported, on=["year", "period", "grade", "subject"], how="semi")
    if not infos:
        return part1
    return layered_findings(part1, frames, infos, available(), step=step, oversight=oversight, references=references)


def progress_step(progress, start: int, end: int, label: str) -> Step:
    """A layered_findings step that moves a progress bar from `start` to `end` percent, test by test."""

    def step(done: int, total: int, test: str) -> None:
        progress(start + (end - start) * done // max(1, total), f"{label}: {test}" if test else label)

    return step


def info_of(max_total: int, cuts: tuple[int, int, int] | None, columns: list[dict]) -> TestInfo:
    """TestInfo from reference data columns [{"max", "level", "auto", "criterion"?}, …].

    When the reference data marks no column as a teacher-judged criterion column (nor as not one), a column
    worth more than 1 point is taken as one: ВПР short answers checked against a key score 0/1, extended
    answers judged by criteria score 0-2 and more (ФИОКО's descriptions of the works). When it marks some,
    the unmarked ones are not criterion columns."""
    known = any(c.get("criterion") is not None for c in columns)
    return TestInfo(
        max_total=max_total,
        cuts=cuts,
        column_max=tuple(int(c["max"]) for c in columns),
        levels=tuple(str(c.get("level") or "") for c in columns),
        criterion=tuple(bool(c["criterion"]) if known else int(c["max"]) > 1 for c in columns),
        auto=tuple(bool(c.get("auto")) for c in columns),
    )


def write_findings_csv(findings: pl.DataFrame, path: Path) -> Path:
    """UTF-8, comma-separated, «.» decimals, one row per school × test, in a fixed order; the risk and the reasons
    in words (findings_table renders the codes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    layers = [c for c in findings.columns if c.startswith("p_") and c not in ("p_combined",)]
    table = findings_table(findings).hstack(findings.select(layers)) if layers else findings_table(findings)
    table = table.sort(["region", "year", "period", "grade", "subject", "school_login"])
    table.write_csv(path, float_precision=4, null_value="")
    return path
