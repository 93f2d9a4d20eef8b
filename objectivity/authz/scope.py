"""The one row gate: `Model.objects.visible_to(user, permission)`.

Every scoped model declares `scope_paths`: per scope level, the ORM path from the model to the
scope object. A membership whose role grants the permission sees every row whose path leads to its
scope object (region → municipality → school, inherited downward); a federal one sees every row; a
membership whose role lacks the permission adds nothing.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from objectivity.authz.roles import grants

LEVELS = ("federal", "region", "municipality", "school")
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to its scope objects; None where a level cannot reach the rows."""

    region: str
    municipality: str | None
    school: str | None

    def path(self, level: str) -> str | None:
        return getattr(self, level)

    def all(self) -> list[str]:
        return [p for p in (self.region, self.municipality, self.school) if p]


def scope_q(user, paths: ScopePaths, permission: str) -> Q | None:
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
    return q


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
    def visible_to(self, user, permission: str):
        """The rows `user` may see for `permission`."""
        paths: ScopePaths = self.model.scope_paths
        q = scope_q(user, paths, permission)
        if q is None:
            return self
        if any(_crosses_to_many(self.model, p) for p in paths.all()):  # reverse joins would repeat rows
            return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))
        return self.filter(q)
