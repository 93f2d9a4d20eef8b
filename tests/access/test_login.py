"""Logging in: throttling, audit of logins, forced password change, reset by e-mail, start pages per role."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from objectivity.access.actions import reset_password
from objectivity.audit.models import AuditEvent
from objectivity.authz.roles import VIEW_AUDIT
from tests.conftest import PASSWORD

START_KIND = {
    "region_admin": "region",
    "region_analyst": "region",
    "oiv_official": "region",
    "methodologist": "region",
    "federal_analyst": "region",
    "municipal_coordinator": "municipality",
    "mms_methodologist": "municipality",
    "school_admin": "school",
    "public_observer": "observer",
    "independent_observer": "observer",
    "expert": "expert",
}


def post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("role,kind", sorted(START_KIND.items()))
def test_each_role_lands_on_its_start_page(role, kind, world, client):
    user = world.users[role]
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert f'data-kind="{kind}"' in page
    assert AuditEvent.objects.filter(action="login", actor=user).exists()


def test_wrong_password_is_audited_and_throttled(world, client):
    for _ in range(5):
        response = post_login(client, "analyst", "wrong")
        assert "Неверный логин или пароль" in response.content.decode()
    response = post_login(client, "analyst", PASSWORD)  # even the right password waits now
    assert response.status_code == 200 and "Слишком много неудачных попыток" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() == 6, "the refusal while blocked too"


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_other_users_are_not_blocked(world, client):
    for _ in range(2):
        post_login(client, "analyst", "wrong")
    assert post_login(client, "expert", PASSWORD).status_code == 302


def test_temporary_password_must_be_changed_first(world, client):
    admin, expert = world.users["region_admin"], world.users["expert"]
    temporary = reset_password(by=admin, user=expert)
    assert post_login(client, "expert", temporary).status_code == 302
    response = client.get(reverse("school-list"))
    assert response.status_code == 302 and response.url == reverse("password-change")
    weak = client.post(reverse("password-change"), {"new_password1": "12345", "new_password2": "12345"})
    assert weak.status_code == 200
    strong = "Осенний-ветер-2026"
    ok = client.post(reverse("password-change"), {"new_password1": strong, "new_password2": strong})
    assert ok.status_code == 302
    assert client.get(reverse("school-list")).status_code == 200
    expert.refresh_from_db()
    assert not expert.must_change_password and expert.check_password(strong)


def test_password_reset_by_email(world, client):
    client.post(reverse("password-reset"), {"email": "expert@example.invalid"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password/reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "Новый-надёжный-пароль"
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    world.users["expert"].refresh_from_db()
    assert world.users["expert"].check_password(new)


def test_logout_is_post_only_and_audited(world, client):
    client.force_login(world.users["expert"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert AuditEvent.objects.filter(action="logout").exists()


def test_open_redirect_is_refused(world, client):
    response = client.post(
        reverse("login"), {"username": "expert", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP", LOGIN_FAILURE_LIMIT=1)
def test_client_address_comes_from_the_proxy_header(world, client):
    client.post(reverse("login"), {"username": "analyst", "password": "x"}, HTTP_X_REAL_IP="10.1.2.3")
    assert AuditEvent.objects.get(action="login_failed").ip == "10.1.2.3"
    # Another person behind the same proxy is not blocked by the first one's failures.
    ok = client.post(reverse("login"), {"username": "expert", "password": PASSWORD}, HTTP_X_REAL_IP="10.9.9.9")
    assert ok.status_code == 302


def test_views_of_people_are_filed_in_the_viewers_region(world, client):
    client.force_login(world.users["region_analyst"])
    client.get(reverse("user-list"), REMOTE_ADDR="192.0.2.7")
    visible = AuditEvent.objects.visible_to(world.users["region_admin"], VIEW_AUDIT).filter(action="view_personal")
    assert visible.count() == 1 and visible.get().ip == "192.0.2.7"


def test_old_failures_do_not_block(world, client):
    from datetime import timedelta

    from django.utils import timezone

    from objectivity.access.models import LoginFailure
    from tests.factories import LoginFailureFactory

    for _ in range(10):
        LoginFailureFactory(username="analyst")
    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=1))
    assert post_login(client, "analyst", PASSWORD).status_code == 302
