"""The layered findings: every layer's columns per school × test, the L5 cohort layer across tests, the L7
hooks fed with oversight records, and the progress steps."""

import numpy as np
import polars as pl
import pytest

from objectivity.analysis.evidence_layers import LAYER_NAMES, available
from objectivity.analysis.findings import fioco_findings
from objectivity.analysis.layered_findings import layered_findings
from objectivity.analysis.markers.base import info_from_spec
from objectivity.analysis.synth import default_tests, generate_region


@pytest.fixture(scope="module")
def region():
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ma",))
    found = generate_region(seed=5, years=[2024, 2025], n_schools=120, tests=tests)
    frames = [
        frame.with_columns(
            pl.lit(s.year, pl.Int32).alias("year"),
            pl.lit(s.period).alias("period"),
            pl.lit(s.grade, pl.Int32).alias("grade"),
            pl.lit(s.subject).alias("subject"),
        )
        for s, frame in found.results.items()
    ]
    infos = {(s.year, s.period, s.grade, s.subject): info_from_spec(s) for s in found.results}
    maxima = {key: info.max_total for key, info in infos.items()}
    return frames, infos, fioco_findings(pl.concat(frames, how="diagonal_relaxed"), maxima)


def test_every_layer_has_its_column_and_the_cohort_layer_reads_across_years(region):
    frames, infos, part1 = region
    out = layered_findings(part1, frames, infos, available())
    assert all(f"p_{name}" in out.columns for name in LAYER_NAMES)
    cohort = out.filter(pl.col("p_cohort").is_not_null())
    # grade 4 of 2024 has its next test (grade 5 of 2025), grade 5 of 2025 its previous one; the others neither
    assert set(cohort.select("year", "grade").unique().iter_rows()) == {(2024, 4), (2025, 5)}
    assert out["p_observers"].is_null().all() and out["p_recheck"].is_null().all()  # no records yet


def test_oversight_records_reach_the_l7_layers(region):
    frames, infos, part1 = region
    key = (2025, "spring", 5, "ma")
    frame = next(f for f in frames if (f["year"][0], f["grade"][0]) == (2025, 5))
    classes = frame.select("school_login", "class_letter").unique().drop_nulls().sort("school_login", "class_letter")
    rng = np.random.default_rng(1)
    observed = classes.with_columns(pl.Series("observed", rng.random(classes.height) < 0.5))
    pupils = frame.filter(~pl.col("absent") & pl.col("total").is_not_null()).head(300)
    rechecked = pupils.select("school_login", "participant_code", *[c for c in pupils.columns if c.startswith("task_")])
    records = {key: {"observed": observed, "rechecked": rechecked}}
    out = layered_findings(part1, frames, infos, available(), oversight=records)
    this_test = (pl.col("year") == 2025) & (pl.col("grade") == 5)
    assert out.filter(this_test)["p_recheck"].is_not_null().sum() > 0
    assert out.filter(this_test)["p_observers"].is_not_null().sum() > 0
    assert out.filter(~this_test)["p_recheck"].is_null().all()


def test_progress_steps_name_each_test_and_end_at_the_total(region):
    frames, infos, part1 = region
    steps = []
    layered_findings(
        part1, frames, infos, available(), step=lambda done, total, test: steps.append((done, total, test))
    )
    assert [s[0] for s in steps] == list(range(len(frames) + 1))
    assert steps[0][2] == "Математика, 4 класс, 2024" and steps[-1] == (len(frames), len(frames), "")


def test_a_control_sample_reaches_the_reference_layers_only(region):
    frames, infos, part1 = region
    key = (2025, "spring", 5, "ma")
    frame = next(f for f in frames if (f["year"][0], f["grade"][0]) == (2025, 5))
    logins = sorted(set(frame["school_login"].to_list()))
    with_reference = layered_findings(part1, frames, infos, available(), references={key: logins[: len(logins) // 2]})
    plain = layered_findings(part1, frames, infos, available())
    this_test = (pl.col("year") == 2025) & (pl.col("grade") == 5)
    changed = {
        name
        for name in LAYER_NAMES
        if not with_reference.filter(this_test)[f"p_{name}"].equals(plain.filter(this_test)[f"p_{name}"])
    }
    assert changed and changed <= {"bunching", "shares"}
    assert with_reference.filter(~this_test)["p_bunching"].equals(plain.filter(~this_test)["p_bunching"])
