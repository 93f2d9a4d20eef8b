"""Roles live in code; who holds which role where (Membership) and who is assigned to what and when (Assignment)
live in the database.

A permission is a short string; a role is a set of permissions plus the scope levels it may be
held at and the start page its holder lands on. A role may also be assigned: its holder is then
given a school, or a work at a school, for a period, and holds the role's `assigned` permissions
there on those days only.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# Permissions.
VIEW_ORGS = "orgs.view"
EDIT_ORGS = "orgs.edit"
IMPORT_REGISTRY = "orgs.import_registry"
MANAGE_USERS = "access.manage_users"
VIEW_PEOPLE = "access.view_people"  # names and contacts of people: personal data
VIEW_AUDIT = "audit.view"
VIEW_ALL_JOBS = "core.view_all_jobs"
VIEW_RESULTS = "results.view"
IMPORT_RESULTS = "results.import"
EDIT_REFERENCE = "results.edit_reference"
EDIT_SCHEDULE = "results.edit_schedule"
VIEW_FINDINGS = "detection.view"
RUN_DETECTION = "detection.run"
EDIT_THRESHOLDS = "detection.edit_thresholds"
# The production calendar of working days (core.workdays) is one for the whole installation: every role reads it,
# only the regional administrator changes it (ADR 0019), since a change moves every deadline counted in working days.
VIEW_CALENDAR = "core.view_calendar"
EDIT_CALENDAR = "core.edit_calendar"

PERMISSION_LABELS: dict[str, "StrOrPromise"] = {
    VIEW_ORGS: _("view organisations"),
    EDIT_ORGS: _("edit organisations"),
    IMPORT_REGISTRY: _("import the school registry"),
    MANAGE_USERS: _("manage users and roles"),
    VIEW_PEOPLE: _("view people's names and contacts"),
    VIEW_AUDIT: _("view the audit log"),
    VIEW_ALL_JOBS: _("view every background job"),
    VIEW_RESULTS: _("view results of assessments"),
    IMPORT_RESULTS: _("import results"),
    EDIT_REFERENCE: _("edit the catalogue of assessments"),
    EDIT_SCHEDULE: _("edit schedules of assessments"),
    VIEW_FINDINGS: _("view signs of non-objective results"),
    RUN_DETECTION: _("run detection"),
    EDIT_THRESHOLDS: _("edit detection thresholds"),
    VIEW_CALENDAR: _("view the production calendar"),
    EDIT_CALENDAR: _("edit the production calendar"),
}

_VIEWER = frozenset({VIEW_ORGS, VIEW_CALENDAR})
_READER = _VIEWER | {VIEW_RESULTS}
_COORDINATOR = _READER | {VIEW_PEOPLE, VIEW_FINDINGS}
_ANALYST = _COORDINATOR | {IMPORT_RESULTS, EDIT_SCHEDULE, RUN_DETECTION}
# What an observer or an expert holds on the school or work assigned to them, on the assigned days.
_ON_ASSIGNMENT = frozenset({VIEW_ORGS, VIEW_RESULTS})


@dataclass(frozen=True)
class Role:
    code: str
    label: "StrOrPromise"
    levels: tuple[str, ...]
    permissions: frozenset[str]
    start_page: str  # federal, region, municipality, school, observer, expert
    assigned: frozenset[str] = frozenset()  # held on what is assigned to the holder; empty: never assigned


ROLES: dict[str, Role] = {
    role.code: role
    for role in (
        Role("federal_analyst", _("Federal analyst"), ("federal",), _COORDINATOR, "region"),
        Role(
            "region_admin",
            _("Regional administrator"),
            ("region",),
            frozenset(PERMISSION_LABELS),
            "region",
        ),
        Role("region_analyst", _("Regional analyst"), ("region",), _ANALYST, "region"),
        Role("oiv_official", _("ОИВ official"), ("region",), _READER | {VIEW_FINDINGS}, "region"),
        Role("methodologist", _("ЦОКО/ИРО methodologist"), ("region",), _READER | {VIEW_FINDINGS}, "region"),
        Role(
            "municipal_coordinator",
            _("Municipal coordinator"),
            ("municipality",),
            _COORDINATOR | {EDIT_SCHEDULE},
            "municipality",
        ),
        Role("mms_methodologist", _("ММС methodologist"), ("municipality",), _READER | {VIEW_FINDINGS}, "municipality"),
        Role(
            "school_admin",
            _("School organiser (ответственный организатор ОО)"),
            ("school",),
            _READER | {EDIT_SCHEDULE},
            "school",
        ),
        Role(
            "public_observer",
            _("Public observer"),
            ("region", "municipality", "school"),
            _VIEWER,
            "observer",
            _ON_ASSIGNMENT,
        ),
        Role(
            "independent_observer",
            _("Independent observer"),
            ("region", "municipality"),
            _VIEWER,
            "observer",
            _ON_ASSIGNMENT,
        ),
        Role("expert", _("Expert"), ("region", "municipality"), _VIEWER, "expert", _ON_ASSIGNMENT),
    )
}

ASSIGNABLE_ROLES = tuple(code for code, role in ROLES.items() if role.assigned)
# Permissions some assignment may grant: the gate asks the database for assignments only for these.
ASSIGNABLE_PERMISSIONS = frozenset().union(*(role.assigned for role in ROLES.values()))

# Which start page wins when a user holds several roles: the widest view first.
START_PAGE_PRIORITY = ("region", "municipality", "school", "observer", "expert")


def grants(role_code: str, permission: str) -> bool:
    """Does a membership in this role grant `permission` over its scope?"""
    role = ROLES.get(role_code)
    return role is not None and permission in role.permissions


def grants_on_assignment(role_code: str, permission: str) -> bool:
    """Does an assignment in this role grant `permission` on what is assigned?"""
    role = ROLES.get(role_code)
    return role is not None and permission in role.assigned


def role_label(code: str) -> str:
    role = ROLES.get(code)
    return str(role.label) if role else code


def add_permission(code: str, label: "StrOrPromise", *, granted_to: Iterable[str]) -> None:
    """An app's own permission, granted to existing roles: called in the app's AppConfig.ready(), so a new app
    edits no list here (idempotent: ready() may run more than once in tests)."""
    PERMISSION_LABELS[code] = label
    for role_code in granted_to:
        role = ROLES[role_code]
        ROLES[role_code] = replace(role, permissions=role.permissions | {code})
