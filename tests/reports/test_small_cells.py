"""Small cells: outside the school, a work of fewer than MIN_CELL (5) pupils shows no count, share, mean or chart
point of the school, on any page, export or document (DESIGN.md, «Law and trust»; ADR 0010).

The world is imported and detected as a region's would be: a generated region's ФИС ОКО workbooks, in which the
home school (МБОУ «СОШ № 1», sch220001) wrote maths 5 of 2025 with exactly three pupils of recognisable scores
(20, 19 and 13 of 20: marks «5», «5», «4», so shares 66,7 % and 33,3 %, mean 17,3, 86,7 % of the maximum, all
three with journal mark «5»). Each page, export and document is then fetched as a regional analyst, the
municipal coordinator of the school's municipality, the federal analyst and another school's administrator, and
none of them may show those figures; the school's own administrator sees them (so the test can fail).
"""

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import html

from objectivity.analysis.synth import default_tests, generate_region, write_region
from objectivity.detection.models import DetectionRun
from objectivity.orgs.models import School
from objectivity.results.importer import import_results
from objectivity.results.models import Assessment, ResultImport
from objectivity.results.reference import import_yaml
from tests.access.test_permission_matrix import MATRIX
from tests.core.test_exports_formula_safe import _export_url_names
from tests.factories import MembershipFactory, UserFactory
from tests.opened import docx_text, pdf_text

SMALL = {"year": 2025, "grade": 5, "subject": "ma"}
SMALL_LOGIN = "sch220001"
# Three pupils of maths 5 (15 columns, maximum 20, cuts 7/11/15): 20, 19 and 13 points.
FULL = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 2]
SCORES = [FULL, [0, *FULL[1:]], [0] * 7 + FULL[7:]]


