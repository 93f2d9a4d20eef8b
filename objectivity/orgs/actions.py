"""Write actions on organisations: atomic, audited, `by=` the acting user."""

from objectivity.core.actions import action
from objectivity.core.auditing import Action, changed, record, snapshot
from objectivity.orgs.models import Body, School

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
