"""The list and the dashboard in a real Chromium: filters narrow the table, the XLSX downloaded from the page holds
exactly the filtered rows, the DOCX and PDF download and open; the dashboard's charts are drawn with marks bound to
their data and show numbers on hover; a municipality's view opens from the dashboard and draws its own figures; the
school report draws its charts, and its tables' XLSX and its DOCX and PDF download and open."""

import io

import openpyxl
import pytest
from django.urls import reverse

from objectivity.detection.models import DetectionRun, EvidenceFigures
from objectivity.detection.signs import SCHOOLS as FUNNEL_POINTS
from tests.opened import docx_text, pdf_text
from tests.reports.test_dashboard import _figures
from tests.reports.test_list import OURS_HIGH, _run, _work
from tests.reports.test_school_report import REGION_EXTRA, SCHOOL_FIGURES, WIDER_FIGURES

pytestmark = pytest.mark.browser
DRAWN = (
    "document.querySelectorAll('[data-chart]').length > 0 && "
    "document.querySelectorAll('[data-drawn]').length === document.querySelectorAll('[data-chart]').length"
)


@pytest.fixture
def signs(live_world):
    """Two years of runs: the home school with our sign and a marker, the other school with a marker."""
    world = live_world
    maths, russian = _work(2026), _work(2026, 5, "ru")
    _run(world, 2025, [(world.school, _work(2025), OURS_HIGH)])
    _run(world, 2026, [(world.school, maths, OURS_HIGH), (world.school, russian, {"fioco_mean": 1}),
                       (world.other_school, maths, {"fioco_spearman": 1})])  # fmt: skip
    _figures(DetectionRun.objects.get(year=2026), maths)
    return world


def _table_names(page) -> list[str]:
    cells = page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts()
    return [cell.replace("\u00a0", " ") for cell in cells]  # «№» is bound to its number on the page


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return open(info.value.path(), "rb").read()


def test_the_list_filters_and_exports_exactly_what_it_shows(signs, log_in, live_server):
    page = log_in("analyst")
    page.goto(f"{live_server.url}/reports/list/")
    assert _table_names(page) == ["МБОУ «СОШ № 1»", "МКОУ «Каменская ООШ»"]
    page.select_option("select[name=method]", "ours")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**method=ours**")
    shown = _table_names(page)
    assert shown == ["МБОУ «СОШ № 1»"]
    book = openpyxl.load_workbook(io.BytesIO(_download(page, "[data-test=export]")))
    assert [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)] == shown
    assert "МБОУ «СОШ № 1»" in docx_text(_download(page, "[data-test=export-docx]"))
    pdf = pdf_text(_download(page, "[data-test=export-pdf]"))
    assert "МБОУ «СОШ № 1»" in pdf and "Каменская" not in pdf


def test_the_dashboard_draws_its_charts_from_their_data(signs, log_in, live_server):
    page = log_in("analyst")
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_function(DRAWN)
    funnel_points = page.locator("[data-chart=chart-funnel] .mark-symbol.role-mark path")
    assert funnel_points.count() == 2  # one mark per school of the work
    assert page.locator("[data-chart=chart-scores] .mark-rect.role-mark path").count() == 5  # one bar per primary score
    assert page.locator("[data-chart=chart-index] .mark-symbol.role-mark path").count() == 4  # 2 years × 2 methods
    funnel_points.last.hover()  # both schools sit at one spot: the last drawn is on top
    page.wait_for_selector("#vg-tooltip-element.visible")
    tooltip = page.inner_text("#vg-tooltip-element")
    assert "Участников" in tooltip and "2,50" in tooltip  # the number, in Russian
    page.click("text=Каменский муниципальный район")
    page.wait_for_selector("h1:has-text('Каменский муниципальный район')")
    page.wait_for_function(DRAWN)
    assert "Каменский муниципальный район" in page.inner_text("[data-test=municipalities]")


