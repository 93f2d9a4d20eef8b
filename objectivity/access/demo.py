"""The demo loader's people: one user for every role, in the demo region's scopes."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from objectivity.access.actions import USER_FIELDS
from objectivity.access.models import Membership, User
from objectivity.core.auditing import Action, event, record_many, snapshot
from objectivity.core.demo import DemoContext
from objectivity.orgs.models import Municipality, Region, School

DEMO_PASSWORD = "demo-password-2026"
DEMO_EMAIL_DOMAIN = "@demo.invalid"


@dataclass
class DemoUser:
    username: str
    role: str
    scope: Region | Municipality | School
    name: tuple[str, str, str]


def demo_users(region: Region, municipalities: list[Municipality], schools: list[School]) -> list[DemoUser]:
    first_school = schools[0]
    m0 = municipalities[0]
    return [
        DemoUser("admin", "region_admin", region, ("Соколова", "Ирина", "Павловна")),
        DemoUser("analyst", "region_analyst", region, ("Лебедев", "Андрей", "Николаевич")),
        DemoUser("oiv", "oiv_official", region, ("Кузнецова", "Елена", "Викторовна")),
        DemoUser("coko", "methodologist", region, ("Морозов", "Сергей", "Иванович")),
        DemoUser("mun", "municipal_coordinator", m0, ("Волкова", "Наталья", "Сергеевна")),
        DemoUser("mms", "mms_methodologist", m0, ("Павлов", "Дмитрий", "Олегович")),
        DemoUser(first_school.login, "school_admin", first_school, ("Новикова", "Ольга", "Андреевна")),
        DemoUser("observer", "public_observer", m0, ("Фёдоров", "Алексей", "Михайлович")),
        DemoUser("indep", "independent_observer", region, ("Смирнова", "Татьяна", "Юрьевна")),
        DemoUser("expert", "expert", region, ("Егоров", "Павел", "Александрович")),
    ]


def load_users(context: DemoContext) -> None:
    """A user for every role of the demo region, every user and role in the audit log."""
    users = demo_users(context.region, context.shared["municipalities"], context.shared["schools"])
    with transaction.atomic():
        memberships = [_create_user(demo) for demo in users]
        record_many(_audit(context.by, memberships))


def demo_accounts() -> list[User]:
    return list(User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN).order_by("pk"))


def _audit(by, memberships: list[Membership]) -> list:
    note = gettext("demo data")
    rows = []
    for membership in memberships:
        scope, user = membership.scope_object, membership.user
        rows.append(
            event(by=by, action=Action.CREATE, obj=user, after=snapshot(user, USER_FIELDS), note=note, scope=scope)
        )
        after = {"user": user.username, "role": membership.role, "level": membership.level, "scope": str(scope)}
        rows.append(event(by=by, action=Action.CREATE, obj=membership, after=after, note=note, scope=scope))
    return rows


def _create_user(demo: DemoUser) -> Membership:
    last, first, middle = demo.name
    user = User(
        username=demo.username,
        last_name=last,
        first_name=first,
        middle_name=middle,
        email=f"{demo.username}{DEMO_EMAIL_DOMAIN}",
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    level = str(demo.scope._meta.model_name)
    return Membership.objects.create(user=user, role=demo.role, level=level, **{level: demo.scope})
