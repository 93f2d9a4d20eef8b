"""Detection runs over stored imports and `objectivity analyze` over the same files share one code path."""

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command

from objectivity.analysis.synth import default_tests, generate_region, write_region
from objectivity.analysis.weights import combination_method
from objectivity.detection.models import DetectionRun, DetectionSettings, Finding
from objectivity.orgs.models import School
from objectivity.results.importer import import_results
from objectivity.results.reference import import_yaml
from tests.factories import MunicipalityFactory


@pytest.fixture
def generated(tmp_path_factory, world):
    out = tmp_path_factory.mktemp("region")
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ma",))
    region = generate_region(
        seed=5, years=[2024, 2025], n_schools=60, tests=tests, inject={"inflate": 0.1, "cohort": 0.05}
    )
    paths = write_region(region, out)
    municipality = MunicipalityFactory(region=world.region)
    School.objects.bulk_create(
        [
            School(login=login, municipality=municipality, full_name=login, short_name=login)
            for login in region.schools["login"]
        ],
        ignore_conflicts=True,  # the fixed cast already has sch220001 and sch220002
    )
    import_yaml((out / "reference.yaml").read_text(encoding="utf-8"))
    files = sorted(p for p in paths if p.suffix == ".xlsx" and p.name != "schools.xlsx")
    for path in files:
        assert import_results(path, path.name, region=world.region, by=None).status == "imported"
    return out, files


def detect(world, year):
    call_command("detect", "--region", world.region.code, "--year", str(year))
    return DetectionRun.objects.order_by("-created_at").first()


def test_detect_and_analyze_give_byte_identical_findings(world, generated, settings, tmp_path):
    out, files = generated
    run = detect(world, 2025)
    call_command(
        "analyze",
        *map(str, files),
        "--out",
        str(tmp_path),
        "--reference",
        str(out / "reference.yaml"),
        "--year",
        "2025",
    )
    stored = (Path(settings.DATA_DIR) / run.findings_csv).read_bytes()
    assert stored == (tmp_path / "findings.csv").read_bytes()
    table = pl.read_csv(tmp_path / "findings.csv")
    assert set(table["year"]) == {2025} and table["fioco_cohort"].drop_nulls().len() > 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<link" not in html and "<script" not in html and "Уровень объективности" in html


def test_a_run_keeps_its_settings_and_data_and_repeats_exactly(world, generated):
    first = detect(world, 2025)
    second = detect(world, 2025)
    assert first.thresholds == second.thresholds == DetectionSettings.objects.get(region=world.region, year=2025)
    imports = [i["id"] for v in first.data_versions for i in v["imports"]]
    assert len(first.data_versions) == 4 and len(imports) == 4  # two works of 2025 and both of 2024 as context

    def rows(run):
        return sorted(
            Finding.objects.filter(run=run).values_list(
                "school__login", "assessment_id", "n", "fioco_mean", "fioco_spearman", "fioco_cohort", "reasons"
            )
        )

    assert rows(first) == rows(second) and len(rows(first)) > 0
    first.refresh_from_db()
    assert first.method == combination_method()  # which layer weights the combination had
    assert first.method.startswith("layers-hmp-")
    summary = first.summary["works"]
    assert {w["work"] for w in summary} == {"ВПР 2025 · Математика · 4 класс", "ВПР 2025 · Математика · 5 класс"}
    assert all(0 <= w["index"] <= 100 for w in summary)


def test_a_run_keeps_its_schools_with_signs_per_municipality(world, generated):
    run = detect(world, 2025)
    run.refresh_from_db()
    expected: dict[int, dict[str, set]] = {}
    for f in Finding.objects.filter(run=run, status="ok").select_related("school"):
        counted = expected.setdefault(f.school.municipality_id, {"schools": set(), "ours": set(), "fioco": set()})
        counted["schools"].add(f.school_id)
        if f.flagged:
            counted["ours"].add(f.school_id)
        if f.fioco_mean == 1 or f.fioco_spearman == 1 or f.fioco_cohort in ("rise", "fall"):
            counted["fioco"].add(f.school_id)
    kept = {row["municipality"]: row for row in run.summary["municipalities"]}
    assert kept == {
        m: {"municipality": m, **{key: len(schools) for key, schools in c.items()}} for m, c in expected.items()
    }
    assert sum(row["fioco"] for row in kept.values()) > 0


def test_changed_settings_make_a_new_version_the_old_run_keeps_its_own(world, generated):
    first = detect(world, 2025)
    DetectionSettings.objects.create(region=world.region, year=2025, version=2, values={"min_n": 1000})
    second = detect(world, 2025)
    assert (first.thresholds.version, second.thresholds.version) == (1, 2)
    assert not Finding.objects.filter(run=second, status="ok").exists()
    assert Finding.objects.filter(run=first, status="ok").exists()


