"""The production calendar in a real Chromium: the regional administrator marks a day off by a region's act, sees the
grid and the month's count change, then removes the change."""

from datetime import date

import pytest

from objectivity.core import workdays

pytestmark = pytest.mark.browser

DAY = "2026-05-27"  # a Wednesday: Курбан-байрам, a day off in Tatarstan by the Rais's decree
ACT = "Указ Раиса РТ от 01.02.2026 № УП-100"


def _may_working_days(page) -> str:
    return page.locator("table[data-table=months] tbody tr").nth(4).locator("td").nth(2).inner_text()


def test_the_administrator_marks_a_day_off_and_sees_the_grid_change(live_world, log_in, live_server):
    page = log_in("admin")
    with page.expect_navigation():
        page.click("footer a:has-text('Производственный календарь')")
    assert page.locator(".monthgrid").count() == 12  # this year's
    page.goto(f"{live_server.url}/calendar/2026/")
    day = page.locator(f"[data-date='{DAY}']").first
    assert day.get_attribute("class") == "day"
    before = int(_may_working_days(page))
    assert "всех сроков" in page.inner_text("[data-test=calendar-form]")  # the warning beside the form

    page.fill("input[name=date]", DAY)
    page.select_option("select[name=working]", "0")
    page.fill("input[name=note]", ACT)
    with page.expect_navigation():
        page.click("[data-test=calendar-form] button[type=submit]")

    day = page.locator(f".monthgrid [data-date='{DAY}']")
    assert set(day.get_attribute("class").split()) == {"day", "off", "changed"}
    assert ACT in day.get_attribute("title")
    assert int(_may_working_days(page)) == before - 1
    assert not workdays.is_working_day(date(2026, 5, 27))

    page.fill("[data-test=overrides] input[name=reason]", "Указ отменён")
    with page.expect_navigation():
        page.click("[data-test=overrides] button[type=submit]")
    assert page.locator(f".monthgrid [data-date='{DAY}']").get_attribute("class") == "day"
    assert int(_may_working_days(page)) == before


def test_a_school_sees_the_calendar_without_the_form(live_world, log_in, live_server):
    page = log_in("sch220001")
    page.goto(f"{live_server.url}/calendar/2026/")
    assert page.locator(".monthgrid").count() == 12
    assert page.locator("[data-test=calendar-form]").count() == 0
    assert page.locator(".monthgrid [data-date='2026-01-09']").get_attribute("title").startswith("Выходной день")
