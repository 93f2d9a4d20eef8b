"""Write actions on organisations: atomic, audited, `by=` the acting user."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password

from objectivity.audit.log import Action, changed, record, snapshot
from objectivity.core.actions import action
from objectivity.orgs.models import Body, Region, School

if TYPE_CHECKING:
    from objectivity.access.models import User

SCHOOL_FIELDS = (
    "full_name",
    "short_name",
    "municipality_id",
    "school_type",
    "settlement",
    "is_small",
    "is_branch",
    "is_advanced",
    "email",
    "pupils_by_grade",
)
BODY_FIELDS = ("kind", "name", "short_name", "region_id", "municipality_id")
REGION_FIELDS = ("code", "name")


@action
def update_school(*, by, school: School, **values) -> School:
    before = snapshot(school, SCHOOL_FIELDS)
    for name, value in values.items():
        setattr(school, name, value)
    school.save()
    b, a = changed(before, snapshot(school, SCHOOL_FIELDS))
    if a:
        record(by=by, action=Action.UPDATE, obj=school, before=b, after=a)
    return school


@action
def save_body(*, by, body: Body) -> Body:
    """Create or update a body; the audit row holds what changed."""
    if body.pk is None:
        body.save()
        record(by=by, action=Action.CREATE, obj=body, after=snapshot(body, BODY_FIELDS))
        return body
    before = snapshot(Body.objects.get(pk=body.pk), BODY_FIELDS)
    body.save()
    b, a = changed(before, snapshot(body, BODY_FIELDS))
    if a:
        record(by=by, action=Action.UPDATE, obj=body, before=b, after=a)
    return body


@dataclass
class RegionSetup:
    """What `create_region` did: each part is either created now or found as it was."""

    region: Region
    region_created: bool
    admin: "User | None" = None
    admin_created: bool = False
    admin_role_added: bool = False
    password: str = ""  # the temporary password of a new administrator, to hand over once; else ""


@action
def create_region(
    *, by, code: str, name: str, admin: str = "", password: str = "", note: str = "", **profile
) -> RegionSetup:
    """Create a region and its regional administrator; whatever already exists is kept as it is.

    A new administrator gets `password` if given (checked by the password validators), else a
    generated temporary one to be changed at the first login. Every creation is audited.
    """
    from objectivity.access.actions import add_membership, create_user
    from objectivity.access.models import User

    if admin and password and not User.objects.filter(username=admin).exists():
        validate_password(password, User(username=admin, **profile))  # before anything is written
    region = Region.objects.filter(code=code).first()
    setup = RegionSetup(region=region or Region(code=code, name=name), region_created=region is None)
    if region is None:
        setup.region.full_clean()
        setup.region.save()
        record(by=by, action=Action.CREATE, obj=setup.region, after=snapshot(setup.region, REGION_FIELDS), note=note)
    if not admin:
        return setup
    user = User.objects.filter(username=admin).first()
    if user is None:
        user, temporary = create_user(
            by=by, username=admin, role="region_admin", level="region", scope=setup.region, **profile
        )
        setup.admin_created, setup.admin_role_added = True, True
        setup.password = _own_password(by, user, password, setup.region) if password else temporary
    elif not user.memberships.filter(role="region_admin", region=setup.region).exists() and setup.region_created:
        add_membership(by=by, user=user, role="region_admin", level="region", scope=setup.region)
        setup.admin_role_added = True
    setup.admin = user
    return setup


def _own_password(by, user, password: str, region: Region) -> str:
    """The operator's own password (validated above) replaces the temporary one; nothing to hand over."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(
        by=by,
        action=Action.PASSWORD,
        obj=user,
        before={"must_change_password": True},
        after={"must_change_password": False},
        note="set by the operator at creation",
        scope=region,
    )
    return ""
