"""Real pages in a real Chromium: start pages per role, registry import, error list, XLSX export."""

import re

import openpyxl
import pytest

pytestmark = pytest.mark.browser

ROLES = [
    ("admin", "region"),
    ("analyst", "region"),
    ("mun", "municipality"),
    ("sch220001", "school"),
    ("observer", "observer"),
    ("expert", "expert"),
]


@pytest.mark.parametrize("username,kind", ROLES)
def test_each_role_logs_in_to_its_start_page(username, kind, live_world, log_in):
    page = log_in(username)
    assert page.get_attribute("[data-test=start-page]", "data-kind") == kind
    assert page.locator("html").get_attribute("lang") == "ru"


def test_wrong_password_shows_a_russian_message(live_world, page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("main form button[type=submit]")
    assert "Неверный логин или пароль" in page.inner_text("[data-test=login-error]")


def _registry_csv(tmp_path, rows):
    path = tmp_path / "реестр.csv"
    header = "логин;полное наименование;краткое наименование;муниципалитет;тип;тип поселения;4 класс"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="cp1251")
    return path


def test_registry_import_through_the_page(live_world, log_in, live_server, tmp_path):
    page = log_in("admin")
    page.goto(f"{live_server.url}/orgs/registry/import/")
    page.set_input_files(
        "input[type=file]",
        str(
            _registry_csv(
                tmp_path,
                [
                    "sch220301;Муниципальное казённое общеобразовательное учреждение «Ключевская СОШ»;МКОУ «Ключевская СОШ»;"
                    "Ключевской район;СОШ;село;14",
                    "sch220302;Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 3»;МБОУ «Гимназия № 3»;"
                    "Городской округ Северогорск;гимназия;город;75",
                ],
            )
        ),
    )
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-test=import-done]")
    assert page.inner_text("[data-test=created]") == "2"
    page.goto(f"{live_server.url}/orgs/schools/?q=sch2203")
    assert page.locator("table.data tbody tr").count() == 2
    assert "Найдено 2 записи" in page.inner_text("[data-test=count]")


def test_bad_registry_file_shows_the_error_list(live_world, log_in, live_server, tmp_path):
    page = log_in("admin")
    page.goto(f"{live_server.url}/orgs/registry/import/")
    page.set_input_files(
        "input[type=file]",
        str(
            _registry_csv(
                tmp_path,
                [
                    "sch220301;Школа;Школа;Ключевской район;СОШ;село;14",
                    "школа-2;;Школа;Ключевской район;СШ;хутор;много",
                ],
            )
        ),
    )
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-test=import-rejected]")
    rows = page.locator("[data-test=problems] tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(texts) == 5, texts
    assert all(t.startswith("3\t") for t in texts)  # every problem is on spreadsheet row 3
    assert any("хутор" in t for t in texts) and any("много" in t for t in texts)
    page.goto(f"{live_server.url}/orgs/schools/?q=sch2203")
    assert page.locator("table.data tbody tr").count() == 0  # nothing was imported


def test_xlsx_export_equals_the_filtered_table(live_world, log_in, live_server, tmp_path):
    page = log_in("analyst")
    page.goto(f"{live_server.url}/orgs/schools/")
    page.select_option("select[name=municipality]", label="Городской округ Северогорск")
    page.fill("input[name=q]", "СОШ")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*municipality=.*"))
    shown = [
        page.locator("table.data tbody tr").nth(i).locator("td").first.inner_text()
        for i in range(page.locator("table.data tbody tr").count())
    ]
    assert shown == ["sch220001"]
    with page.expect_download() as info:
        page.click("[data-test=export]")
    assert info.value.suggested_filename.startswith("schools-") and info.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Логин" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [r[0] for r in rows[1:]] == shown