@pytest.fixture
def reported(signs):
    """The home school's maths 4 of 2026 with its own, its municipality's and the region's figures."""
    run = DetectionRun.objects.get(year=2026)
    work = run.assessments.get(subject="ma")
    units = {f"s{signs.school.pk}": SCHOOL_FIGURES, f"m{signs.municipality.pk}": WIDER_FIGURES,
             "region": {**WIDER_FIGURES, **REGION_EXTRA}}  # fmt: skip
    # The dashboard's region figures: these instead (the funnel's points, kept with the run, stay).
    EvidenceFigures.objects.filter(run=run, assessment=work).exclude(unit=FUNNEL_POINTS).delete()
    for unit, figures in units.items():
        EvidenceFigures.objects.create(run=run, assessment=work, unit=unit, figures=figures)
    signs.report_url = reverse("school-report", args=[signs.school.pk, work.pk])
    return signs


def _marks(page, chart: str) -> int:
    return page.locator(f"[data-chart={chart}] .role-mark path").count()


def _column(page, table: str) -> list[str]:
    return page.locator(f"table[data-table={table}] tbody tr td:first-child").all_inner_texts()


def _sheet(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_a_municipality_view_draws_its_charts_and_exports_its_tables(reported, log_in, live_server):
    page = log_in("analyst")
    page.goto(f"{live_server.url}/reports/municipalities/{reported.municipality.pk}/")
    page.wait_for_function(DRAWN)
    assert page.inner_text("h1") == "Городской округ Северогорск"
    assert _marks(page, "chart-index") - 2 == 4  # two lines, and a point per year (2025, 2026) and method
    assert page.locator("[data-chart=chart-ours] .mark-rect.role-mark path").count() == 2  # its two years
    assert page.locator("[data-chart=chart-fioco] .mark-rect.role-mark path").count() == 2
    assert page.locator("[data-chart=chart-funnel] .mark-symbol.role-mark path").count() == 1  # its one school
    assert page.locator("[data-chart=chart-scores] .mark-rect.role-mark path").count() == 5  # a bar per score
    assert _column(page, "municipalities") == ["Городской округ Северогорск"] * 2  # not the other municipality
    rows = _sheet(_download(page, "a[data-test=export][data-table=municipalities]"))
    assert [r[:2] for r in rows[1:]] == [("Городской округ Северогорск", 2025), ("Городской округ Северогорск", 2026)]
    rows = _sheet(_download(page, "a[data-test=export][data-table=index]"))
    assert [r[0] for r in rows[1:]] == [2025, 2026]


def test_the_school_report_draws_its_charts_and_its_documents_open(reported, log_in, live_server):
    page = log_in("analyst")
    page.goto(live_server.url + reported.report_url)
    page.wait_for_function(DRAWN)
    assert page.locator("[data-chart=chart-marks] .mark-rect.role-mark path").count() == 12  # 3 levels × 4 marks
    assert page.locator("[data-chart=chart-scores] .mark-rect.role-mark path").count() == 5  # the school's scores
    assert page.locator("[data-chart=chart-scores] .mark-symbol.role-mark path").count() == 10  # 2 wider levels × 5
    assert page.locator("[data-chart=chart-tasks] .mark-rect.role-mark path").count() == 9  # 3 tasks × 3 levels
    assert page.locator("[data-chart=chart-journal] .mark-rect.role-mark path").count() == 9  # 3 levels × 3 parts
    assert page.locator("[data-chart=chart-history] .mark-symbol.role-mark path").count() == 2  # the school's years
    page.locator("[data-chart=chart-marks] .mark-rect.role-mark path").last.hover()
    page.wait_for_selector("#vg-tooltip-element.visible")
    assert "%" in page.inner_text("#vg-tooltip-element")
    levels = _column(page, "marks")
    assert levels == ["МБОУ «СОШ № 1»", "Городской округ Северогорск", "Демонстрационный край"]
    assert [r[0] for r in _sheet(_download(page, "a[data-test=export][data-table=marks]"))[1:]] == levels
    text = docx_text(_download(page, "[data-test=export-docx]"))
    assert "МБОУ «СОШ № 1» (sch220001) · Математика, 4 класс, 2026" in text
    pdf = pdf_text(_download(page, "[data-test=export-pdf]"))
    assert "СОШ № 1" in pdf and "Математика, 4 класс, 2026" in pdf
