"""The one row gate: `Model.objects.visible_to(user)`.

Every scoped model declares `scope_paths`: per scope level, the ORM path from the model to the
scope object. A membership at a level sees every row whose path leads to its scope object
(region → municipality → school, inherited downward); a federal membership sees every row.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

LEVELS = ("federal", "region", "municipality", "school")


@dataclass(frozen=True)
class ScopePaths:
    region: str
    municipality: str | None
    school: str | None

    def path(self, level: str) -> str | None:
        return getattr(self, level)


def scope_q(user, paths: ScopePaths) -> Q | None:
    """Q for the rows `user` may see; None means every row (federal scope)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for membership in user.active_memberships():
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
    def visible_to(self, user):
        paths: ScopePaths = self.model.scope_paths
        q = scope_q(user, paths)
        if q is None:
            return self
        plural = any(_crosses_to_many(self.model, p) for p in (paths.region, paths.municipality, paths.school) if p)
        if plural:  # reverse joins would repeat rows; filter through a subquery instead
            return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))
        return self.filter(q)
