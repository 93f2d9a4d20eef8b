"""Reading personal data (names, contacts): only through here, and every read is audited."""

from django.db.models import Q

from objectivity.access.models import User
from objectivity.authz.policy import decide
from objectivity.authz.roles import VIEW_PEOPLE
from objectivity.core.auditing import Action, record


def visible_users(viewer):
    """Users holding a role inside the viewer's scope."""
    q = Q(pk__in=[])
    for m in viewer.active_memberships():
        if m.level == "federal":
            return User.objects.all()
        if m.level == "region":
            q |= (
                Q(memberships__region=m.region_id)
                | Q(memberships__municipality__region=m.region_id)
                | Q(memberships__school__municipality__region=m.region_id)
            )
        elif m.level == "municipality":
            q |= Q(memberships__municipality=m.municipality_id) | Q(memberships__school__municipality=m.municipality_id)
        elif m.level == "school":
            q |= Q(memberships__school=m.school_id)
    return User.objects.filter(pk__in=User.objects.filter(q).values("pk"))


def note_personal_view(viewer, users, *, where: str, scope=None, details: dict | None = None) -> None:
    note_personal_ids(viewer, [u.pk for u in users], where=where, scope=scope, details=details)


def note_personal_ids(viewer, ids: list, *, where: str, scope=None, details: dict | None = None) -> None:
    """Record that `viewer` saw the names or contacts of the users `ids` on `where` (a page with its filter)."""
    if ids:
        record(
            by=viewer,
            action=Action.VIEW_PERSONAL,
            object_type="access.User",
            object_repr=where[:300],
            after={"user_ids": ids, **(details or {})},
            scope=scope or viewer,  # filed where the viewer works, so their administrator sees it
        )


def school_people(school, *, viewer) -> list[User]:
    people = list(User.objects.filter(memberships__school=school).distinct().order_by("username"))
    note_personal_view(viewer, people, where=f"school {school.login}", scope=school)
    return people


def school_people_panel(request, school) -> dict | None:
    """The school card's panel of the school's accounts, for who may see people there."""
    if not decide(request.user, VIEW_PEOPLE, school):
        return None
    return {"people": school_people(school, viewer=request.user)}
