"""The error pages (400, 403, 404, CSRF failure, 500): Russian, calm, with the ways back, never a library's text."""

import pytest
from django.db import connection
from django.template import loader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

WAYS_BACK = ("На главную", "Назад")


@pytest.fixture(autouse=True)
def production_mode(settings):
    settings.DEBUG = False  # DEBUG pages are technical and English: the users see these only


def _page(response, status: int, *texts: str) -> str:
    assert response.status_code == status, response.status_code
    page = response.content.decode()
    assert '<html lang="ru">' in page
    assert f'data-status="{status}"' in page
    for text in (*texts, *WAYS_BACK):
        assert text in page, text
    assert 'href="/"' in page  # the start page
    return page


def test_not_found_for_a_visitor(client):
    _page(client.get("/no-such-page/"), 404, "Страница не найдена")


def test_not_found_for_a_user_keeps_the_menu(world, client):
    client.force_login(world.users["region_admin"])
    page = _page(client.get(reverse("school-detail", args=[999999])), 404, "Страница не найдена")
    assert "matches the given query" not in page  # get_object_or_404's own words
    assert reverse("school-list") in page  # the user's sections are still there


def test_forbidden_page_for_a_user_without_rights(world, client):
    client.force_login(world.users["expert"])
    page = _page(client.get(reverse("audit-list")), 403, "Доступ закрыт")
    assert "403 Forbidden" not in page


def test_csrf_failure_is_the_russian_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["region_admin"])
    page = _page(client.post(reverse("logout")), 403, "Форма устарела")
    assert "CSRF" not in page and "Referer" not in page


def test_bad_request(client):
    page = _page(client.get("/", HTTP_HOST="attacker.example"), 400, "Неверный запрос")
    assert "attacker.example" not in page and "ALLOWED_HOSTS" not in page


def test_server_error(world, monkeypatch):
    def boom(user):
        raise RuntimeError("/srv/objectivity/secret.py: database password is wrong")

    monkeypatch.setattr("objectivity.home.views.start_page_kind", boom)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["region_admin"])
    page = _page(client.get(reverse("home")), 500, "Что-то пошло не так")
    assert "secret" not in page and "RuntimeError" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_server_error_page_needs_no_request_and_no_database():
    with CaptureQueriesContext(connection) as queries:
        page = loader.get_template("500.html").render()
    assert not queries.captured_queries
    assert "Что-то пошло не так" in page and all(text in page for text in WAYS_BACK)
