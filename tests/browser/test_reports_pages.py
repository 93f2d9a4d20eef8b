"""The list and the dashboard in a real Chromium: filters narrow the table, the XLSX downloaded from the page holds
exactly the filtered rows, the DOCX and PDF download and open; the dashboard's charts are drawn with marks bound to
their data and show numbers on hover; a municipality's view opens from the dashboard."""

import io

import openpyxl
import pytest

from objectivity.detection.models import DetectionRun
from tests.opened import docx_text, pdf_text
from tests.reports.test_dashboard import _figures
from tests.reports.test_list import OURS_HIGH, _run, _work

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
