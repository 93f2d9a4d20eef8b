"""One function answers "may this user do X here?" and says why."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from objectivity.authz.roles import PERMISSION_LABELS, ROLES, role_label
from objectivity.authz.scope import assignments_granting, reaches


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _covers(membership, target) -> bool:
    """Does the membership's scope contain `target` (None = the membership's own scope)?"""
    if membership.level == "federal" or target is None:
        return True
    chain = target.scope_chain()
    return chain.get(membership.level) == membership.scope_id


def decide(user, permission: str, target=None, *, on: datetime.date | None = None) -> Decision:
    """May `user` do `permission` on `target` (None: anywhere)? Memberships first, then the assignments in force on
    `on` (default: today). An assignment answers only for the rows it reaches, never for "anywhere": it opens no
    page of a whole region's figures."""
    label = PERMISSION_LABELS.get(permission, permission)
    if not getattr(user, "is_authenticated", False):
        return Decision(False, _("Not logged in"))
    if not user.is_active:
        return Decision(False, _("The account is disabled"))
    for membership in user.active_memberships():
        role = ROLES.get(membership.role)
        if role and permission in role.permissions and _covers(membership, target):
            return Decision(
                True,
                _("Role “%(role)s” in “%(scope)s” grants “%(perm)s”")
                % {"role": role.label, "scope": membership.scope_label, "perm": label},
            )
    if target is not None:
        for assignment in assignments_granting(user, permission, on):
            if reaches(assignment, target):
                return Decision(True, _assigned_reason(assignment, label))
    where = str(target) if target is not None else _("any scope")
    return Decision(False, _("No role grants “%(perm)s” for “%(where)s”") % {"perm": label, "where": where})


def _assigned_reason(assignment, label) -> str:
    return _("Assignment as “%(role)s” to “%(what)s” from %(starts)s to %(ends)s grants “%(perm)s”") % {
        "role": role_label(assignment.role),
        "what": assignment.target_label,
        "starts": f"{assignment.starts:%d.%m.%Y}",
        "ends": f"{assignment.ends:%d.%m.%Y}",
        "perm": label,
    }


def can(user, permission: str, target=None, *, on: datetime.date | None = None) -> bool:
    return decide(user, permission, target, on=on).allowed


def user_regions(user) -> list[int]:
    """Regions the user's memberships lie in (empty for federal-only users)."""
    return sorted({m.region_id_of_scope for m in user.active_memberships() if m.region_id_of_scope})


def require(user, permission: str, target=None, *, on: datetime.date | None = None) -> Decision:
    """The decision, or PermissionDenied with its reason."""
    decision = decide(user, permission, target, on=on)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


def region_where(user, permission: str):
    """The region in which the user holds `permission` at regional level (PermissionDenied if none)."""
    for membership in user.active_memberships():
        if membership.level == "region" and decide(user, permission, membership.region):
            return membership.region
    raise PermissionDenied(decide(user, permission).reason)
