"""Findings store codes and numbers and runs record every parameter (ADR 0014): the words are rendered where
they are shown, the same on the pages, in the exports and in findings.csv; runs stored before keep their words."""

import io

import openpyxl
import polars as pl
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from objectivity.analysis import wording
from objectivity.analysis.evidence_layers import LAYER_NAMES
from objectivity.analysis.parameters import METHOD_VERSION
from objectivity.detection.models import DetectionRun, DetectionSettings, Finding
from tests.detection.test_runs import detect, generated  # noqa: F401  (a fixture)


def test_a_run_records_its_method_version_and_every_parameter(world, generated, client):  # noqa: F811
    DetectionSettings.objects.create(region=world.region, year=2025, version=1, values={"z": 2.58})
    run = detect(world, 2025)
    assert run.method_version == METHOD_VERSION
    assert run.parameters["z"] == 2.58 and run.parameters["min_n"] == 5  # the version's value, else the default
    rules = {k: run.parameters[k] for k in ("q", "min_agreeing", "extreme", "signal_below", "risk_medium")}
    assert rules == {"q": 0.05, "min_agreeing": 2, "extreme": 0.001, "signal_below": 0.05, "risk_medium": 0.1}
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert f"Версия методики {METHOD_VERSION}" in page and 'data-test="parameter-q"' in page
    assert "[ФИОКО]" in page and "[собственный]" in page
    mean = Finding.objects.filter(run=run, fioco_mean=1).first()
    if mean is not None:  # the 99% interval the run used, in its own words
        assert "99\u00a0% ДИ" in mean.reasons_text and "95\u00a0% ДИ" not in mean.reasons_text


def test_findings_store_codes_and_every_place_shows_the_same_words(world, generated, client):  # noqa: F811
    run = detect(world, 2025)
    findings = Finding.objects.filter(run=run)
    assert set(findings.values_list("risk", flat=True)) <= {"high", "medium", "low"}
    with_layers = [f for f in findings.exclude(reasons=[]) if any(i["code"] in LAYER_NAMES for i in f.reasons)]
    with_reasons = with_layers[0]
    assert all(isinstance(item, dict) and item["code"] in wording.RENDERERS for item in with_reasons.reasons)
    explained = [v for k, v in with_reasons.details.items() if k.startswith("explain_") and v]
    assert explained and all(isinstance(v, dict) for v in explained)
    # findings.csv, the work's list, its CSV export and the school's page read the same words
    stored = pl.read_csv(settings.DATA_DIR / run.findings_csv, infer_schema=False)
    row = stored.filter(
        pl.col("school_login") == with_reasons.school.login, pl.col("grade") == str(with_reasons.assessment.grade)
    )
    assert row["reasons"][0] == with_reasons.reasons_text and row["risk"][0] == with_reasons.risk_text
    client.force_login(world.users["region_analyst"])
    url = reverse("work-findings", args=[run.pk, with_reasons.assessment_id])
    exported = client.get(url, {"q": with_reasons.school.login, "format": "xlsx"})
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(exported.content)).active.values for c in row]
    assert with_reasons.reasons_text in cells and with_reasons.risk_text in cells
    page = client.get(reverse("school-findings", args=[run.pk, with_reasons.school_id])).content.decode()
    layer = next(i for i in with_reasons.reasons if i["code"] in LAYER_NAMES)  # a layer that shows signs
    assert wording.explanation(layer) == wording.explanation(with_reasons.details[f"explain_{layer['code']}"])
    assert wording.explanation(layer).split(";")[0] in page


def test_the_risk_filter_takes_codes_and_the_words_of_old_links(world, generated, client):  # noqa: F811
    run = detect(world, 2025)
    work = run.assessments.get(grade=5)
    client.force_login(world.users["region_analyst"])
    url = reverse("work-findings", args=[run.pk, work.pk])
    expected = Finding.objects.filter(run=run, assessment=work, risk="low", status="ok").count()
    assert expected > 0
    for value in ("low", "низкий"):
        assert client.get(url, {"risk": value}).context["page"].paginator.count == expected


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_words_into_codes_and_keeps_old_reasons_as_they_read(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("detection", "0002_evidence_figures_and_list_speed")])
    old = MigrationExecutor(connection).loader.project_state([("detection", "0002_evidence_figures_and_list_speed")])
    models = old.apps
    region = models.get_model("orgs", "Region").objects.get(pk=world.region.pk)
    settings_v1 = models.get_model("detection", "DetectionSettings").objects.create(
        region=region, year=2025, version=1, values={}
    )
    run = models.get_model("detection", "DetectionRun").objects.create(
        region=region, year=2025, thresholds=settings_v1, method="fioco-1"
    )
    work = models.get_model("results", "Assessment").objects.create(year=2025, grade=4, subject="ma")
    text = "средний балл 15,0 (95 % ДИ 13,1–16,9, n = 20) выше среднего по региону 12,0; отсутствовали 5 из 24"
    OldFinding = models.get_model("detection", "Finding")
    for school, risk, reasons in ((world.school, "высокий", text), (world.other_school, "низкий", "")):
        OldFinding.objects.create(
            run=run,
            assessment=work,
            school_id=school.pk,
            n=20,
            status="ok",
            probability=0.9,
            risk=risk,
            reasons=reasons,
        )
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    high, low = (Finding.objects.get(school=school) for school in (world.school, world.other_school))
    assert (high.risk, low.risk) == ("high", "low") and (high.risk_text, low.risk_text) == ("высокий", "низкий")
    assert high.reasons == [] and high.reasons_text == text and low.reasons_text == ""
    assert DetectionRun.objects.get(pk=run.pk).method_version == ""  # made before versions were recorded
    # Back again: codes become words, and reasons stored as codes become their text.
    Finding.objects.filter(pk=low.pk).update(
        reasons=[{"code": "fioco_cohort", "direction": "rise", "year": 2025, "k": 0.5, "bound": 0.7}]
    )
    MigrationExecutor(connection).migrate([("detection", "0002_evidence_figures_and_list_speed")])
    back = MigrationExecutor(connection).loader.project_state([("detection", "0002_evidence_figures_and_list_speed")])
    rows = dict(back.apps.get_model("detection", "Finding").objects.values_list("risk", "reasons"))
    assert rows == {
        "высокий": text,
        "низкий": "резкое возрастание: K = S(4 класс, 2024) / S(5 класс, 2025) = 0,5, граница 0,7",
    }
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
