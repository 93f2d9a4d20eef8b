"""Every URL of the project, visited as anonymous, out-of-scope and in-scope users.

The test fails for any URL without an entry here, so a new view cannot skip its access rules.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from objectivity.core.models import Job

EVERYONE = {
    "region_admin",
    "region_analyst",
    "oiv_official",
    "methodologist",
    "municipal_coordinator",
    "mms_methodologist",
    "school_admin",
    "public_observer",
    "independent_observer",
    "expert",
    "federal_analyst",
    "outsider",
}
PEOPLE_VIEWERS = {"region_admin", "region_analyst", "municipal_coordinator", "federal_analyst", "outsider"}
# Who sees the home region's school sh in the first municipality: everyone but the foreign admin.
COVERS_SCHOOL = EVERYONE - {"outsider"}
RESULT_VIEWERS = EVERYONE - {"public_observer", "independent_observer", "expert"}
REGION_RESULT_VIEWERS = {"region_admin", "region_analyst", "oiv_official", "methodologist", "federal_analyst"}
RESULT_IMPORTERS = {"region_admin", "region_analyst"}
FINDING_VIEWERS = REGION_RESULT_VIEWERS | {"municipal_coordinator", "mms_methodologist"}


@dataclass
class Entry:
    allowed: set[str]
    args: object = None  # callable(world) -> list
    method: str = "get"
    public: bool = False  # no login needed
    ok: int = 200  # status for allowed users
    denied: tuple = (403, 404)  # statuses accepted for the others
    data: dict = field(default_factory=dict)


def _job(world):
    job = Job.objects.create(
        kind="orgs.registry_import",
        title="Загрузка реестра",
        region=world.region,
        created_by=world.users["region_admin"],
        result={"problems": []},
        status="done",
    )
    return [job.pk]


def _result_import(world):
    from pathlib import Path

    from objectivity.results.importer import import_results

    sample = Path(__file__).resolve().parent.parent / "fixtures" / "results"
    path = next(sample.glob("Проведение работы*.xlsx"))
    outcome = import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    return [outcome.import_id]


def _assessment(world):
    from objectivity.results.models import Assessment

    return [Assessment.objects.first().pk]


def _schedule_entry(world):
    import datetime

    from objectivity.results.models import Assessment, ScheduleEntry

    entry = ScheduleEntry.objects.create(
        school=world.school, assessment=Assessment.objects.first(), class_label="4А", date=datetime.date(2025, 4, 15)
    )
    return [entry.pk]


def _run(world, *, with_school=False, with_work=False):
    from objectivity.detection.actions import stored_settings
    from objectivity.detection.models import DetectionRun, Finding
    from objectivity.results.models import Assessment

    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    run = DetectionRun.objects.create(
        region=world.region,
        year=2021,
        thresholds=stored_settings(by=world.users["region_admin"], region=world.region, year=2021),
        status="done",
        summary={
            "works": [{"assessment": work.pk, "work": str(work), "schools": 1, "ok": 1, "flagged": 1, "index": 0.0}],
            "index": 0.0,
        },
    )
    run.assessments.set([work])
    Finding.objects.create(
        run=run,
        assessment=work,
        school=world.school,
        n=20,
        status="ok",
        fioco_mean=1,
        probability=0.5,
        risk="средний",
        flagged=True,
        reasons="средний балл 15,0",
    )
    return [run.pk, *([world.school.pk] if with_school else []), *([work.pk] if with_work else [])]


def _federal_list(world):
    from objectivity.reports.models import FederalList

    kept = FederalList.objects.create(region=world.region, file_name="перечень.xlsx", sha256="0" * 64)
    return [kept.pk]


FEDERAL_IMPORTERS = {"region_admin", "region_analyst", "outsider"}
# Plans: a school sees and edits its own plan; a municipality its own and its schools'; the region all.
PLAN_VIEWERS = FINDING_VIEWERS | {"school_admin"}
PLAN_EDITORS = {"region_admin", "region_analyst", "oiv_official", "municipal_coordinator", "school_admin"}


def _plan(world):
    """The school sch220001's plan, from the school template (one a year: made once, then found)."""
    from objectivity.plans import actions
    from objectivity.plans.models import Plan
    from objectivity.plans.templates import template

    made = Plan.objects.filter(school=world.school, school_year=2026).first()
    if made is not None:
        return [made.pk]
    plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=actions.measure_rows_of(template("school-2020-21")),
    )
    return [plan.pk]


def _measure(world):
    from objectivity.plans.models import Plan

    return [Plan.objects.get(pk=_plan(world)[0]).measures.order_by("position").first().pk]


