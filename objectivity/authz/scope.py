"""The one row gate: `Model.objects.visible_to(user, permission)`.

Every scoped model declares `scope_paths`: per scope level, the ORM path from the model to the
scope object. A membership whose role grants the permission sees every row whose path leads to its
scope object (region → municipality → school, inherited downward); a federal one sees every row; a
membership whose role lacks the permission adds nothing.

Assignments are the second axis: a person assigned, in a role, to a school or to a work at a school
for a period. A model that declares `assigned_school` (and, for rows of one work, `assigned_work`)
shows the assigned rows on the assigned days to an assignment whose role grants the permission
there (`Role.assigned`).
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from objectivity.authz.roles import ASSIGNABLE_PERMISSIONS, grants, grants_on_assignment

LEVELS = ("federal", "region", "municipality", "school")
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to its scope objects; None where a level cannot reach the rows.

    `assigned_school` leads to the school an assignment names; `assigned_work` to the work (an assessment). A work
    assignment reaches the rows of its work at its school, or, on a model with no work path (the school itself),
    the school's rows. A model without `assigned_school` is never reached by assignments.
    """

    region: str
    municipality: str | None
    school: str | None
    assigned_school: str | None = None
    assigned_work: str | None = None

    def __post_init__(self) -> None:
        if self.assigned_work and not self.assigned_school:
            raise ValueError("a work is assigned at a school: assigned_work needs assigned_school")

    def path(self, level: str) -> str | None:
        return getattr(self, level)

    def all(self) -> list[str]:
        paths = (self.region, self.municipality, self.school, self.assigned_school, self.assigned_work)
        return [p for p in paths if p]


def assignment_q(assignment, paths: ScopePaths) -> Q:
    """Q for the rows of a model that `assignment` reaches (none if the model declares no way)."""
    if not paths.assigned_school:
        return NOTHING
    q = Q(**{paths.assigned_school: assignment.school_id})
    if assignment.assessment_id is not None and paths.assigned_work:
        q &= Q(**{paths.assigned_work: assignment.assessment_id})
    return q


def assignments_granting(user, permission: str, on: datetime.date | None = None) -> list:
    """The user's assignments in force on `on` (default: today) whose role grants `permission`."""
    if permission not in ASSIGNABLE_PERMISSIONS:  # no role could: spare the query
        return []
    day = on or timezone.localdate()
    return [a for a in user.assignments_on(day) if grants_on_assignment(a.role, permission)]


def scope_q(user, paths: ScopePaths, permission: str, on: datetime.date | None = None) -> Q | None:
    """Q for the rows `user` may see for `permission`; None means every row (federal scope)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    q = NOTHING
    for membership in user.active_memberships():
        if not grants(membership.role, permission):
            continue
        if membership.level == "federal":
            return None
        path, scope_id = paths.path(membership.level), membership.scope_id
        if path and scope_id is not None:  # a scope of None would match every row whose path is empty
            q |= Q(**{path: scope_id})
    if paths.assigned_school:
        for assignment in assignments_granting(user, permission, on):
            q |= assignment_q(assignment, paths)
    return q


def reaches(assignment, target) -> bool:
    """Is `target` (a saved row of a scoped model) among the rows the assignment reaches? The gate's own Q."""
    paths = getattr(type(target), "scope_paths", None)
    if paths is None or not paths.assigned_school or target.pk is None:
        return False
    return type(target)._base_manager.filter(assignment_q(assignment, paths), pk=target.pk).exists()


def _crosses_to_many(model, path: str) -> bool:
    for name in path.split("__"):
        if name == "pk":
            return False
        field = model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model
    return False


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, permission: str, *, on: datetime.date | None = None):
        """The rows `user` may see for `permission`: by memberships, and by assignments in force on `on` (today)."""
        paths: ScopePaths = self.model.scope_paths
        q = scope_q(user, paths, permission, on)
        if q is None:
            return self
        if any(_crosses_to_many(self.model, p) for p in paths.all()):  # reverse joins would repeat rows
            return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))
        return self.filter(q)
