"""Detection in a real Chromium: start a run from the page, follow it to the findings, open a school."""

import pytest

from objectivity.analysis.synth import default_tests, generate_region, write_region
from objectivity.orgs.models import School
from objectivity.results.importer import import_results
from objectivity.results.reference import import_entries, import_yaml, shipped_catalogue
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.browser


def test_run_detection_and_read_a_school(live_world, log_in, live_server, tmp_path):
    import_entries(shipped_catalogue())
    tests = default_tests([2024, 2025], grades=(4, 5), subjects=("ma",))
    region = generate_region(seed=3, years=[2024, 2025], n_schools=40, tests=tests, inject={"inflate": 0.15})
    paths = write_region(region, tmp_path)
    municipality = MunicipalityFactory(region=live_world.region, name="Учебный район")
    School.objects.bulk_create(
        [
            School(login=x, municipality=municipality, full_name=x, short_name=f"ОО {x}")
            for x in region.schools["login"]
        ],
        ignore_conflicts=True,
    )
    import_yaml((tmp_path / "reference.yaml").read_text(encoding="utf-8"))
    for path in sorted(p for p in paths if p.suffix == ".xlsx" and p.name != "schools.xlsx"):
        import_results(path, path.name, region=live_world.region, by=None)
    page = log_in("analyst")
    page.goto(f"{live_server.url}/detection/start/?year=2025")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("[data-test=run-done]")
    page.click("text=Открыть результаты")
    assert "только ВПР" in page.inner_text("[data-test=method-label]")
    page.click("a:has-text('ВПР 2025 · Математика · 5 класс')")
    page.click("table.data tbody tr:first-child td:nth-child(2) a")
    page.wait_for_function(
        "document.querySelectorAll('[data-chart]').length > 0 && document.querySelectorAll('[data-drawn]').length === document.querySelectorAll('[data-chart]').length"
    )
    assert page.locator("[data-test=layers] tbody tr").count() >= 4  # each layer's evidence is shown
    assert "p" in page.inner_text("[data-test=layers] thead")  # the analyst sees the numbers
