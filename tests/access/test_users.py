"""Managing users: creation with a role, bulk school accounts, credentials list, invitations, audit of views."""

from django.core import mail
from django.urls import reverse

from objectivity.access.models import User
from objectivity.audit.models import AuditEvent


def test_admin_creates_a_municipal_user(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(
        reverse("user-create"),
        {
            "username": "petrova",
            "last_name": "Петрова",
            "first_name": "Анна",
            "role": "municipal_coordinator",
            "municipality": world.other_municipality.pk,
        },
    )
    assert response.status_code == 200
    user = User.objects.get(username="petrova")
    membership = user.memberships.get()
    assert (membership.level, membership.municipality) == ("municipality", world.other_municipality)
    assert user.must_change_password
    assert 'data-test="credentials"' in response.content.decode()


def test_municipal_role_needs_a_municipality(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("user-create"), {"username": "x1", "role": "municipal_coordinator"})
    assert response.status_code == 200 and not User.objects.filter(username="x1").exists()
    assert "Выберите муниципалитет" in response.content.decode()


def test_bulk_school_accounts_print_passwords_once(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("school-accounts"), {})
    page = response.content.decode()
    assert "sch220002" in page  # sch220001 already has an account
    user = User.objects.get(username="sch220002")
    assert user.memberships.get().school == world.other_school and user.must_change_password
    assert not User.objects.filter(username="sch540001").exists()  # other region untouched
    again = client.post(reverse("school-accounts"), {}).content.decode()
    assert "sch220002" not in again


def test_invitations_are_mailed_to_schools_with_an_address(world, client):
    world.other_school.email = "school2@example.invalid"
    world.other_school.save()
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("school-accounts"), {"send_invitations": "on"})
    assert len(mail.outbox) == 1 and "sch220002" in mail.outbox[0].body
    assert "/password/reset/" in mail.outbox[0].body
    assert "sch220002" not in response.content.decode().split('data-test="credentials"')[-1]


def test_viewing_people_is_audited(world, client):
    client.force_login(world.users["region_analyst"])
    client.get(reverse("user-list"))
    client.get(reverse("user-detail", args=[world.users["expert"].pk]))
    views = AuditEvent.objects.filter(action="view_personal", actor=world.users["region_analyst"])
    assert views.count() == 2
    assert world.users["expert"].pk in views.last().after["user_ids"]


def test_school_card_shows_staff_only_to_those_who_need_it(world, client):
    client.force_login(world.users["expert"])
    page = client.get(reverse("school-detail", args=[world.school.pk])).content.decode()
    assert "sch220001 —" not in page
    client.force_login(world.users["municipal_coordinator"])
    page = client.get(reverse("school-detail", args=[world.school.pk])).content.decode()
    assert "Иванова Мария" in page
    assert AuditEvent.objects.filter(action="view_personal", actor=world.users["municipal_coordinator"]).exists()


def test_temporary_passwords_are_upgraded_to_argon2_at_first_login(world, client, settings):
    from objectivity.access.actions import reset_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "objectivity.access.hashers.TemporaryPasswordHasher",
    ]
    expert = world.users["expert"]
    temporary = reset_password(by=world.users["region_admin"], user=expert)
    expert.refresh_from_db()
    assert expert.password.startswith("pbkdf2_sha256_temporary$")
    client.post(reverse("login"), {"username": "expert", "password": temporary})
    expert.refresh_from_db()
    assert expert.password.startswith("argon2$")


def test_a_temporary_password_always_mixes_digits_and_both_cases():
    from objectivity.access.actions import temporary_password

    for _ in range(500):
        password = temporary_password()
        assert len(password) == 12
        assert any(c.isdigit() for c in password) and any(c.isupper() for c in password)
        assert any(c.islower() for c in password)
