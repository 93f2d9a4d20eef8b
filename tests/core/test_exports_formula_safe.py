"""Every XLSX export gives user-entered text back as text: a school, user or file name starting with
`=`, `+`, `-` or `@` must never become a live formula (or a link) in Excel."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from objectivity.analysis import export_format
from objectivity.analysis.synth_write import write_text_workbook
from objectivity.core.models import Job
from objectivity.core.tables import TableView
from objectivity.core.xlsx import write_table
from objectivity.detection.actions import stored_settings
from objectivity.detection.models import DetectionRun, Finding
from objectivity.detection.signs import keep_signs
from objectivity.results.importer import import_results
from objectivity.results.models import Assessment, ControlSample, ReferenceVersion, ResultImport, ScheduleEntry
from tests.factories import (
    AuditEventFactory,
    BodyFactory,
    MembershipFactory,
    MunicipalityFactory,
    SchoolFactory,
    UserFactory,
)

HOSTILE = ('=HYPERLINK("http://evil","x")', "=1+1", "+1", "-1+2", "@SUM(A1)", "http://evil.example/x")


@dataclass
class Hostile:
    """Where the hostile strings were put: the objects the exports with URL arguments need."""

    registry_job: Job
    result_import: ResultImport
    run: DetectionRun
    work: Assessment


def _import_results_csv(tmp_path: Path, text: str, by, region) -> str:
    """A ФИС ОКО results file named after the text, imported by `by`, with a row whose login is the text."""
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.csv"
    with path.open("w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["user", "otc", "sum"])
        rows.writerows([f"sch22900{i}", 4, 10 + i] for i in range(len(HOSTILE)) for _ in range(5))
        rows.writerow([text, 4, 12])  # not a login: a problem row with the text as its value
    hint = export_format.TestName(year=2021, grade=4, subject="ma")
    outcome = import_results(path, f"{text}.csv", region=region, by=by, hint=hint)
    assert outcome.status == "imported", outcome.message
    return outcome.import_id


@pytest.fixture
def hostile(world, tmp_path) -> Hostile:
    """Each hostile string as a municipality, school, body, user, audit entry, job, reference source and
    column, finding, results file and problem row of the home region."""
    region, admin = world.region, world.users["region_admin"]
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    run = DetectionRun.objects.create(
        region=region, year=2021, thresholds=stored_settings(by=admin, region=region, year=2021), status="done"
    )
    run.assessments.set([work])
    import_id = ""
    for i, text in enumerate(HOSTILE):
        municipality = MunicipalityFactory(region=region, name=text)
        school = SchoolFactory(municipality=municipality, login=f"sch22900{i}", short_name=text, full_name=text)
        BodyFactory(region=region, name=text)
        user = UserFactory(username=text, last_name=text)
        MembershipFactory(user=user, role="region_analyst", level="region", region=region)
        AuditEventFactory(region=region, actor_username=text, object_repr=text, note=text)
        Job.objects.create(kind="orgs.registry_import", title=text, region=region, created_by=admin)
        ScheduleEntry.objects.create(school=school, assessment=work, class_label="4А", date="2021-04-15")
        ControlSample.objects.create(school=school, assessment=work)
        Finding.objects.create(
            run=run,
            assessment=work,
            school=school,
            n=20,
            status="ok",
            probability=0.5,
            risk="средний",
            reasons=text,
            flagged=True,  # in the list of the year too
        )
        own_work = Assessment.objects.create(year=2031 + i, grade=4, subject="ma")
        column = {"number": 1, "label": text, "max": 1, "level": "Б", "auto": False}
        ReferenceVersion.objects.create(assessment=own_work, version=1, max_total=1, columns=[column], source=text)
        import_id = _import_results_csv(tmp_path, text, user, region)
    keep_signs(run)  # as a run's save does: the dashboard's counts per municipality
    problems = [{"row": 2, "column": text, "value": text, "message": text} for text in HOSTILE]
    registry_job = Job.objects.create(
        kind="orgs.registry_import", region=region, created_by=admin, status="done", result={"problems": problems}
    )
    return Hostile(registry_job, ResultImport.objects.get(pk=import_id), run, work)


@dataclass(frozen=True)
class Export:
    url: Callable[[Hostile], str]
    shows: tuple[str, ...] = HOSTILE  # the hostile strings its rows carry; () for fixed content


def _table(name: str, **kw) -> Export:
    return Export(lambda h: reverse(name) + "?format=xlsx", **kw)


def _federal(h: Hostile, url: str) -> str:
    """`url`, after entries of the federal list that mark each hostile school, with the texts as the list gives."""
    from objectivity.reports.models import FederalEntry, FederalList

    kept = FederalList.objects.create(
        region=h.run.region, file_name=HOSTILE[0], sha256="0" * 64, mapping={"works": {"4-ma": 4}}
    )
    for school in h.run.findings.select_related("school"):
        text = school.school.short_name
        FederalEntry.objects.create(
            federal_list=kept, region=h.run.region, year=2021, login=school.school.login, municipality_name=text,
            school_name=text, school=school.school, marks={"4-ma": text},
        )  # fmt: skip
    return url


def _federal_import(h: Hostile) -> int:
    """An import whose schools not in the registry have the hostile texts as the list gives them."""
    from objectivity.reports.models import FederalList

    unknown = [{"row": 2, "year": 2021, "login": "sch229999", "municipality": t, "school": t} for t in HOSTILE]
    kept = FederalList.objects.create(
        region=h.run.region,
        file_name="f.xlsx",
        sha256="0" * 64,
        summary={"marked": {"2021": 1}, "not_in_registry": unknown},
    )
    return kept.pk


def _plans(h: Hostile, url: str) -> str:
    """`url`, after a plan for each hostile school whose measure is titled with the school's text."""
    from objectivity.core.actors import system_user
    from objectivity.plans import actions

    for finding in h.run.findings.select_related("school__municipality"):
        school = finding.school
        if not school.plans.exists():
            rows = [{"title": school.short_name, "deadline_text": school.short_name}]
            actions.create_plan(
                by=system_user(), scope=school, school_year=2026, title=school.short_name, measures=rows
            )
    return url


