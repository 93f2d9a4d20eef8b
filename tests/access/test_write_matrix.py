"""Every URL of the project, POSTed to with empty data as every role: a write checks the right to write.

For each URL of the permission matrix (test_permission_matrix.MATRIX) and each role:

* a POST never answers 500;
* a role that may not see the page is refused (403, 404 or 405) and the database is unchanged;
* a role that may see the page but not write through it (not in WRITERS) is refused with 403 or 404 and the
  database is unchanged: the view checks the right before it reads the form, so nobody without the right gets
  the form's errors back, let alone a save;
* a writer's empty POST is not refused (WRITERS is not narrower than the code);
* a POST of READ_ONLY_POSTS writes nothing but the access log (logins, logouts, personal data seen);
* a page that takes no POST answers 405 to everyone.

"Unchanged" compares every row of every table (sessions aside), not only their counts: the test world is a few
hundred rows, so updates (an account disabled, a password reset) are caught as well as inserts and deletes.
The project keeps no audit row of a refused request, so the audit log is compared too.

test_every_post_is_classified finds each URL whose view answers POST (anything but 405 for the regional
administrator, who may see every page) and requires it to be in WRITERS or in READ_ONLY_POSTS, so a new form
cannot skip these checks.
"""

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.sessions.models import Session

from objectivity.audit.models import Action, AuditEvent
from tests.access.test_permission_matrix import EVERYONE, MATRIX, PLAN_EDITORS, RESULT_IMPORTERS, _url

# The regional administrators: of the home region, and of the foreign one (whose own region is the scope).
ADMINS = {"region_admin", "outsider"}
# Holders of results.import somewhere at regional level.
IMPORTERS = {"region_admin", "region_analyst", "outsider"}
# Holders of results.edit_schedule; the foreign administrator only in their own region.
SCHEDULERS = {"region_admin", "region_analyst", "municipal_coordinator", "school_admin"}

# URL name -> the roles whose POST may write, with the permission the view checks before it reads the form.
# Each set must lie within the roles that may see the page (MATRIX[name].allowed).
WRITERS = {
    "password-change": EVERYONE,  # one's own password: any logged-in user
    # orgs.edit
    "body-create": ADMINS,
    "body-edit": {"region_admin"},  # a body of the home region
    "school-edit": {"region_admin"},  # a school of the home region
    # orgs.import_registry
    "registry-import": ADMINS,
    "registry-columns": ADMINS,
    # access.manage_users
    "user-create": ADMINS,
    "school-accounts": ADMINS,
    "user-reset-password": {"region_admin"},  # a user of the home region
    "user-toggle-active": {"region_admin"},
    "membership-add": {"region_admin"},
    "membership-remove": {"region_admin"},
    # results.import
    "results-import": IMPORTERS,
    "schedule-import": IMPORTERS,
    "control-import": IMPORTERS,
    "import-withdraw": RESULT_IMPORTERS,  # an import of the home region
    # reports.edit_report_texts: the analytic report's text sections of one's own region
    "analytic-report": ADMINS | {"region_analyst"},
    # results.import and orgs.import_registry: adding the import's unknown schools is a registry write
    "import-add-schools": {"region_admin"},
    # results.edit_reference: the catalogue and the federal windows are shared by every region
    "catalogue-import": ADMINS,
    "description-import": ADMINS,
    "reference-detail": ADMINS,  # every results viewer sees the page
    "windows": ADMINS,  # every results viewer sees the page
    # results.edit_schedule
    "schedule-add": SCHEDULERS | {"outsider"},
    "schedule-delete": SCHEDULERS,  # a line of the home region's school
    # detection.run
    "run-start": IMPORTERS,
    # reports.import_federal_list
    "federal-import": IMPORTERS,
    "federal-columns": IMPORTERS,
    # detection.edit_thresholds: the regional viewers of findings see the page
    "thresholds": ADMINS,
    # plans.edit: the plan's controllers (the test's plan is the school sch220001's)
    "plan-create": {"region_admin", "region_analyst", "oiv_official", "municipal_coordinator", "school_admin"}
    | {"outsider"},
    "plan-amend": PLAN_EDITORS,
    "plan-order": PLAN_EDITORS,
    "measure-new": PLAN_EDITORS,
    "measure-edit": PLAN_EDITORS,
    "measure-report": PLAN_EDITORS,  # and the measure's executors (none in the test world)
    "measure-start": PLAN_EDITORS,
    "measure-cancel": PLAN_EDITORS,
    "measure-delete": PLAN_EDITORS,
    "report-decide": PLAN_EDITORS,
    # core.edit_calendar: every role sees the calendar; the regional administrators change it (ADR 0019)
    "calendar-year": ADMINS,
    "calendar-day-remove": ADMINS,
}

