"""The regional dashboard and a municipality's view: the level of objectivity by year by both methods (counted by
hand here), signs by municipality over three years, the funnel plot and the scores around the cut scores, exports of
both tables; a municipality sees its own figures only; one year gives a sentence, not a one-point chart."""

import io

import openpyxl
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from objectivity.detection.models import DetectionRun, EvidenceFigures, Finding
from objectivity.detection.signs import keep_signs
from tests.reports.test_list import listed  # noqa: F401  (a fixture)

URL = reverse("region-dashboard")


def _figures(run, work):
    """The region's distribution of one work kept with the run: 20 pupils at 0..4 points, cut scores 1, 2, 3."""
    EvidenceFigures.objects.create(
        run=run, assessment=work, unit="region", figures={"scores": [4, 4, 4, 4, 4], "cuts": [1, 2, 3]}
    )
    Finding.objects.filter(run=run, assessment=work).update(details={"mean": 2.5})
    keep_signs(run)  # the funnel's points, as a run's save keeps them


def test_levels_by_year_count_schools_with_a_sign_of_each_method(listed, client):  # noqa: F811
    client.force_login(listed.users["region_analyst"])
    index = client.get(URL).context["index"]
    # 2025: one school, ours. 2026: two schools, one with our sign (and a marker), both with a ФИОКО marker.
    assert [(r["year"], r["total"], r["ours"], r["fioco"]) for r in index] == [(2025, 1, 1, 0), (2026, 2, 1, 2)]
    assert index[1]["ours_level"] == 50 and index[1]["fioco_level"] == 0  # 100 − % of schools (METHODS.md §1.4)


def test_signs_by_municipality_over_three_years_and_the_exports(listed, client):  # noqa: F811
    client.force_login(listed.users["region_analyst"])
    rows = client.get(URL).context["municipalities"]
    assert [(r["municipality"], r["year"], r["schools"], r["ours"], r["fioco"]) for r in rows] == [
        ("Городской округ Северогорск", 2025, 1, 1, 0),
        ("Городской округ Северогорск", 2026, 1, 1, 1),
        ("Каменский муниципальный район", 2026, 1, 0, 1),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(URL, {"table": "municipalities", "format": "xlsx"}).content))
    assert [c.value for c in next(sheet.active.iter_rows(min_row=2, max_row=2))][:3] == [
        "Городской округ Северогорск",
        2025,
        1,
    ]
    index = openpyxl.load_workbook(io.BytesIO(client.get(URL, {"table": "index", "format": "xlsx"}).content))
    assert index.active.max_row == 3  # the header and two years


def test_a_municipality_sees_its_own_figures_and_not_another_municipality(listed, client):  # noqa: F811
    client.force_login(listed.users["municipal_coordinator"])
    rows = client.get(URL).context["municipalities"]
    assert {r["municipality"] for r in rows} == {"Городской округ Северогорск"}
    assert client.get(reverse("municipality-dashboard", args=[listed.other_municipality.pk])).status_code == 404
    own = client.get(reverse("municipality-dashboard", args=[listed.municipality.pk]))
    assert own.status_code == 200 and own.context["title"] == "Городской округ Северогорск"


def test_funnel_and_scores_are_drawn_from_the_runs_figures(listed, client):  # noqa: F811
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    work = run.assessments.get(subject="ma")
    _figures(run, work)
    client.force_login(listed.users["region_analyst"])
    context = client.get(URL, {"work": work.pk}).context
    funnel = context["charts"]["funnel"]
    points = funnel["layer"][-1]["data"]["values"]
    assert sorted((p["n"], p["sign"]) for p in points) == [(20, "fioco"), (20, "ours")]
    assert funnel["layer"][2]["data"]["values"] == [{"mean": 2.0}]  # (0+1+2+3+4)·4 / 20
    limits = funnel["layer"][0]["data"]["values"]
    at_20 = next(x for x in limits if x["n"] == 20 and x["z"] == 1.96)
    assert round(at_20["high"], 3) == round(2.0 + 1.96 * 2**0.5 / 20**0.5, 3)  # sd of 0..4 equally often: √2
    scores = context["charts"]["scores"]
    assert [v["share"] for v in scores["layer"][0]["data"]["values"]] == [20.0] * 5
    own = client.get(reverse("municipality-dashboard", args=[listed.municipality.pk]), {"work": work.pk})
    own_points = own.context["charts"]["funnel"]["layer"][-1]["data"]["values"]
    assert [p["school"] for p in own_points] == [listed.school.short_name]  # the municipality's schools only


def test_a_small_work_is_not_a_point_of_the_funnel(listed, client):  # noqa: F811
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    work = run.assessments.get(subject="ma")
    _figures(run, work)
    Finding.objects.filter(run=run, school=listed.other_school).update(n=3)
    keep_signs(run)
    client.force_login(listed.users["region_analyst"])
    points = client.get(URL, {"work": work.pk}).context["charts"]["funnel"]["layer"][-1]["data"]["values"]
    assert [p["school"] for p in points] == [listed.school.short_name]


def test_one_year_gives_a_sentence_and_no_run_an_empty_page(listed, world, client):  # noqa: F811
    DetectionRun.objects.filter(year=2025).delete()
    client.force_login(listed.users["region_analyst"])
    page = client.get(URL).content.decode()
    assert 'data-test="chart-sentence"' in page and 'data-chart="chart-index"' not in page
    DetectionRun.objects.all().delete()
    assert "Завершённого расчёта признаков пока нет" in client.get(URL).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_signs_of_runs_saved_before(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("detection", "0005_verbose_names")])
    old = MigrationExecutor(connection).loader.project_state([("detection", "0005_verbose_names")]).apps
    region = old.get_model("orgs", "Region").objects.get(pk=world.region.pk)
    thresholds = old.get_model("detection", "DetectionSettings").objects.create(region=region, year=2025, version=1)
    run = old.get_model("detection", "DetectionRun").objects.create(
        region=region, year=2025, thresholds=thresholds, status="done", summary={"works": []}
    )
    work = old.get_model("results", "Assessment").objects.create(year=2025, grade=4, subject="ma")
    for school, fields in (
        (world.school, {"flagged": True}),
        (world.other_school, {"fioco_cohort": "rise"}),
        (world.foreign_school, {"status": "few"}),  # not enough data: not counted
    ):
        base = {"n": 20, "status": "ok", "probability": 0.5, "risk": "low"}
        old.get_model("detection", "Finding").objects.create(
            run=run, assessment=work, school_id=school.pk, **{**base, **fields}
        )
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    kept = DetectionRun.objects.get(pk=run.pk).summary
    assert kept["works"] == [] and kept["municipalities"] == [
        {"municipality": world.municipality.pk, "schools": 1, "ours": 1, "fioco": 0},
        {"municipality": world.other_municipality.pk, "schools": 1, "ours": 0, "fioco": 1},
    ]


def test_a_run_without_kept_figures_says_how_to_get_them(listed, client):  # noqa: F811
    client.force_login(listed.users["region_analyst"])
    page = client.get(URL).content.decode()  # the runs of `listed` keep no figures of their works
    assert 'data-test="no-figures"' in page and "запустите расчёт признаков за год заново" in page
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    _figures(run, run.assessments.get(subject="ma"))
    assert 'data-test="no-figures"' not in client.get(URL).content.decode()
