"""The row gate (visible_to) and the decision function with its reasons."""

from objectivity.audit.models import AuditEvent
from objectivity.authz.policy import decide
from objectivity.authz.roles import IMPORT_REGISTRY, VIEW_AUDIT, VIEW_ORGS, VIEW_PEOPLE
from objectivity.orgs.models import Municipality, Region, School


def logins(user):
    return set(School.objects.visible_to(user, VIEW_ORGS).values_list("login", flat=True))


def test_scope_is_inherited_downward(world):
    u = world.users
    assert logins(u["region_analyst"]) == {"sch220001", "sch220002"}
    assert logins(u["municipal_coordinator"]) == {"sch220001"}
    assert logins(u["school_admin"]) == {"sch220001"}
    assert logins(u["federal_analyst"]) == {"sch220001", "sch220002", "sch540001"}
    assert logins(u["outsider"]) == {"sch540001"}


def test_upward_objects_of_a_school_user(world):
    user = world.users["school_admin"]
    assert list(Municipality.objects.visible_to(user, VIEW_ORGS)) == [world.municipality]
    assert list(Region.objects.visible_to(user, VIEW_ORGS)) == [world.region]


def test_anonymous_and_disabled_users_see_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not School.objects.visible_to(AnonymousUser(), VIEW_ORGS).exists()
    user = world.users["region_analyst"]
    user.is_active = False
    assert not School.objects.visible_to(user, VIEW_ORGS).exists()


def test_several_roles_add_up_without_duplicates(world):
    from tests.factories import MembershipFactory

    user = world.users["school_admin"]
    MembershipFactory(user=user, role="expert", level="municipality", municipality=world.other_municipality)
    user.forget_memberships()
    assert sorted(School.objects.visible_to(user, VIEW_ORGS).values_list("login", flat=True)) == [
        "sch220001",
        "sch220002",
    ]
    assert Region.objects.visible_to(user, VIEW_ORGS).count() == 1


def test_decision_says_why(world):
    admin, coordinator = world.users["region_admin"], world.users["municipal_coordinator"]
    yes = decide(admin, IMPORT_REGISTRY, world.region)
    assert yes and "Региональный администратор" in yes.reason and "Демонстрационный край" in yes.reason
    no = decide(coordinator, IMPORT_REGISTRY, world.region)
    assert not no and "загрузка реестра" in no.reason.lower()
    assert decide(coordinator, VIEW_PEOPLE, world.school)
    assert not decide(coordinator, VIEW_PEOPLE, world.other_school)
    assert not decide(world.users["outsider"], VIEW_ORGS, world.school)


def test_audit_rows_follow_the_same_gate(world):
    AuditEvent.objects.create(action="update", region=world.region, municipality=world.other_municipality)
    AuditEvent.objects.create(action="update", region=world.foreign_region)
    assert AuditEvent.objects.visible_to(world.users["region_admin"], VIEW_AUDIT).count() == 1
    coordinator = world.users["municipal_coordinator"]
    assert AuditEvent.objects.visible_to(coordinator, VIEW_AUDIT).count() == 0  # the role lacks the permission
    # and the scope alone keeps the other municipality's row out, for a permission the role holds
    assert AuditEvent.objects.visible_to(coordinator, VIEW_ORGS).count() == 0


def test_a_membership_without_its_scope_object_cannot_exist_nor_see_rows(world):
    """A school membership whose school is empty matched every row whose school is empty (in any region): the
    database refuses such a membership, and the gate gives it nothing even if one were built in memory."""
    import pytest
    from django.db import IntegrityError, transaction

    from objectivity.access.models import Membership

    user = world.users["expert"]
    AuditEvent.objects.create(action="update", region=world.foreign_region)  # no school: what the leak showed
    for level, scope in [
        ("school", {}),
        ("municipality", {}),
        ("region", {}),
        ("school", {"region": world.region}),
        ("federal", {"region": world.region}),
        ("region", {"region": world.region, "school": School.objects.first()}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=user, role="expert", level=level, **scope)
    # A role that grants both permissions: only the missing school keeps the rows out.
    user._memberships_cache = [Membership(user=user, role="region_admin", level="school", school=None)]
    assert not AuditEvent.objects.visible_to(user, VIEW_AUDIT).exists()
    assert not School.objects.visible_to(user, VIEW_ORGS).exists()