def _three_pupils(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with the small school's rows replaced by its three pupils of SCORES, all present, journal «5»."""
    own = frame.filter(pl.col("school_login") == SMALL_LOGIN).head(3)
    tasks = {f"task_{i + 1}": [row[i] for row in SCORES] for i in range(len(FULL))}
    own = own.with_columns(
        *(pl.Series(name, values, dtype=own[name].dtype) for name, values in tasks.items()),
        pl.Series("total", [sum(row) for row in SCORES], dtype=own["total"].dtype),
        pl.Series("journal_mark", [5, 5, 5], dtype=own["journal_mark"].dtype),
        pl.Series("absent", [False] * 3, dtype=own["absent"].dtype),
    )
    return pl.concat([own, frame.filter(pl.col("school_login") != SMALL_LOGIN)])


def build_small_world(world, out: Path):
    """Generated maths 4 and 5 of 2024 and 2025 for 40 schools (alternately in the two municipalities of the cast),
    imported, with SMALL written by three pupils at the home school, and a detection run of each year."""
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ma",))
    region = generate_region(seed=5, years=[2024, 2025], n_schools=40, tests=tests)
    for spec in list(region.results):
        if (spec.year, spec.grade, spec.subject) == tuple(SMALL.values()):
            region.results[spec] = _three_pupils(region.results[spec])
    paths = write_region(region, out)
    municipalities = [world.municipality, world.other_municipality]
    School.objects.bulk_create(
        [
            School(login=login, municipality=municipalities[i % 2], full_name=login, short_name=login)
            for i, login in enumerate(region.schools["login"])
        ],
        ignore_conflicts=True,  # the cast already has sch220001 and sch220002
    )
    import_yaml((out / "reference.yaml").read_text(encoding="utf-8"))
    for path in sorted(p for p in paths if p.suffix == ".xlsx" and p.name != "schools.xlsx"):
        assert import_results(path, path.name, region=world.region, by=None).status == "imported", path
    for year in (2024, 2025):
        call_command("detect", "--region", world.region.code, "--year", str(year))
    world.run = DetectionRun.objects.get(region=world.region, year=2025)
    world.work = Assessment.objects.get(**SMALL)
    world.result_import = ResultImport.objects.get(assessment=world.work, status="active")
    world.users["other_school_admin"] = UserFactory(username="sch220002")
    MembershipFactory(
        user=world.users["other_school_admin"], role="school_admin", level="school", school=world.other_school
    )
    return world


@pytest.fixture
def small(world, tmp_path):
    return build_small_world(world, tmp_path)


# URL name → its arguments in the small world, for every URL whose arguments name a school, work, run, import,
# municipality or year; the others take the permission matrix's.
ARGS = {
    "school-detail": lambda w: [w.school.pk],
    "school-edit": lambda w: [w.school.pk],
    "job-detail": lambda w: [w.run.job_id],
    "job-status": lambda w: [w.run.job_id],
    "work-detail": lambda w: [w.work.pk],
    "reference-detail": lambda w: [w.work.pk],
    "import-detail": lambda w: [w.result_import.pk],
    "import-quality": lambda w: [w.result_import.pk],
    "import-add-schools": lambda w: [w.result_import.pk],
    "run-detail": lambda w: [w.run.pk],
    "work-findings": lambda w: [w.run.pk, w.work.pk],
    "school-findings": lambda w: [w.run.pk, w.school.pk],
    "municipality-dashboard": lambda w: [w.municipality.pk],
    "school-report": lambda w: [w.school.pk, w.work.pk],
    "federal-compare-xlsx": lambda w: [2025],
    "federal-ours-xlsx": lambda w: [2025],
    "thresholds": lambda w: [2025],
}
# Not visited: the results file as it was uploaded (ADR 0010: kept as it came, for those who may import results
# only), and what is not a GET page.
SKIPPED = {"import-original", "logout"}
# Further views of the same URLs: a chosen school, class, municipality, year or work, and each document.
WORK_YEAR = {"year": "2025", "work": "{work}"}
QUERIES = {
    "work-detail": [{"school": "{school}"}, {"school": "{school}", "class": "А"}, {"municipality": "{municipality}"}],
    "work-findings": [{"q": SMALL_LOGIN}, {"flagged": "1"}, {"sort": "n"}],
    "school-list-of-signs": [{"year": "2025"}, {"year": "2025", "format": "docx"}, {"year": "2025", "format": "pdf"}],
    "region-dashboard": [WORK_YEAR, {**WORK_YEAR, "format": "xlsx", "table": "index"},
                         {**WORK_YEAR, "format": "xlsx", "table": "municipalities"}],
    "municipality-dashboard": [WORK_YEAR, {**WORK_YEAR, "format": "xlsx", "table": "index"},
                               {**WORK_YEAR, "format": "xlsx", "table": "municipalities"}],
    "analytic-report": [{"year": "2025"}, {"year": "2025", "format": "docx"}, {"year": "2025", "format": "pdf"}],
    "school-report": [{"format": "docx"}, {"format": "pdf"}],
    "federal-list": [{"year": "2025"}],
    "federal-compare": [{"year": "2025"}],
}  # fmt: skip


def _args(name: str, world) -> list:
    if name in ARGS:
        return ARGS[name](world)
    entry = MATRIX[name]
    return entry.args(world) if entry.args else []


def urls(world) -> list[str]:
    """Every GET URL of the permission matrix, each further view of QUERIES, and every table page as XLSX."""
    found = []
    values = {"school": world.school.pk, "work": world.work.pk, "municipality": world.municipality.pk}
    exports = _export_url_names()
    for name, entry in sorted(MATRIX.items()):
        if entry.method != "get" or name in SKIPPED:
            continue
        url = reverse(name, args=_args(name, world))
        found.append(url)
        queries = QUERIES.get(name, [])
        if name in exports and not url.endswith(".xlsx"):
            queries = [*queries, {"format": "xlsx"}]
        found += [url + "?" + "&".join(f"{k}={v.format(**values)}" for k, v in q.items()) for q in queries]
    return found


# ---- what a response shows ----------------------------------------------------------------------------------------


@dataclass
class Shown:
    """A response as its reader meets it: its text (a page's HTML with its chart specs, a workbook's cells, a
    document's text), its tables as header and rows of cell texts, its facts (<dt> → <dd>) and its chart specs."""

    text: str
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    charts: dict[str, dict] = field(default_factory=dict)


def _plain(text) -> str:
    return " ".join(str(text if text is not None else "").replace("\xa0", " ").split())


def _page(content: str) -> Shown:
    if not content.lstrip().startswith("<"):  # a YAML or JSON answer
        return Shown(content)
    tree = html.fromstring(content)
    tables = []
    for table in tree.iter("table"):
        rows = [[_plain(cell.text_content()) for cell in tr if cell.tag in ("td", "th")] for tr in table.iter("tr")]
        tables.append((rows[0], rows[1:]) if rows else ([], []))
    facts = [(_plain(dt.text_content()), _plain(dt.getnext().text_content())) for dt in tree.iter("dt")
             if dt.getnext() is not None]  # fmt: skip
    charts = {s.get("id"): json.loads(s.text) for s in tree.iter("script") if s.get("type") == "application/json"}
    return Shown(content, tables, facts, charts)


def _workbook(content: bytes) -> Shown:
    book = openpyxl.load_workbook(io.BytesIO(content))
    tables = []
    for sheet in book.worksheets:
        rows = [[_plain(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        tables += [(rows[0], rows[1:])] if rows else []
    return Shown("\n".join(" ".join(row) for _, rows in tables for row in rows), tables)


def shown(response) -> Shown:
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        return _workbook(content)
    if "wordprocessingml" in kind:
        return Shown(_plain(docx_text(content)))
    if kind.startswith("application/pdf"):
        return Shown(pdf_text(content))
    return _page(content.decode())


# ---- the small school's figures -------------------------------------------------------------------------------------

# Its mean 17,3 (52/3), its 86,7 % of the maximum, its shares 66,7 % and 33,3 %: as a page writes them (one decimal,
# a comma) and as a chart spec does (a point, more decimals: 17.333333333333332, 66.67).
FIGURES = re.compile(r"(?<![\d,.])(?:17[,.]3(?:3+\d?)?|86[,.](?:7|6+7)|66[,.](?:7|6+7)|33[,.]3(?:3+\d?)?)(?![\d])")
# Its count in words: «учеников: 3», «3 из 3 учеников», «n = 3».
COUNT_WORDS = re.compile(r"учеников: 3(?!\d)|(?<!\d)3 из 3 учеников|n = 3(?!\d)")
COUNT_HEADER = re.compile(r"участник|присутств|отсутств|строк|с отметкой по журналу|с журнальной", re.IGNORECASE)
SMALL_STEP = "2025, 5 кл."  # the work as a step of the parallel's path


def leaks(url: str, seen: Shown, world) -> list[str]:
    """Where `seen` shows a figure of the small school's small work: its numbers, its count beside its name, a chart
    point of it, or any school drawn as a point of fewer than MIN_CELL pupils."""
    names = {world.school.short_name, SMALL_LOGIN}
    about_work = f"/works/{world.work.pk}/" in url or f"work={world.work.pk}" in url
    found = [f"{url}: «{m.group(0)}» in …{seen.text[max(0, m.start() - 60) : m.end() + 20]}…"
             for m in [*FIGURES.finditer(seen.text), *COUNT_WORDS.finditer(seen.text)]]  # fmt: skip
    found += [f"{url}: {dt} {dd}" for dt, dd in seen.facts if COUNT_HEADER.search(dt) and dd == "3"]
    for headers, rows in seen.tables:
        counts = [i for i, h in enumerate(headers) if COUNT_HEADER.search(h)]
        for row in rows:
            if any(name in cell for cell in row for name in names):
                found += [f"{url}: {headers[i]} {row[i]} in {row}" for i in counts if i < len(row) and row[i] == "3"]
    for chart_id, spec in seen.charts.items():
        for datum in _data(spec):
            ours = names & {str(v) for v in datum.values()}
            if ours and (about_work or chart_id.endswith(f"-{world.work.pk}") or datum.get("step") == SMALL_STEP):
                found.append(f"{url}: chart {chart_id} draws {datum}")
            if "school" in datum and isinstance(datum.get("n"), int) and datum["n"] < 5:  # a school as one point
                found.append(f"{url}: chart {chart_id} draws a point of fewer than 5 pupils {datum}")
    return found


def _data(spec):
    """Every data point of a Vega-Lite spec, layers included."""
    if isinstance(spec, dict):
        values = spec.get("data", {}).get("values", []) if isinstance(spec.get("data"), dict) else []
        yield from (v for v in values if isinstance(v, dict))
        for key, value in spec.items():
            if key != "data":
                yield from _data(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _data(item)


def visit(client, user, world) -> dict[str, Shown]:
    """url → what `user` is shown there, for every URL the user may open (200)."""
    client.force_login(user)
    out = {}
    for url in urls(world):
        response = client.get(url)
        if response.status_code == 200:
            out[url] = shown(response)
    return out


# ---- the tests ---------------------------------------------------------------------------------------------------

OUTSIDERS = ("region_analyst", "municipal_coordinator", "federal_analyst", "other_school_admin")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_page_export_document_or_chart_shows_the_small_school_outside_it(small, client, who):
    seen = visit(client, small.users[who], small)
    found = [leak for url, page in seen.items() for leak in leaks(url, page, small)]
    assert not found, "\n".join(found)
    opened = {reverse("work-detail", args=[small.work.pk]), reverse("school-list-of-signs") + "?format=xlsx"}
    if who != "other_school_admin":  # who sees signs opens the school's evidence, findings and report, figureless
        opened |= {reverse("school-findings", args=[small.run.pk, small.school.pk]),
                   reverse("work-findings", args=[small.run.pk, small.work.pk]) + "?format=xlsx",
                   reverse("school-report", args=[small.school.pk, small.work.pk]) + "?format=pdf"}  # fmt: skip
    if who in ("region_analyst", "federal_analyst"):
        opened.add(reverse("import-detail", args=[small.result_import.pk]))
    if who == "region_analyst":
        opened.add(reverse("analytic-report") + "?year=2025&format=docx")
    assert opened <= set(seen), opened - set(seen)


def test_the_school_itself_sees_its_figures(small, client):
    """The same visits as its own administrator find the figures the others must not see: the check can fail."""
    seen = visit(client, small.users["school_admin"], small)
    found = {url: leaks(url, page, small) for url, page in seen.items()}
    report = reverse("school-report", args=[small.school.pk, small.work.pk])
    work = reverse("work-detail", args=[small.work.pk])
    for url in (report, f"{report}?format=docx", f"{report}?format=pdf", f"{work}?school={small.school.pk}",
                reverse("school-list-of-signs"), reverse("school-list-of-signs") + "?format=xlsx"):  # fmt: skip
        assert found[url], url
    page = seen[report]
    assert ("Участников", "3") in page.facts and "17,3" in page.text and "66,7" in page.text
    assert any(d.get("step") == SMALL_STEP for d in _data(page.charts["chart-history"]))


def test_the_check_finds_a_count_in_a_fact_a_table_column_and_a_chart():
    """What the leaks of the evidence page and of the findings list looked like before they were fixed."""
    small = SimpleNamespace(school=SimpleNamespace(short_name="МБОУ «СОШ № 1»"), work=SimpleNamespace(pk=0))
    fact = _page("<dl><dt>Участников</dt><dd>3</dd></dl>")
    table = _page("<table><tr><th>ОО</th><th>Участников</th><th>Слоёв</th></tr>"
                  "<tr><td>МБОУ «СОШ №&nbsp;1»</td><td>3</td><td>3</td></tr></table>")  # fmt: skip
    point = '{"data": {"values": [{"school": "sch220009", "n": 4, "mean": 9}]}}'
    chart = _page(f'<script id="funnel" type="application/json">{point}</script>')
    assert all(leaks("/", page, small) for page in (fact, table, chart))
    assert len(leaks("/", table, small)) == 1  # the count column, not the layers beside it


def test_the_command_line_documents_are_the_regions_and_hide_them_too(small, tmp_path):
    for kind, fmt in (("list", "xlsx"), ("list", "docx"), ("analytic", "docx")):
        out = tmp_path / f"{kind}.{fmt}"
        call_command("report", kind, "--year", "2025", "--format", fmt, "--out", str(out), "--region", "22")
        content = out.read_bytes()
        seen = _workbook(content) if fmt == "xlsx" else Shown(_plain(docx_text(content)))
        assert not leaks(str(out), seen, small), kind
    assert SMALL_LOGIN in _workbook((tmp_path / "list.xlsx").read_bytes()).text  # the school is listed, figureless