def _page_table(url: Callable[[Hostile], str], table: str, **kw) -> Export:
    def address(h: Hostile) -> str:
        base = url(h)
        return f"{base}{'&' if '?' in base else '?'}table={table}&format=xlsx"

    return Export(address, **kw)


# URL name → how to fetch it. test_every_export_is_covered keeps this complete.
EXPORTS = {
    "school-list": _table("school-list"),
    "municipality-list": _table("municipality-list"),
    "body-list": _table("body-list"),
    "user-list": _table("user-list"),
    "audit-list": _table("audit-list"),
    "job-list": _table("job-list"),
    "results-home": _table("results-home", shows=()),  # works are named from codes only
    "import-list": _table("import-list"),
    "catalogue": _table("catalogue"),
    "schedule-list": _table("schedule-list"),
    "control-list": _table("control-list"),
    "run-list": _table("run-list", shows=()),  # dates, numbers and statuses only
    "school-list-of-signs": _table("school-list-of-signs"),
    "work-findings": Export(lambda h: reverse("work-findings", args=[h.run.pk, h.work.pk]) + "?format=xlsx"),
    "federal-list": Export(lambda h: _federal(h, reverse("federal-list") + "?format=xlsx")),
    "federal-compare-xlsx": Export(lambda h: _federal(h, reverse("federal-compare-xlsx", args=[2021]))),
    "federal-import-xlsx": Export(lambda h: reverse("federal-import-xlsx", args=[_federal_import(h)])),
    "federal-ours-xlsx": Export(lambda h: reverse("federal-ours-xlsx", args=[2021]), shows=()),  # no marker fired
    "registry-template": Export(lambda h: reverse("registry-template"), shows=()),
    "registry-problems": Export(lambda h: reverse("registry-problems", args=[h.registry_job.pk])),
    "import-quality": Export(lambda h: reverse("import-quality", args=[h.result_import.pk])),
    "catalogue-export-xlsx": Export(lambda h: reverse("catalogue-export-xlsx")),
    "plan-list": Export(lambda h: _plans(h, reverse("plan-list") + "?format=xlsx")),
    "measure-list": Export(lambda h: _plans(h, reverse("measure-list") + "?format=xlsx")),
    # A table of a page (core.table_export), as «name#table»: tests/browser/test_every_table_exports.py finds them.
    "home#municipalities": _page_table(lambda h: reverse("home"), "municipalities"),
    "region-dashboard#municipalities": _page_table(lambda h: reverse("region-dashboard"), "municipalities"),
    "run-detail#works": _page_table(lambda h: reverse("run-detail", args=[h.run.pk]), "works", shows=()),
    "import-detail#participation": _page_table(
        lambda h: reverse("import-detail", args=[h.result_import.pk]), "participation", shows=()
    ),  # a school's name and login share a cell: «=1+1 sch229001», text, no formula
    "federal-import-detail#not-in-registry": _page_table(
        lambda h: reverse("federal-import-detail", args=[_federal_import(h)]), "not-in-registry"
    ),
    "federal-compare#one-list-fioco": _page_table(
        lambda h: _federal(h, reverse("federal-compare") + "?year=2021"), "one-list-fioco"
    ),
}