# URL name -> why its POST needs no right beyond seeing the page.
READ_ONLY_POSTS = {  # pages that only show something take GET and HEAD only (require_safe): 405 to a POST
    "login": "checks a password; writes only the access log (the refused try and the lock-out's counter)",
    "logout": "ends one's own session; writes only the access log",
    "password-reset": "e-mails a reset link; writes nothing",
    "password-reset-confirm": "sets a password only with the e-mailed token, which is its guard (here invalid)",
    "health": "monitoring: answers any method alike",
}

# Gaps found by this test and reported, kept visible as strict xfails: (URL name, role) -> what goes wrong.
# Empty: the one found (a refused POST to the thresholds page stored the default thresholds) is fixed.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

# What each kind of case accepts as an answer.
REFUSED_UNSEEN = (403, 404, 405)  # may not see the page
REFUSED_WRITE = (403, 404)  # sees the page, may not write through it
NO_POST = (405,)

# Audit actions that record access, not a change of the business.
ACCESS_LOG_ACTIONS = {Action.LOGIN, Action.LOGIN_FAILED, Action.LOGOUT, Action.VIEW_PERSONAL}


def _kind(name: str, who: str) -> str:
    """What a POST to `name` by `who` must do: be refused, write, read, or be refused as a method."""
    if who not in MATRIX[name].allowed:
        return "unseen"
    if name in WRITERS:
        return "writes" if who in WRITERS[name] else "non-writer"
    return "reads" if name in READ_ONLY_POSTS else "no-post"


def _cases():
    for name in sorted(MATRIX):
        for who in sorted(EVERYONE):
            gap = KNOWN_GAPS.get((name, who))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(name, who, marks=marks, id=f"{name}-{who}")


def _database(*, with_access_log: bool = True) -> dict[str, list]:
    """Every row of every table by model, sessions aside; optionally without the access log."""
    rows = {}
    for model in apps.get_models():
        if model is Session or not model._meta.managed or (model is AccessAttempt and not with_access_log):
            continue
        queryset = model._base_manager.order_by("pk")
        if model is AuditEvent and not with_access_log:
            queryset = queryset.exclude(action__in=ACCESS_LOG_ACTIONS)
        rows[model._meta.label] = list(queryset.values_list())
    return rows


def _changes(before: dict[str, list], after: dict[str, list]) -> list[str]:
    """The tables that differ: rows added or removed, or the same number of rows with other values."""
    return [
        f"{label}: {len(before[label])} → {len(after[label])} rows"
        if len(before[label]) != len(after[label])
        else f"{label}: rows edited"
        for label in before
        if before[label] != after[label]
    ]


def _post(client, world, name: str, who: str):
    client.force_login(world.users[who])
    return client.post(_url(name, MATRIX[name], world), {})


@pytest.mark.parametrize(("name", "who"), _cases())
def test_post_as_each_role(name, who, world, client):
    kind = _kind(name, who)
    client.force_login(world.users[who])
    url = _url(name, MATRIX[name], world)  # may create the objects the URL names: before the snapshot
    before = _database(with_access_log=kind != "reads")
    status = client.post(url, {}).status_code
    assert status != 500, (name, who)
    if kind == "writes":
        assert status not in REFUSED_UNSEEN, f"{who} may write through {name} but is refused with {status}"
        return
    expected = {"unseen": REFUSED_UNSEEN, "non-writer": REFUSED_WRITE, "no-post": NO_POST}.get(kind)
    if expected:
        assert status in expected, f"{who} ({kind}) POSTing to {name}: {status}, expected one of {expected}"
    changes = _changes(before, _database(with_access_log=kind != "reads"))
    assert not changes, f"{who} ({kind}) POSTing to {name} ({status}) changed the database: {changes}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_post_is_classified(name, world, client):
    assert "region_admin" in MATRIX[name].allowed, "this guard POSTs as the regional administrator"
    handles_post = _post(client, world, name, "region_admin").status_code != 405
    classified = name in WRITERS or name in READ_ONLY_POSTS
    if handles_post:
        assert classified, f"{name} takes POST: add it to WRITERS, or to READ_ONLY_POSTS with the reason"
    else:
        assert not classified, f"{name} answers POST with 405: remove it from WRITERS / READ_ONLY_POSTS"


def test_writers_lie_within_the_viewers():
    assert not set(WRITERS) & set(READ_ONLY_POSTS), "a URL is either written through or read-only"
    assert set(WRITERS) | set(READ_ONLY_POSTS) <= set(MATRIX), "entries for URLs that no longer exist"
    for name, roles in WRITERS.items():
        assert roles <= MATRIX[name].allowed, (
            f"{name}: writers who may not see the page: {roles - MATRIX[name].allowed}"
        )
    for name, who in KNOWN_GAPS:
        assert _kind(name, who) == "non-writer", f"stale known gap: {name}, {who}"
