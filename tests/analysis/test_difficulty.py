"""Task levels estimated from the region's data (analysis.difficulty) when the reference data gives none,
and the L2 explanation that says so."""

from dataclasses import replace

import numpy as np
import polars as pl

from objectivity.analysis.difficulty import with_levels
from objectivity.analysis.markers.base import TestInfo, info_from_spec
from objectivity.analysis.markers.taskfit import taskfit
from objectivity.analysis.synth import default_tests, generate_region
from objectivity.analysis.wording import ESTIMATED_NOTE
from tests.analysis.words import in_words


def rows_with_facilities(facilities: list[float], pupils: int = 300, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    scores = {f"task_{i}": (rng.random(pupils) < f).astype(np.int64) for i, f in enumerate(facilities, start=1)}
    return pl.DataFrame({"school_login": ["s"] * pupils, **scores})


def info(count: int, levels: tuple[str, ...] = ()) -> TestInfo:
    return TestInfo(max_total=count, cuts=None, column_max=(1,) * count, levels=levels)


def test_the_hardest_third_is_advanced_and_the_very_hard_high():
    rows = rows_with_facilities([0.9, 0.8, 0.1, 0.7, 0.85, 0.4])
    estimated = with_levels(info(6), rows)
    assert estimated.levels == ("Б", "Б", "В", "Б", "Б", "П") and estimated.levels_estimated


def test_known_levels_are_kept_and_only_the_missing_are_estimated():
    rows = rows_with_facilities([0.9, 0.8, 0.1, 0.7, 0.85, 0.4])
    official = info(6, ("Б", "Б", "П", "Б", "Б", "П"))
    assert with_levels(official, rows) is official
    partial = with_levels(info(6, ("П", "", "", "", "", "")), rows)
    assert partial.levels[0] == "П" and partial.levels[2] == "В" and partial.levels_estimated


def test_nothing_to_estimate_from():
    assert with_levels(info(6), pl.DataFrame({"school_login": []})).levels == ()
    assert not with_levels(info(2), rows_with_facilities([0.5, 0.5])).levels_estimated


def test_the_task_layer_says_when_levels_were_estimated():
    spec = default_tests([2024], grades=(4,))[0]
    region = generate_region(seed=3, years=[2024], n_schools=120, tests=[spec], inject={"hard": 0.2})
    frame = region.results[spec].filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())
    official = info_from_spec(spec)
    unknown = replace(official, levels=tuple("" for _ in official.levels))
    estimated = with_levels(unknown, frame)
    texts = [t for t in in_words(taskfit(frame, estimated))["explain_taskfit"].to_list() if t]
    assert texts and all(ESTIMATED_NOTE in t for t in texts)
    assert not any(ESTIMATED_NOTE in t for t in in_words(taskfit(frame, official))["explain_taskfit"].to_list())
