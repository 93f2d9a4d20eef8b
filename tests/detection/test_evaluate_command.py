"""`objectivity evaluate`: the quality document it writes, on one small region."""

import math

from django.core.management import call_command

from objectivity.analysis.evaluate import Result, summarise


def test_evaluate_writes_every_section_with_measured_figures(tmp_path):
    target = tmp_path / "quality.md"
    call_command("evaluate", "--seeds", "1", "--schools", "150", "--out", str(target))
    text = target.read_text(encoding="utf-8")
    for heading in (
        "## Все ОО × работы",
        "## AUC по видам искажения",
        "## AUC по числу участников",
        "## AUC по видам искажения, ОО × работы с ≥ 20 участниками",
        "## Требования",
        "## Справедливость",
    ):
        assert heading in text, heading
    assert "Отчего AUC и TPR сочетания ниже требований" in text
    why = text.split("Отчего AUC и TPR сочетания ниже требований")[1].split("\n")[0]
    assert "→" in why and "nan" not in why  # only kinds present among the larger schools are named
    assert "искажённых среди них" in text and " % — это искажения" in text


def test_summary_skips_seeds_where_a_subset_is_empty():
    first = [Result("combined", "push, ≥ 20", 0.8, 0.5, 0.5)]
    second = [Result("combined", "push, ≥ 20", math.nan, math.nan, math.nan)]
    row = summarise([first, second]).row(0, named=True)
    assert row["auc"] == 0.8 and row["auc_min"] == 0.8 and row["auc_max"] == 0.8