def test_pages_start_a_run_and_show_findings_by_scope(world, generated, client, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from objectivity.core.models import Job

    client.force_login(world.users["region_analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("run-start"), {"year": 2025})
    job = Job.objects.get(kind="detection.run")
    assert response.url == reverse("job-detail", args=[job.pk]) and job.status == "done"
    run = DetectionRun.objects.get()
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("run-detail", args=[run.pk]) in page
    detail = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "По опубликованной методике ФИОКО" in detail and 'data-test="index"' in detail
    work = run.assessments.get(grade=5)
    table = client.get(reverse("work-findings", args=[run.pk, work.pk]), {"flagged": "0"})
    shown = list(table.context["page"].object_list)
    assert shown and not any(f.flagged for f in shown)
    flagged_count = (
        client.get(reverse("work-findings", args=[run.pk, work.pk]), {"flagged": "1"}).context["page"].paginator.count
    )
    assert flagged_count == Finding.objects.filter(run=run, assessment=work, flagged=True).count()
    names = [(f.school.municipality.name, f.school.short_name) for f in table.context["page"].paginator.object_list]
    assert names == sorted(names), "default order: municipality, then name — never a ranking"
    with_reasons = Finding.objects.filter(run=run, assessment=work).exclude(reasons=[]).first()
    school_page = client.get(reverse("school-findings", args=[run.pk, with_reasons.school_id])).content.decode()
    assert with_reasons.reasons_text.split(";")[0] in school_page and "vega-embed.js" in school_page
    # A municipal coordinator sees only the schools of the municipality.
    client.force_login(world.users["municipal_coordinator"])
    mine = client.get(reverse("work-findings", args=[run.pk, work.pk])).context["page"].paginator.object_list
    assert {f.school.municipality_id for f in mine} <= {world.municipality.pk}


def test_thresholds_page_saves_a_new_version(world, client):
    from django.urls import reverse

    client.force_login(world.users["region_admin"])
    page = client.get(reverse("thresholds", args=[2025])).content.decode()
    assert "[ФИОКО]" in page and "[собственный]" in page and 'data-test="no-versions"' in page
    assert not DetectionSettings.objects.exists(), "opening the page writes nothing"
    values = {"z": 1.96, "iqr_k": 3, "spearman_below": 0, "min_n": 10, "risk_high": 0.66}
    assert client.post(reverse("thresholds", args=[2025]), values).status_code == 302
    assert client.post(reverse("thresholds", args=[2025]), values | {"min_n": 12}).status_code == 302
    latest = DetectionSettings.objects.filter(region=world.region, year=2025).order_by("-version").first()
    assert latest.version == 2 and latest.values["min_n"] == 12
    client.force_login(world.users["region_analyst"])
    assert client.post(reverse("thresholds", args=[2025]), values).status_code == 403


def test_oge_pupil_results_add_the_mean_marker_only(world, generated, tmp_path):
    rows = ["логин ОО;код участника;первичный балл;отметка"]
    logins = [s.login for s in School.objects.filter(municipality__region=world.region)][:12]
    for i, login in enumerate(logins):
        top = 30 if i == 0 else 18  # one school far above the others
        rows += [f"{login};9{i:02d}{k:02d};{top + (k % 3)};4" for k in range(12)]
    path = tmp_path / "ОГЭ 2025 математика 9 класс.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_results(path, path.name, region=world.region, by=None).status == "imported"
    run = detect(world, 2025)
    oge = Finding.objects.filter(run=run, assessment__procedure="oge")
    assert oge.count() == 12 and oge.filter(fioco_mean=1).count() == 1
    assert not oge.exclude(fioco_spearman=None).exists() and not oge.exclude(fioco_cohort="").exists()
    assert run.summary["with_oge"] is True


@pytest.mark.parametrize(
    ("mean", "spearman", "cohort", "text"),
    [
        (1, 0, "fall", "средний балл; резкий спад параллели"),
        (0, 1, "0", "отметки и журнал"),
        (0, 0, "0", ""),
        (None, None, None, "—"),
    ],
)
def test_findings_table_names_the_fioco_markers_in_words(mean, spearman, cohort, text):
    from django.utils import translation

    from objectivity.detection.views import fioco_markers_text

    with translation.override("ru"):
        finding = Finding(fioco_mean=mean, fioco_spearman=spearman, fioco_cohort=cohort)
        assert fioco_markers_text(finding) == text


def test_the_control_sample_is_the_clean_reference_of_a_run(world, generated, settings):
    from objectivity.detection.runs import context_works, control_samples
    from objectivity.results.models import Assessment, ControlSample

    before = detect(world, 2025)
    work = Assessment.objects.get(year=2025, grade=5, subject="ma")
    schools = list(School.objects.filter(municipality__region=world.region).order_by("login"))
    ControlSample.objects.bulk_create([ControlSample(assessment=work, school=s) for s in schools[::2]])
    after = detect(world, 2025)
    assert control_samples(world.region, context_works(after)) == {
        (2025, "spring", 5, "ma"): frozenset(s.login for s in schools[::2])
    }
    columns = ["grade", "school_login", "p_bunching", "p_taskfit"]
    old, new = (pl.read_csv(Path(settings.DATA_DIR) / r.findings_csv).select(columns) for r in (before, after))
    grade5 = pl.col("grade") == 5
    assert not old.filter(grade5)["p_bunching"].equals(new.filter(grade5)["p_bunching"])
    assert old.filter(~grade5).equals(new.filter(~grade5)) and old["p_taskfit"].equals(new["p_taskfit"])


def test_a_school_of_fewer_than_five_shows_its_details_only_to_itself(world, generated, client):
    """Outside the school, a work of < 5 participants shows its risk but no distribution, journal table, charts,
    layer texts or reasons: with three pupils, each statement is about a person."""
    from django.urls import reverse

    run = detect(world, 2025)
    finding = Finding.objects.filter(run=run, school=world.school).order_by("assessment__grade").last()
    Finding.objects.filter(pk=finding.pk).update(n=3, legacy_reasons="ученики 1 и 2 дали одинаковые ответы")
    page_url = reverse("school-findings", args=[run.pk, world.school.pk])
    list_url = reverse("work-findings", args=[run.pk, finding.assessment_id])
    client.force_login(world.users["region_analyst"])
    outside = client.get(page_url).content.decode()
    assert "ученики 1 и 2" not in outside and "показано только самой школе" in outside
    block = outside.split(f'data-test="work-{finding.assessment_id}"')[1].split("</section>")[0]
    assert "data-chart" not in block and 'data-test="layers"' not in block
    listed = client.get(list_url, {"q": world.school.login}).content.decode()
    assert "ученики 1 и 2" not in listed and "показано только самой школе" in listed
    exported = client.get(list_url, {"q": world.school.login, "format": "xlsx"})
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(exported.content)).active.values for c in row]
    assert world.school.login in cells and not any("ученики 1 и 2" in c for c in cells)
    client.force_login(world.users["municipal_coordinator"])
    assert "ученики 1 и 2" not in client.get(page_url).content.decode()


def test_a_run_overtaken_by_new_data_says_so_and_draws_the_data_it_read(world, generated, client):
    from django.urls import reverse

    from objectivity.results.actions import withdraw_import
    from objectivity.results.models import ResultImport

    run = detect(world, 2025)
    work = run.assessments.get(grade=5)
    finding = Finding.objects.filter(run=run, assessment=work, n__gte=5).first()
    client.force_login(world.users["region_analyst"])
    pages = [reverse("run-detail", args=[run.pk]), reverse("school-findings", args=[run.pk, finding.school_id])]
    assert all('data-test="overtaken"' not in client.get(url).content.decode() for url in pages)
    charts_before = client.get(pages[1]).content.decode().count("data-chart=")
    for item in ResultImport.objects.filter(assessment=work, status="active"):
        withdraw_import(by=world.users["region_admin"], result_import=item)
    for url in pages:
        page = client.get(url).content.decode()
        assert 'data-test="overtaken"' in page and "изменились после этого расчёта" in page
    # The withdrawn rows no longer count today, yet the run's pages draw what the run read.
    assert client.get(pages[1]).content.decode().count("data-chart=") == charts_before > 0


def test_detect_without_by_is_recorded_under_the_system_account(world, generated):
    from objectivity.audit.models import AuditEvent
    from objectivity.core.actors import system_user

    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    run = detect(world, 2025)
    assert run.created_by == system_user()
    rows = AuditEvent.objects.filter(pk__gt=start)
    assert rows.exists() and all(row.actor_id == system_user().pk for row in rows)


def _sections(html: str) -> list[str]:
    return [part.split("</section>")[0] for part in html.split('<section class="panel"')[1:]]


def test_the_evidence_page_draws_the_figures_kept_with_the_run(world, generated, client, django_assert_max_num_queries):
    """A run keeps, per work and unit, what the school page draws: the page reads a few rows (no pupil files),
    a run without kept figures (made before they were kept) draws the very same from the rows, and the figures
    are those of the rows the run read."""
    from django.urls import reverse

    from objectivity.detection.evidence import REGION, school_unit, work_figures
    from objectivity.detection.models import EvidenceFigures
    from objectivity.detection.signs import SCHOOLS

    run = detect(world, 2025)
    finding = Finding.objects.filter(run=run, n__gte=5).select_related("assessment").first()
    # (the funnel's points are kept beside them: objectivity.detection.signs)
    kept = EvidenceFigures.objects.filter(run=run, assessment=finding.assessment).exclude(unit=SCHOOLS)
    units = set(kept.values_list("unit", flat=True))
    assert REGION in units and school_unit(finding.school_id) in units and any(u.startswith("m") for u in units)
    assert dict(kept.values_list("unit", "figures")) == work_figures(run, finding.assessment)
    school_figures = kept.get(unit=school_unit(finding.school_id)).figures
    assert school_figures["n"] == finding.n and sum(school_figures["scores"]) == finding.n
    client.force_login(world.users["region_analyst"])
    url = reverse("school-findings", args=[run.pk, finding.school_id])
    with django_assert_max_num_queries(20):
        stored = client.get(url).content.decode()
    assert stored.count("data-chart=") >= 3 * 2 and "Выполнение заданий" in stored
    EvidenceFigures.objects.filter(run=run).delete()
    assert _sections(client.get(url).content.decode()) == _sections(stored)