def _blank_pdf() -> bytes:
    """A real one-page PDF: pages that offer files are opened by other tests."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


def _report(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from objectivity.plans import actions
    from objectivity.plans.models import Measure

    measure = Measure.objects.get(pk=_measure(world)[0])
    upload = SimpleUploadedFile("протокол.pdf", _blank_pdf())
    # Filed by someone who decides on nothing here: nobody decides on their own report.
    return actions.file_report(
        by=world.users["mms_methodologist"], measure=measure, comment="Сделано", uploads=[upload]
    )


def _calendar_day(world):
    import datetime

    from objectivity.core.models import CalendarDay

    day = CalendarDay.objects.create(date=datetime.date(2026, 5, 27), working=False, note="Указ Раиса РТ № УП-1")
    return [day.pk]


MATRIX = {
    "home": Entry(EVERYONE),
    "health": Entry(EVERYONE, public=True),
    "login": Entry(EVERYONE, public=True),
    "logout": Entry(EVERYONE, method="post", public=True, ok=302),
    "password-change": Entry(EVERYONE),
    "password-reset": Entry(EVERYONE, public=True),
    "password-reset-done": Entry(EVERYONE, public=True),
    "password-reset-confirm": Entry(EVERYONE, args=lambda w: ["MQ", "bad-token"], public=True),
    "school-list": Entry(EVERYONE),
    "school-detail": Entry(COVERS_SCHOOL, args=lambda w: [w.school.pk]),
    "municipality-list": Entry(EVERYONE),
    "body-list": Entry(EVERYONE),
    "body-create": Entry({"region_admin", "outsider"}),
    "body-edit": Entry({"region_admin"}, args=lambda w: [w.region.bodies.first().pk]),
    "school-edit": Entry({"region_admin"}, args=lambda w: [w.school.pk]),
    "membership-add": Entry(
        {"region_admin"},
        args=lambda w: [w.users["expert"].pk],
        method="post",
        ok=302,
        data={"role": "public_observer", "school": "sch220001"},
    ),
    "registry-import": Entry({"region_admin", "outsider"}),
    "registry-columns": Entry({"region_admin", "outsider"}, ok=302),  # no upload yet: back to the import page
    "registry-template": Entry(EVERYONE),
    "registry-problems": Entry({"region_admin"}, args=_job),
    "job-list": Entry(EVERYONE),
    "job-detail": Entry({"region_admin"}, args=_job),
    "job-status": Entry({"region_admin"}, args=_job),
    # The production calendar is one for the installation: every role reads it, any regional administrator changes it.
    "calendar": Entry(EVERYONE, ok=302),  # to this year's page
    "calendar-year": Entry(EVERYONE, args=lambda w: [2026]),
    "calendar-day-remove": Entry(
        {"region_admin", "outsider"}, args=_calendar_day, method="post", ok=302, data={"reason": "Указ отменён"}
    ),
    "user-list": Entry(PEOPLE_VIEWERS),
    "user-create": Entry({"region_admin", "outsider"}),
    "school-accounts": Entry({"region_admin", "outsider"}),
    "user-detail": Entry({"region_admin", "region_analyst", "federal_analyst"}, args=lambda w: [w.users["expert"].pk]),
    "user-reset-password": Entry({"region_admin"}, args=lambda w: [w.users["expert"].pk], method="post"),
    "user-toggle-active": Entry({"region_admin"}, args=lambda w: [w.users["expert"].pk], method="post", ok=302),
    "membership-remove": Entry(
        {"region_admin"}, method="post", ok=302, args=lambda w: [w.users["expert"].memberships.get().pk]
    ),
    "audit-list": Entry({"region_admin", "outsider"}),
    "results-home": Entry(RESULT_VIEWERS),
    "work-detail": Entry(RESULT_VIEWERS, args=_assessment),
    "results-import": Entry({"region_admin", "region_analyst", "outsider"}),
    "import-list": Entry(RESULT_VIEWERS),
    "import-detail": Entry(REGION_RESULT_VIEWERS, args=_result_import),
    "import-quality": Entry(REGION_RESULT_VIEWERS, args=_result_import),
    "import-original": Entry(RESULT_IMPORTERS, args=_result_import),
    "import-withdraw": Entry(RESULT_IMPORTERS, args=_result_import, method="post", ok=302),
    "import-add-schools": Entry({"region_admin"}, args=_result_import),  # a registry write: results and registry
    "catalogue": Entry(RESULT_VIEWERS),
    "catalogue-export": Entry(RESULT_VIEWERS),
    "catalogue-export-xlsx": Entry(RESULT_VIEWERS),
    "catalogue-import": Entry({"region_admin", "outsider"}),
    "description-import": Entry({"region_admin", "outsider"}),
    "reference-detail": Entry(RESULT_VIEWERS, args=_assessment),
    "schedule-list": Entry(RESULT_VIEWERS),
    "schedule-add": Entry({"region_admin", "region_analyst", "municipal_coordinator", "school_admin", "outsider"}),
    "schedule-delete": Entry(
        {"region_admin", "region_analyst", "municipal_coordinator", "school_admin"},
        args=_schedule_entry,
        method="post",
        ok=302,
    ),
    "schedule-import": Entry({"region_admin", "region_analyst", "outsider"}),
    "windows": Entry(RESULT_VIEWERS),
    "control-list": Entry(RESULT_VIEWERS),
    "control-import": Entry({"region_admin", "region_analyst", "outsider"}),
    "run-list": Entry(FINDING_VIEWERS | {"outsider"}),
    "run-start": Entry({"region_admin", "region_analyst", "outsider"}),
    "run-detail": Entry(FINDING_VIEWERS, args=_run),
    "work-findings": Entry(FINDING_VIEWERS, args=lambda w: _run(w, with_work=True)),
    "school-findings": Entry(FINDING_VIEWERS, args=lambda w: _run(w, with_school=True)),
    "region-dashboard": Entry(FINDING_VIEWERS | {"outsider"}),  # another region's user: its own region
    "municipality-dashboard": Entry(
        FINDING_VIEWERS - {"municipal_coordinator", "mms_methodologist"} | {"federal_analyst"},
        args=lambda w: [w.other_municipality.pk],
    ),  # fmt: skip
    "analytic-report": Entry(REGION_RESULT_VIEWERS - {"federal_analyst"} | {"outsider"}),  # a regional document
    "school-list-of-signs": Entry(FINDING_VIEWERS | {"school_admin", "outsider"}),  # a school: its own row
    "federal-list": Entry(FINDING_VIEWERS | {"outsider"}),
    "federal-import": Entry(FEDERAL_IMPORTERS),
    "federal-columns": Entry(FEDERAL_IMPORTERS, ok=302),  # no upload yet: back to the upload page
    "federal-import-detail": Entry(REGION_RESULT_VIEWERS, args=_federal_list),  # a file holds the whole region
    "federal-import-xlsx": Entry(REGION_RESULT_VIEWERS, args=_federal_list),
    "federal-compare": Entry(FINDING_VIEWERS | {"outsider"}),
    "federal-compare-xlsx": Entry(FINDING_VIEWERS | {"outsider"}, args=lambda w: [2021]),
    "federal-ours-xlsx": Entry(FINDING_VIEWERS, args=lambda w: _run(w) and [2021]),  # another region: no run, 404
    # A school sees its own report (its school, its work); coordinators their municipality's; the region all.
    "school-report": Entry(
        FINDING_VIEWERS | {"school_admin"}, args=lambda w: _run(w, with_school=True, with_work=True)[1:]
    ),
    "thresholds": Entry(
        {"region_admin", "region_analyst", "oiv_official", "methodologist", "outsider"}, args=lambda w: [2025]
    ),
    "plan-list": Entry(PLAN_VIEWERS | {"outsider"}),
    "plan-create": Entry(PLAN_EDITORS | {"outsider"}),
    "plans-progress": Entry(PLAN_VIEWERS | {"outsider"}),
    "plans-mine": Entry(EVERYONE),
    "measure-list": Entry(PLAN_VIEWERS | {"outsider"}),  # one's own measures: any logged-in user
    "plan-detail": Entry(PLAN_VIEWERS, args=_plan),
    "plan-amend": Entry(PLAN_EDITORS, args=_plan),
    "plan-order": Entry(PLAN_EDITORS, args=_plan),
    "plan-version": Entry(PLAN_VIEWERS, args=lambda w: [*_plan(w), 1]),
    "measure-new": Entry(PLAN_EDITORS, args=_plan),
    "measure-detail": Entry(PLAN_VIEWERS, args=_measure),
    "measure-edit": Entry(PLAN_EDITORS, args=_measure),
    "measure-report": Entry(PLAN_EDITORS, args=_measure, method="post", ok=400),  # empty: the form's errors
    "measure-start": Entry(PLAN_EDITORS, args=_measure, method="post", ok=302),
    "measure-cancel": Entry(PLAN_EDITORS, args=_measure, method="post", ok=400),  # no reason given
    "measure-delete": Entry(PLAN_EDITORS, args=_measure, method="post", ok=302),
    "report-decide": Entry(PLAN_EDITORS, args=lambda w: [_report(w).pk], method="post", ok=400),
    "evidence-file": Entry(PLAN_VIEWERS, args=lambda w: [_report(w).files.get().pk]),
}


def all_url_names(patterns=None, prefix=""):
    names = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            names += all_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL {pattern.pattern} has no name, so it cannot be in the matrix"
            names.append(pattern.name)
    return names


def test_every_url_has_an_entry():
    missing = sorted(set(all_url_names()) - set(MATRIX))
    assert not missing, f"URLs without an entry in the permission matrix: {missing}"
    assert not set(MATRIX) - set(all_url_names()), "entries for URLs that no longer exist"


def _url(name, entry, world):
    return reverse(name, args=entry.args(world) if entry.args else [])


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous(name, world, client):
    entry = MATRIX[name]
    response = getattr(client, entry.method)(_url(name, entry, world))
    if entry.public:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, response.status_code)


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_each_role(name, who, world, client):
    entry = MATRIX[name]
    client.force_login(world.users[who])
    response = getattr(client, entry.method)(_url(name, entry, world), entry.data)
    if who in entry.allowed:
        assert response.status_code == entry.ok, (name, who, response.status_code)
    else:
        assert response.status_code in entry.denied, (name, who, response.status_code)
