"""Logging in: throttling, audit of logins, forced password change, reset by e-mail, start pages per role."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from objectivity.access.actions import reset_password
from objectivity.audit.models import AuditEvent
from objectivity.authz.roles import VIEW_AUDIT
from tests.conftest import PASSWORD
from tests.factories import AccessAttemptFactory

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


@override_settings(AXES_FAILURE_LIMIT=2)
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


def test_the_reset_link_records_the_new_password_in_its_transaction(world, client, monkeypatch):
    """The password, the end of «must change» and the audit row go together: a failing audit write keeps the
    old password."""
    expert = world.users["expert"]
    expert.must_change_password = True
    expert.save(update_fields=["must_change_password"])
    client.post(reverse("password-reset"), {"email": "expert@example.invalid"})
    link = re.search(r"https?://[^/]+(/password/reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "Новый-надёжный-пароль"

    def audit_fails(**kwargs):
        raise RuntimeError("the audit log is not reachable")

    with monkeypatch.context() as patched:
        patched.setattr("objectivity.access.views.record", audit_fails)
        with pytest.raises(RuntimeError):
            client.post(form_url, {"new_password1": new, "new_password2": new})
    expert.refresh_from_db()
    assert expert.check_password(PASSWORD) and expert.must_change_password
    client.post(form_url, {"new_password1": new, "new_password2": new})
    expert.refresh_from_db()
    assert expert.check_password(new) and not expert.must_change_password
    event = AuditEvent.objects.get(action="password", object_id=str(expert.pk))
    assert event.after == {"must_change_password": False} and event.note == "reset by e-mail link"


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


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP", AXES_FAILURE_LIMIT=1)
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
    AccessAttemptFactory(username="analyst", ip_address="127.0.0.1", failures_since_start=10)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert post_login(client, "analyst", PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_login_forgets_the_failures_of_that_login(world, client):
    for _ in range(2):
        post_login(client, "analyst", "wrong")
    assert post_login(client, "analyst", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        post_login(client, "analyst", "wrong")
    assert post_login(client, "analyst", PASSWORD).status_code == 302, "four failures in all, but never three since"


@override_settings(AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=timedelta(minutes=7))
def test_a_login_counts_whatever_its_case_and_the_refusal_says_when_to_retry(world, client):
    post_login(client, "ANALYST", "wrong")
    post_login(client, " Analyst", "wrong")
    page = post_login(client, "analyst", PASSWORD).content.decode()
    assert "Слишком много неудачных попыток входа. Повторите попытку через 7 мин." in page


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP", AXES_FAILURE_LIMIT=1)
def test_an_address_from_the_proxy_header_may_fail_four_times_as_often_as_a_login(world, client):
    def attempt(username, password, address):
        return client.post(reverse("login"), {"username": username, "password": password}, HTTP_X_REAL_IP=address)

    for name in ("nobody1", "nobody2", "nobody3"):
        attempt(name, "wrong", "10.1.2.3")
    assert attempt("expert", PASSWORD, "10.1.2.3").status_code == 302, "three failures of other logins are allowed"
    client.post(reverse("logout"))
    attempt("nobody4", "wrong", "10.1.2.3")
    refused = attempt("admin", PASSWORD, "10.1.2.3")
    assert "Слишком много неудачных попыток" in refused.content.decode() and "_auth_user_id" not in client.session
    assert attempt("admin", PASSWORD, "10.9.9.9").status_code == 302, "another address behind the same proxy"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.1.2.3"}


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_a_header_that_holds_no_address_gives_none(world, client):
    response = client.post(reverse("login"), {"username": "analyst", "password": "x"}, HTTP_X_REAL_IP="<script>")
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="login_failed").ip is None
