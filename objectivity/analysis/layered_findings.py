"""Part 2 of the findings: every evidence layer per school × test, combined into a calibrated probability.

`layered_findings` takes the part-1 findings (objectivity.analysis.findings.fioco_findings) and the
same pupil frames, runs each layer of objectivity.analysis.evidence_layers on each ВПР test, and combines the
layers' p-values over all school × tests of the region (objectivity.analysis.combine), with the layer weights
the product uses (objectivity.analysis.weights: equal unless learned ones were adopted). It replaces the
part-1 `probability`, `risk` and `flagged` with the combined ones, adds `p_<layer>` per layer and
`probability_low`/`probability_high`, and appends each layer's explanation item (when it signals:
combine.signals) to `reasons` (codes and numbers; objectivity.analysis.wording renders them). ОГЭ/ЕГЭ rows
get no layer p-values (the layers read ВПР task columns).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Mapping

import polars as pl

from objectivity.analysis.combine import combine, signal_expr
from objectivity.analysis.difficulty import with_levels
from objectivity.analysis.evidence_layers import ALL_ROWS, MULTI_TEST, OVERSIGHT, REFERENCE
from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.markers.fioco import TEST_KEY
from objectivity.analysis.schema import counted_rows
from objectivity.analysis.weights import product_weights

Key = tuple[int, str, int, str]
Layer = Callable[..., pl.DataFrame]
Step = Callable[[int, int, str], None]  # (tests done, tests in all, the test now read) — for progress bars
Oversight = Mapping[Key, Mapping[str, pl.DataFrame]]  # per test: OVERSIGHT keyword → its records
References = Mapping[Key, Collection[str]]  # per test: logins of the schools of its clean control sample


def test_seed(key: Key) -> int:
    """The same seed for the same test wherever it is analysed (randomised p-values are reproducible)."""
    return zlib.crc32("|".join(map(str, key)).encode())


def layers_of_test(
    frame: pl.DataFrame,
    info: TestInfo,
    layers: Mapping[str, Layer],
    key: Key,
    records: Mapping[str, pl.DataFrame] | None = None,
    reference: Collection[str] = (),
) -> pl.DataFrame:
    """One row per school of one test: p_, stat_, explain_ per per-test layer (rows sorted first: order-free).

    `records` are the test's observer / recheck records by OVERSIGHT keyword, for the L7 layers;
    `reference` the logins of its control sample, for the REFERENCE layers."""
    rows = frame.sort("school_login", "participant_code", "source_row")
    counted = counted_rows(rows)
    info = with_levels(info, counted)
    out = rows.select("school_login").unique()
    for name, layer in layers.items():
        if name in MULTI_TEST:
            continue
        extra: dict[str, object] = {OVERSIGHT[name]: (records or {}).get(OVERSIGHT[name])} if name in OVERSIGHT else {}
        if name in REFERENCE and reference:
            extra["reference"] = reference
        found = layer(rows if name in ALL_ROWS else counted, info, seed=test_seed(key), **extra)
        out = out.join(found.drop("n"), on="school_login", how="left")
    year, period, grade, subject = key
    return out.with_columns(
        pl.lit(year, pl.Int32).alias("year"),
        pl.lit(period).alias("period"),
        pl.lit(grade, pl.Int32).alias("grade"),
        pl.lit(subject).alias("subject"),
    )


def layered_findings(
    part1: pl.DataFrame,
    frames: list[pl.DataFrame],
    infos: Mapping[Key, TestInfo],
    layers: Mapping[str, Layer],
    *,
    seed: int = 0,
    step: Step | None = None,
    oversight: Oversight | None = None,
    references: References | None = None,
) -> pl.DataFrame:
    """Part-1 findings with the layers and their combination (see the module docstring).

    `step`, when given, is called before each test is read by the layers and once more at the end.
    `oversight` gives the L7 layers their records per test (observers present, rechecked works);
    `references` the clean control sample per test, for the layers that fit the region's background.
    """
    if part1.is_empty() or not layers:
        return part1
    evidence = evidence_of(frames, infos, layers, oversight or {}, step, references)
    merged = part1 if evidence is None else part1.join(evidence, on=[*TEST_KEY, "school_login"], how="left")
    if evidence is not None:
        merged = merged.join(_persistence(evidence, list(layers)), on=[*TEST_KEY, "school_login"], how="left")
    for name in layers:
        if f"p_{name}" not in merged.columns:
            merged = merged.with_columns(
                pl.lit(None, pl.Float64).alias(f"p_{name}"), pl.lit(None, pl.String).alias(f"explain_{name}")
            )
    part1_columns = {c: f"fioco_{c}" for c in ("probability", "risk", "flagged")}
    combined = combine(merged.rename(part1_columns), list(layers), seed=seed, weights=product_weights())
    return _fall_back_to_part1(combined).with_columns(_reasons(list(layers), combined.columns).alias("reasons"))


def _fall_back_to_part1(frame: pl.DataFrame) -> pl.DataFrame:
    """School × tests no layer could read (ОГЭ rows, tests without reference data) keep part 1's probability,
    risk and flag."""
    no_layers = pl.col("p_combined").is_null() | pl.col("p_combined").is_nan()
    return frame.with_columns(
        pl.when(no_layers).then(pl.col("fioco_probability")).otherwise(pl.col("probability")).alias("probability"),
        pl.when(no_layers).then(pl.col("fioco_risk")).otherwise(pl.col("risk")).alias("risk"),
        pl.when(no_layers).then(pl.col("fioco_flagged")).otherwise(pl.col("flagged")).cast(pl.Int8).alias("flagged"),
    ).drop("fioco_probability", "fioco_risk", "fioco_flagged")


def _persistence(evidence: pl.DataFrame, layers: list[str]) -> pl.DataFrame:
    """persistent_<layer>: the same layer signalled for the same school and subject in another year."""
    keys = [*TEST_KEY, "school_login"]
    out = evidence.select(keys)
    for name in layers:
        if f"p_{name}" not in evidence.columns:
            continue
        signalled = evidence.filter(signal_expr(name, evidence.columns)).select("school_login", "subject", "year")
        years = signalled.group_by("school_login", "subject").agg(pl.col("year").unique().alias("_years"))
        in_this_year = pl.col("_years").list.contains(pl.col("year")).fill_null(False).cast(pl.UInt32)
        other_years = pl.col("_years").list.len().fill_null(0) - in_this_year
        out = (
            out.join(years, on=["school_login", "subject"], how="left")
            .with_columns((other_years > 0).alias(f"persistent_{name}"))
            .drop("_years")
        )
    return out


def _label(frame: pl.DataFrame) -> str:
    """«Математика, 4 класс, 2025» for progress messages."""
    if frame.is_empty():
        return ""
    year, _period, grade, subject = _key_of(frame)
    name = SUBJECT_BY_CODE[subject].name if subject in SUBJECT_BY_CODE else subject
    return f"{name}, {grade} класс, {year}"


def _is_vpr(frame: pl.DataFrame) -> bool:
    return not frame.is_empty() and ("procedure" not in frame.columns or frame["procedure"][0] == "vpr")


def _key_of(frame: pl.DataFrame) -> Key:
    return (int(frame["year"][0]), str(frame["period"][0]), int(frame["grade"][0]), str(frame["subject"][0]))


def _test_layers(
    frame: pl.DataFrame,
    infos: Mapping[Key, TestInfo],
    layers: Mapping[str, Layer],
    oversight: Oversight,
    references: References,
) -> pl.DataFrame | None:
    if not _is_vpr(frame):
        return None
    key = _key_of(frame)
    info = infos.get(key)
    if info is None:
        return None
    return layers_of_test(frame, info, layers, key, oversight.get(key), references.get(key, ()))


def _multi_test(layer: Layer, frames: list[pl.DataFrame], infos: Mapping[Key, TestInfo]) -> pl.DataFrame:
    """A layer over all ВПР tests at once (L5): one row per test × school."""
    tests = {_key_of(f): counted_rows(f).select("school_login", "total") for f in frames if _is_vpr(f)}
    return layer(tests, infos, seed=0).drop("n")


def evidence_of(
    frames: list[pl.DataFrame],
    infos: Mapping[Key, TestInfo],
    layers: Mapping[str, Layer],
    oversight: Oversight | None = None,
    step: Step | None = None,
    references: References | None = None,
) -> pl.DataFrame | None:
    """Every layer's columns per test × school (year, period, grade, subject, school_login, then stat_, p_,
    explain_ per layer): per-test layers stacked, multi-test ones joined beside; None without a ВПР test."""
    oversight = oversight or {}
    per_test = []
    for index, frame in enumerate(frames):
        if step is not None:
            step(index, len(frames), _label(frame))
        if (found := _test_layers(frame, infos, layers, oversight, references or {})) is not None:
            per_test.append(found)
    if step is not None:
        step(len(frames), len(frames), "")
    if not per_test:
        return None
    out = pl.concat(per_test, how="diagonal_relaxed")
    for name, layer in layers.items():
        if name in MULTI_TEST:
            out = out.join(_multi_test(layer, frames, infos), on=[*TEST_KEY, "school_login"], how="left")
    return out


def _reasons(layers: list[str], columns: list[str]) -> pl.Expr:
    """Part 1's reason items followed by the explanation item of each layer that signals."""
    items = [
        pl.when(signal_expr(name, columns) & (pl.col(f"explain_{name}") != "")).then(pl.col(f"explain_{name}"))
        for name in layers
    ]
    return pl.concat_list([pl.col("reasons"), *items]).list.drop_nulls()