def _cells(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_formula_safe(content: bytes, shows: tuple[str, ...]) -> None:
    cells = _cells(content)
    formulas = [f"{c.parent.title}!{c.coordinate}: {c.value}" for c in cells if c.data_type == "f"]
    assert not formulas, f"cells written as formulas: {formulas}"
    links = [f"{c.parent.title}!{c.coordinate}" for c in cells if c.hyperlink is not None]
    assert not links, f"cells written as links: {links}"
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(shows) <= texts, f"hostile strings missing as text: {set(shows) - texts}"


def _export_url_names(patterns=None) -> set[str]:
    """URLs that answer with a workbook: every table page (?format=xlsx) and every `….xlsx` path."""
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            names |= _export_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            is_table = view_class is not None and issubclass(view_class, TableView)
            if is_table or str(pattern.pattern).endswith(".xlsx"):
                names.add(pattern.name)
    return names


def test_every_export_is_covered():
    assert _export_url_names() == {name for name in EXPORTS if "#" not in name}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_writes_hostile_text_as_text(name, world, hostile, client):
    client.force_login(world.users["region_admin"])  # may see every export of the home region
    response = client.get(EXPORTS[name].url(hostile))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_formula_safe(response.content, EXPORTS[name].shows)


def test_write_table_keeps_text_as_text_and_numbers_as_numbers():
    content = write_table(["Имя", "Число"], [*([text, i] for i, text in enumerate(HOSTILE)), [None, 2.5], [True, -3]])
    assert_formula_safe(content, HOSTILE)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [*HOSTILE, None, "да"]
    assert [r[1] for r in rows] == [*range(len(HOSTILE)), 2.5, -3]


def test_generated_workbooks_are_text_only(tmp_path):
    """`objectivity generate` writes its workbooks as text cells, whatever the text."""
    write_text_workbook(pl.DataFrame({"логин": HOSTILE}), tmp_path / "hostile.xlsx")
    assert_formula_safe((tmp_path / "hostile.xlsx").read_bytes(), HOSTILE)
    call_command(
        "generate", "--out", str(tmp_path / "region"), "--schools", "20", "--years", "2024", "--grades", "4",
        "--subjects", "ma", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    workbooks = sorted((tmp_path / "region").rglob("*.xlsx"))
    assert len(workbooks) == 2  # schools.xlsx and the one test's ФИС ОКО export
    for path in workbooks:
        assert_formula_safe(path.read_bytes(), ())
