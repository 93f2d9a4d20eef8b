"""Results in a real Chromium: import several files through the page, follow the progress to the
outcome, open the work and see its four charts drawn by the bundled Vega-Lite."""

from pathlib import Path

import openpyxl
import pytest

from objectivity.results.reference import import_entries, shipped_catalogue
from tests.factories import MunicipalityFactory, SchoolFactory

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "results"
DRAWN = "document.querySelectorAll('[data-drawn]').length === 4"


def test_import_several_files_and_browse_the_work(live_world, log_in, live_server, tmp_path):
    # Live-server tests flush the database, shipped catalogue included: load it again for the scales.
    import_entries(shipped_catalogue())
    municipality = MunicipalityFactory(region=live_world.region, name="Пример муниципальный район")
    for login in ("sch229001", "sch229002", "sch229003", "edu229001"):
        SchoolFactory(municipality=municipality, login=login, pupils_by_grade={"4": 30})
    page = log_in("analyst")
    page.goto(f"{live_server.url}/results/import/")
    page.set_input_files("input[type=file]", [str(p) for p in sorted(FIXTURES.glob("*.xlsx"))])
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-test=import-outcomes]")
    assert page.locator("[data-test=outcome-imported]").count() == 2
    page.click('[data-test=import-outcomes] a:has-text("Проведение работы")')
    assert page.inner_text("[data-test=rows]") == "64"
    with page.expect_download() as download:
        page.click("[data-test=quality]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    problems = list(book["Проблемные строки"].iter_rows(values_only=True))
    assert problems[1][0] == 40 and problems[1][5].startswith("не равно сумме баллов")
    page.click("text=Результаты работы")
    page.wait_for_function(DRAWN)
    assert page.locator("[data-chart] svg").count() == 4
    # screen readers get one picture per chart, labelled in Russian with its numbers, and no English from Vega
    labels = page.eval_on_selector_all("[data-chart]", "els => els.map(e => [e.getAttribute('role'), e.ariaLabel])")
    assert all(role == "img" for role, _label in labels), labels
    assert labels[0][1].startswith("Отметки по уровням: ") and " %" in labels[0][1], labels
    assert "visualization" not in page.content() and "X-axis" not in page.content()
    page.select_option("select[name=municipality]", label="Пример муниципальный район")
    page.wait_for_selector("select[name=school]")
    page.select_option("select[name=school]", index=1)
    page.wait_for_function(DRAWN)
    assert "Пример муниципальный район" in page.inner_text("[data-test=marks]")
