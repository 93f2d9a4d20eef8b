"""The words of findings (objectivity.analysis.wording): rendered from codes and numbers, the same wherever shown."""

import json
import re

import numpy as np
import polars as pl
import pytest

from objectivity.analysis import wording
from objectivity.analysis.parameters import PUBLISHED, RULES, THRESHOLDS, Params, params_of, recorded


def test_the_confidence_level_says_what_z_gives():
    assert wording.confidence_level(1.96) == "95"
    assert wording.confidence_level(2.58) == "99"
    assert wording.confidence_level(1.645) == "90"
    assert wording.confidence_level(2.0) == "95,4"


def test_a_threshold_reads_in_russian_notation():
    assert wording.threshold_number(0.0) == "0"
    assert wording.threshold_number(-0.1) == "−0,1"
    assert wording.threshold_number(2.58) == "2,58"


def test_the_spearman_reason_names_the_threshold_used():
    item = {"code": "fioco_spearman", "spearman": -0.254, "below": -0.1, "n_journal": 23}
    assert wording.explanation(item) == (
        "корреляция отметок по журналу и баллов ВПР (Спирмен) −0,25 < −0,1 (учеников с отметкой: 23)"
    )
    published = {**item, "below": 0.0}
    assert "< 0 (учеников" in wording.explanation(json.dumps(published))


def test_the_mean_reason_reads_as_before_with_the_published_z():
    item = {"code": "fioco_mean", "mean": 17.25, "ci_low": 15.04, "ci_high": 19.46, "n": 24}
    item |= {"region_mean": 12.0, "region_ci_high": 12.31, "z": 1.96}
    assert wording.explanation(item) == (
        "средний балл 17,2 (95\u00a0% ДИ 15,0–19,5, n\u00a0=\u00a024) выше среднего по региону 12,0 "
        "(верхняя граница ДИ 12,3)"
    )


NBSP = "\u00a0"


def test_ranges_take_an_en_dash_and_numbers_keep_their_percent_sign():
    bunching = {"code": "bunching", "below": 2, "above": 2, "anchored": False, "one_in": 40}
    bunching["cuts"] = [{"cut": 13, "mark": "4", "expected_under": 2.0, "under": 1, "expected_over": 3.0, "over": 6}]
    similarity = {"code": "similarity", "found": 2, "apart": False, "cut_weight": 1.0, "expected": 0.2}
    similarity |= {"at_cuts": [["3", 1, 11]], "group": None}
    absence = {"code": "absence", "missing": 5, "rolled": 24, "rate": 0.07}
    taskfit = {"code": "taskfit", "all": [40, 61], "n": 25, "top": None, "estimated": False, "columns": 3}
    texts = [wording.explanation(item) for item in (bunching, similarity, absence, taskfit)]
    assert "с 11–12 баллами" in texts[0] and "с 13–14 баллами" in texts[0]
    assert "у «3» (11–12 баллов)" in texts[1]
    assert f"(21{NBSP}%, по региону 7{NBSP}%)" in texts[2]
    assert f"ожидалось 40{NBSP}% от максимума, фактически 61{NBSP}%" in texts[3]
    assert not any(re.search(r"\d-\d|\d %", text) for text in texts)


def test_the_numbers_round_exactly_as_polars_did():
    """The ФИОКО reasons were built by polars (round, then cast to text): the renderer gives the same digits."""
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.uniform(-40, 40, 20000), np.round(rng.uniform(-3, 3, 5000), 2) + 0.005, [-0.04]])
    for digits in (1, 2):
        expected = pl.Series(values).round(digits).cast(pl.String).str.replace(r"\.", ",").str.replace("^-", "−")
        assert [wording.rounded_plain(v, digits) for v in values] == expected.to_list()


def test_reasons_join_items_and_keep_legacy_text():
    cohort = {"code": "fioco_cohort", "direction": "fall", "year": 2025, "k": 1.4567, "bound": 1.3}
    spearman = {"code": "fioco_spearman", "spearman": -0.5, "below": 0.0, "n_journal": 9}
    text = wording.reasons_text([json.dumps(spearman), cohort])
    assert text == (
        "корреляция отметок по журналу и баллов ВПР (Спирмен) −0,5 < 0 (учеников с отметкой: 9); "
        "резкое падение: K = S(4 класс, 2024) / S(5 класс, 2025) = 1,46, граница 1,3"
    )
    assert wording.reasons_text([]) == "" and wording.reasons_text(None) == ""
    old = "средний балл 15,0 (95 % ДИ 13,1–16,9, n = 20) выше среднего по региону 12,0"
    assert wording.reasons_text(old) == old  # a run stored before codes reads as it did
    assert wording.explanation("{не JSON") == "{не JSON" and wording.explanation("") == ""


def test_risk_words():
    assert [wording.risk_word(c) for c in (wording.HIGH, wording.MEDIUM, wording.LOW)] == [
        "высокий",
        "средний",
        "низкий",
    ]
    assert wording.risk_word("средний") == "средний"  # a stored word reads as it is


@pytest.mark.parametrize("code", sorted(set(wording.RENDERERS) - {"fioco_mean", "fioco_spearman", "fioco_cohort"}))
def test_every_layer_has_a_renderer_named_after_it(code):
    from objectivity.analysis.evidence_layers import LAYER_NAMES

    assert code in LAYER_NAMES or code == "recheck"


def test_one_definition_gives_params_and_the_recorded_rules():
    assert [t.key for t in THRESHOLDS] == ["z", "iqr_k", "spearman_below", "min_n", "risk_high"]
    assert Params() == PUBLISHED and PUBLISHED.z == 1.96 and PUBLISHED.min_n == 5
    assert {t.key: t.source for t in THRESHOLDS}["z"] == "fioco"
    assert params_of({"z": "2.58", "min_n": 7.0, "unknown": 1}) == Params(z=2.58, min_n=7)
    kept = recorded(Params(z=2.58))
    assert kept["z"] == 2.58 and kept["q"] == RULES.q == 0.05 and kept["min_agreeing"] == 2
    assert kept["extreme"] == 0.001 and kept["signal_below"] == 0.05 and kept["risk_medium"] == 0.1
