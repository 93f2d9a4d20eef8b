"""Navigation shown to each user: only the sections their roles open."""

from django.urls import reverse
from django.utils.translation import gettext as _

from objectivity.access.policy import can
from objectivity.access.roles import (
    IMPORT_REGISTRY,
    IMPORT_RESULTS,
    MANAGE_USERS,
    VIEW_AUDIT,
    VIEW_FINDINGS,
    VIEW_ORGS,
    VIEW_PEOPLE,
    VIEW_RESULTS,
    role_label,
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.must_change_password:
        return {"nav": []}
    items = [(_("Start"), reverse("home"))]
    if can(user, VIEW_ORGS):
        items += [
            (_("Schools"), reverse("school-list")),
            (_("Municipalities"), reverse("municipality-list")),
            (_("Bodies"), reverse("body-list")),
        ]
    if can(user, VIEW_RESULTS):
        items.append((_("Results"), reverse("results-home")))
    if can(user, IMPORT_RESULTS):
        items.append((_("Import results"), reverse("results-import")))
    if can(user, VIEW_FINDINGS):
        items.append((_("Signs"), reverse("run-list")))
    if can(user, IMPORT_REGISTRY):
        items.append((_("Registry import"), reverse("registry-import")))
    if can(user, VIEW_PEOPLE) or can(user, MANAGE_USERS):
        items.append((_("Users"), reverse("user-list")))
    if can(user, VIEW_AUDIT):
        items.append((_("Audit log"), reverse("audit-list")))
    items.append((_("Jobs"), reverse("job-list")))
    roles = sorted({role_label(m.role) for m in user.active_memberships()})
    return {"nav": items, "user_roles": roles}
