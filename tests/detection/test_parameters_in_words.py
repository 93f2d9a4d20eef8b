"""The run page and the thresholds page show parameters as people write them (never 0.6666666666666666), name the
combination of layers in words (not its code) and say what the source tags in brackets mean."""

import pytest
from django.urls import reverse

from objectivity.analysis.weights import EQUAL_METHOD
from objectivity.detection.actions import save_thresholds, stored_settings
from objectivity.detection.models import DetectionRun, DetectionSettings

RAW = "0.6666666666666666"


@pytest.fixture
def run(world):
    settings = stored_settings(by=world.users["region_admin"], region=world.region, year=2026)
    return DetectionRun.objects.create(
        region=world.region,
        year=2026,
        thresholds=settings,
        status="done",
        method=EQUAL_METHOD,
        method_version="2",
        parameters={**settings.values, "risk_high": 2 / 3},
    )


def test_the_run_page_words_the_method_and_the_sources(world, client, run):
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert EQUAL_METHOD not in page
    assert "гармоническим средним их p-значений с равными весами" in page
    assert "[ФИОКО] — опубликованная методика" in page.replace("&quot;", '"')
    assert RAW not in page and "0,667" in page


def test_a_fitted_method_is_named_by_its_set(run):
    run.method = "layers-hmp-w-0a1b2c3d"
    assert run.method_words.endswith("(набор 0a1b2c3d)") and "layers-hmp" not in run.method_words


def test_the_thresholds_page_and_its_form_show_no_raw_float(world, client):
    admin = world.users["region_admin"]
    save_thresholds(by=admin, region=world.region, year=2026, values={"risk_high": 2 / 3})
    client.force_login(admin)
    page = client.get(reverse("thresholds", args=[2026])).content.decode()
    assert RAW not in page and "0,667" in page and 'value="0.667"' in page


def test_sending_the_form_unchanged_keeps_the_exact_value(world, client):
    admin = world.users["region_admin"]
    save_thresholds(by=admin, region=world.region, year=2026, values={"risk_high": 2 / 3})
    client.force_login(admin)
    form = client.get(reverse("thresholds", args=[2026])).context["form"]
    data = {name: field.prepare_value(form.initial.get(name, field.initial)) for name, field in form.fields.items()}
    client.post(reverse("thresholds", args=[2026]), data)
    latest = DetectionSettings.objects.filter(region=world.region, year=2026).order_by("-version").first()
    assert latest.values["risk_high"] == 2 / 3


def test_the_run_page_groups_large_counts(world, client, run):
    work = {"assessment": 1, "work": "ВПР 2026 · Математика · 4 класс", "schools": 12345, "ok": 12000}
    run.summary = {"works": [{**work, "flagged": 10500, "index": 50.0, "signs": 10001}]}
    run.save(update_fields=["summary"])
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert all(f">{n[:2]}\u00a0{n[2:]}<" in page for n in ("12345", "12000", "10500", "10001"))
