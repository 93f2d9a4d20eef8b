"""Write actions on users and roles: atomic, audited, `by=` the acting user."""

import datetime
import secrets
import string
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from objectivity.access.hashers import hash_temporary
from objectivity.access.models import Assignment, AssignmentKind, Membership, User
from objectivity.core.actions import action
from objectivity.core.auditing import Action, changed, event, record, record_many, snapshot
from objectivity.orgs.models import Region

USER_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "middle_name",
    "email",
    "position",
    "organisation",
    "is_active",
    "must_change_password",
)
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "l1IO0o")


def temporary_password(length: int = 12) -> str:
    """Random, with a digit, a capital and a small letter: it is read aloud or copied by hand, and never looks like
    a word."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.isdigit() for c in password)
            and any(c.isupper() for c in password)
            and any(c.islower() for c in password)
        ):
            return password


def _scope_of(membership: Membership):
    return membership.scope_object


@action
def create_user(*, by, username: str, role: str, level: str, scope, **profile) -> tuple[User, str]:
    """Create a user with one role; returns the user and the temporary password to hand over."""
    password = temporary_password()
    user = User(username=username, must_change_password=True, password=hash_temporary(password), **profile)
    user.save()
    record(by=by, action=Action.CREATE, obj=user, after=snapshot(user, USER_FIELDS), scope=scope)
    add_membership(by=by, user=user, role=role, level=level, scope=scope)
    return user, password


@action
def update_user(*, by, user: User, **values) -> User:
    before = snapshot(user, USER_FIELDS)
    for name, value in values.items():
        if name not in USER_FIELDS:
            raise ValueError(f"{name} is not an editable user field")
        setattr(user, name, value)
    user.save()
    b, a = changed(before, snapshot(user, USER_FIELDS))
    if a:
        record(by=by, action=Action.UPDATE, obj=user, before=b, after=a, scope=_home_scope(user))
    return user


@action
def add_membership(*, by, user: User, role: str, level: str, scope) -> Membership:
    membership = Membership(user=user, role=role, level=level)
    if level != "federal":
        setattr(membership, level, scope)
    membership.full_clean(exclude=["user"], validate_unique=False)
    membership.save()
    user.forget_memberships()
    record(
        by=by,
        action=Action.CREATE,
        obj=membership,
        scope=scope,
        after={"user": user.username, "role": role, "level": level, "scope": membership.scope_label},
    )
    return membership


@action
def remove_membership(*, by, membership: Membership) -> None:
    before = {
        "user": membership.user.username,
        "role": membership.role,
        "level": membership.level,
        "scope": membership.scope_label,
    }
    record(by=by, action=Action.DELETE, obj=membership, before=before, scope=_scope_of(membership))
    membership.delete()
    membership.user.forget_memberships()


@action
def reset_password(*, by, user: User) -> str:
    """Give the user a new temporary password, to be changed at the next login."""
    password = temporary_password()
    user.password = hash_temporary(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(
        by=by,
        action=Action.PASSWORD,
        obj=user,
        before={"must_change_password": False},
        after={"must_change_password": True},
        note="reset by administrator",
        scope=_home_scope(user),
    )
    return password


@action
def change_own_password(*, by, new_password: str) -> None:
    by.set_password(new_password)
    was_forced = by.must_change_password
    by.must_change_password = False
    by.save(update_fields=["password", "must_change_password"])
    record(
        by=by,
        action=Action.PASSWORD,
        obj=by,
        before={"must_change_password": was_forced},
        after={"must_change_password": False},
        note="changed by the user",
        scope=_home_scope(by),
    )


@action
def create_school_accounts(*, by, schools) -> list[tuple]:
    """One «ответственный организатор ОО» account per school without one; login = school login.

    Returns (school, user, temporary password) for the printable credentials list.
    """
    taken = set(User.objects.filter(username__in=[s.login for s in schools]).values_list("username", flat=True))
    out, audit = [], []
    for school in schools:
        if school.login in taken:
            continue
        password = temporary_password()
        user = User(
            username=school.login,
            must_change_password=True,
            organisation=school.short_name,
            email=school.email,
            password=hash_temporary(password),
        )
        out.append((school, user, password))
    User.objects.bulk_create([u for _, u, _ in out], batch_size=1000)
    memberships = [Membership(user=u, role="school_admin", level="school", school=s) for s, u, _ in out]
    Membership.objects.bulk_create(memberships, batch_size=1000)
    for school, user, _ in out:
        audit.append(
            event(
                by=by,
                action=Action.CREATE,
                obj=user,
                scope=school,
                after=snapshot(user, USER_FIELDS) | {"role": "school_admin", "school": school.login},
            )
        )
    record_many(audit)
    return out


@action
def create_assignment(
    *, by, user: User, role: str, school, starts: datetime.date, ends: datetime.date, assessment=None
) -> Assignment:
    """Assign `user`, in `role`, to a school (or to a work at it, given `assessment`) from `starts` to `ends`."""
    kind = AssignmentKind.SCHOOL if assessment is None else AssignmentKind.WORK
    assignment = Assignment(
        user=user, role=role, kind=kind, school=school, assessment=assessment, starts=starts, ends=ends, assigned_by=by
    )
    assignment.full_clean(exclude=["user", "assigned_by"])
    assignment.save()
    user.forget_assignments()
    record(by=by, action=Action.CREATE, obj=assignment, after=_assignment_values(assignment))
    return assignment


@action
def end_assignment(*, by, assignment: Assignment, today: datetime.date | None = None) -> None:
    """Stop an assignment from `today` (default: the current date) on: its last day becomes yesterday, and one that
    has not begun by then is withdrawn altogether (deleted)."""
    today = today or timezone.localdate()
    if assignment.ends < today:
        raise ValueError("the assignment is already over")
    before = _assignment_values(assignment)
    if assignment.starts >= today:
        record(by=by, action=Action.DELETE, obj=assignment, before=before, note="withdrawn before it began")
        assignment.delete()
    else:
        assignment.ends = today - datetime.timedelta(days=1)
        assignment.save(update_fields=["ends"])
        b, a = changed(before, _assignment_values(assignment))
        record(by=by, action=Action.UPDATE, obj=assignment, before=b, after=a, note="ended")
    assignment.user.forget_assignments()


def _assignment_values(assignment: Assignment) -> dict:
    return {
        "user": assignment.user.username,
        "role": assignment.role,
        "kind": assignment.kind,
        "school": assignment.school.login,
        "assessment": str(assignment.assessment) if assignment.assessment is not None else None,
        "starts": str(assignment.starts),
        "ends": str(assignment.ends),
    }


def _home_scope(user: User):
    memberships = user.active_memberships()
    return memberships[0].scope_object if memberships else None


REGION_FIELDS = ("code", "name")


@dataclass
class RegionSetup:
    """What `create_region` did: each part is either created now or found as it was."""

    region: Region
    region_created: bool
    admin: User | None = None
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
