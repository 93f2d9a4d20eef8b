"""The error pages in a real Chromium, with DEBUG off as in production (the live server runs tests/settings.py,
which keeps the environment's DEBUG, off by default; pytest-django turns it off too): an unknown address, a page the
user's roles do not open and a form sent after its CSRF cookie is gone each show a Russian page that says why, with
the way back to the start page."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser
WAYS_BACK = ("На главную", "Назад")


def _error_page(page, status: int, heading: str, reason: str) -> None:
    assert not settings.DEBUG
    shown = page.locator("[data-test=error-page]")
    assert shown.get_attribute("data-status") == str(status)
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.inner_text("h1") == heading
    text = shown.inner_text()
    assert reason in text, text
    assert all(way in text for way in WAYS_BACK)
    for english in ("Not Found", "Forbidden", "CSRF", "Traceback", "Referer"):
        assert english not in page.content()


def _back_to_the_start(page) -> None:
    page.click("[data-test=error-page] a:has-text('На главную')")
    page.wait_for_selector("[data-test=start-page]")


def test_an_unknown_address_is_the_russian_not_found_page(live_world, log_in, live_server):
    page = log_in("analyst")
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    _error_page(page, 404, "Страница не найдена", "Такой страницы нет")
    assert page.locator("nav a[href='/orgs/schools/']").count()  # the user's menu stays
    _back_to_the_start(page)


def test_an_unknown_address_for_a_visitor_leads_to_the_login(live_world, page, live_server):
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    _error_page(page, 404, "Страница не найдена", "Такой страницы нет")
    page.click("[data-test=error-page] a:has-text('На главную')")
    page.wait_for_selector("input[name=username]")  # the start page asks a visitor to log in


def test_a_page_the_roles_do_not_open_is_the_russian_forbidden_page(live_world, log_in, live_server):
    page = log_in("expert")
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
    _error_page(page, 403, "Доступ закрыт", "Ваши роли не открывают эту страницу")
    _back_to_the_start(page)


def test_a_form_sent_without_its_csrf_cookie_is_the_russian_out_of_date_page(live_world, log_in, live_server):
    page = log_in("admin")
    page.context.clear_cookies(name="csrftoken")
    with page.expect_navigation() as navigation:
        page.click("form[action='/logout/'] button[type=submit]")
    assert navigation.value.status == 403
    _error_page(page, 403, "Форма устарела", "Форму не удалось принять")
    _back_to_the_start(page)  # still logged in: the logout did not happen
