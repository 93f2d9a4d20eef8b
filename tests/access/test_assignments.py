"""Assignments: an observer's school on a day, an expert's work at a school; the gate and the decision count them on
the assigned days only, for the permissions the role holds there, and the database refuses ill-formed ones."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from objectivity.access.actions import create_assignment, end_assignment
from objectivity.access.models import Assignment, AssignmentKind
from objectivity.audit.models import AuditEvent
from objectivity.authz.policy import decide
from objectivity.authz.roles import EDIT_SCHEDULE, VIEW_FINDINGS, VIEW_ORGS, VIEW_RESULTS
from objectivity.orgs.models import Municipality, School
from objectivity.results.models import Assessment, ControlSample, ScheduleEntry
from tests.factories import MembershipFactory, UserFactory

DAY = datetime.date(2025, 4, 15)
NEXT_DAY = DAY + datetime.timedelta(days=1)
DAY_BEFORE = DAY - datetime.timedelta(days=1)


@pytest.fixture
def works(world):
    """Two works written at both schools of the home region, and the control sample of the first."""
    math = Assessment.objects.get(year=2021, grade=4, subject="ma")
    russian = Assessment.objects.exclude(pk=math.pk).first()
    for school in (world.school, world.other_school):
        for work in (math, russian):
            ScheduleEntry.objects.create(school=school, assessment=work, class_label="4А", date=DAY)
        ControlSample.objects.create(school=school, assessment=math)
    return math, russian


def assign(world, user, role, *, school, work=None, starts=DAY, ends=DAY):
    return create_assignment(
        by=world.users["region_admin"], user=user, role=role, school=school, assessment=work, starts=starts, ends=ends
    )


def schedule(user, permission=VIEW_RESULTS, **on):
    rows = ScheduleEntry.objects.visible_to(user, permission, **on)
    return sorted((e.school.login, e.assessment_id) for e in rows)


def test_an_observer_sees_the_assigned_school_on_the_assigned_day_only(world, works):
    observer = UserFactory(username="nabl")  # no membership at all: only the assignment
    assign(world, observer, "public_observer", school=world.school)
    math, russian = works
    assert schedule(observer, on=DAY) == sorted([("sch220001", math.pk), ("sch220001", russian.pk)])
    assert schedule(observer, on=NEXT_DAY) == [] and schedule(observer, on=DAY_BEFORE) == []
    assert list(School.objects.visible_to(observer, VIEW_ORGS, on=DAY)) == [world.school]
    assert not School.objects.visible_to(observer, VIEW_ORGS, on=NEXT_DAY).exists()
    assert [c.school for c in ControlSample.objects.visible_to(observer, VIEW_RESULTS, on=DAY)] == [world.school]


def test_the_gate_counts_today_by_default(world, works):
    observer = UserFactory(username="nabl")
    today = timezone.localdate()
    assign(world, observer, "public_observer", school=world.other_school, starts=today, ends=today)
    assert {login for login, _ in schedule(observer)} == {"sch220002"}
    yesterday = today - datetime.timedelta(days=1)
    assign(world, observer, "public_observer", school=world.school, starts=yesterday, ends=yesterday)
    assert {login for login, _ in schedule(observer)} == {"sch220002"}


def test_an_expert_sees_the_assigned_work_at_the_assigned_school_only(world, works):
    expert = world.users["expert"]  # a regional membership that grants no results
    math, russian = works
    assign(world, expert, "expert", school=world.school, work=math, starts=DAY, ends=DAY + datetime.timedelta(days=9))
    assert schedule(expert, on=NEXT_DAY) == [("sch220001", math.pk)]
    assert schedule(expert, on=DAY + datetime.timedelta(days=10)) == []
    assert [(c.school, c.assessment) for c in ControlSample.objects.visible_to(expert, VIEW_RESULTS, on=DAY)] == [
        (world.school, math)
    ]
    # The school's own row has no work: the work assigned at it shows the school.
    assert list(School.objects.visible_to(expert, VIEW_RESULTS, on=DAY)) == [world.school]


def test_an_assignment_grants_only_its_roles_permissions_and_only_on_models_that_declare_it(world, works):
    observer = UserFactory(username="nabl")
    assign(world, observer, "public_observer", school=world.school)
    assert schedule(observer, EDIT_SCHEDULE, on=DAY) == []
    assert schedule(observer, VIEW_FINDINGS, on=DAY) == []
    assert not Municipality.objects.visible_to(observer, VIEW_ORGS, on=DAY).exists()
    assert not AuditEvent.objects.visible_to(observer, VIEW_ORGS, on=DAY).exists()


def test_a_role_lacking_the_permission_sees_nothing_even_with_a_membership(world, works):
    observer = world.users["public_observer"]  # the first municipality, whose school writes both works
    assert schedule(observer) == []
    assert not School.objects.visible_to(observer, VIEW_RESULTS).exists()
    assert list(School.objects.visible_to(observer, VIEW_ORGS)) == [world.school]
    school_admin = world.users["school_admin"]
    MembershipFactory(user=school_admin, role="expert", level="municipality", municipality=world.other_municipality)
    school_admin.forget_memberships()
    assert {login for login, _ in schedule(school_admin)} == {"sch220001"}  # the expert role adds no results
    assert set(School.objects.visible_to(school_admin, VIEW_ORGS)) == {world.school, world.other_school}


def test_the_decision_counts_assignments_for_their_rows_and_days(world, works):
    observer = UserFactory(username="nabl")
    assign(world, observer, "public_observer", school=world.school)
    here = ScheduleEntry.objects.filter(school=world.school).first()
    there = ScheduleEntry.objects.filter(school=world.other_school).first()
    yes = decide(observer, VIEW_RESULTS, here, on=DAY)
    assert yes and "Назначение" in yes.reason and "15.04.2025" in yes.reason and "СОШ № 1" in yes.reason
    assert decide(observer, VIEW_ORGS, world.school, on=DAY)
    assert not decide(observer, VIEW_RESULTS, here, on=NEXT_DAY)
    assert not decide(observer, VIEW_RESULTS, here, on=DAY_BEFORE)
    assert not decide(observer, VIEW_RESULTS, there, on=DAY)
    assert not decide(observer, EDIT_SCHEDULE, here, on=DAY)
    assert not decide(observer, VIEW_RESULTS, on=DAY), "an assignment opens no page of a whole region"
    assert not decide(observer, VIEW_ORGS, world.municipality, on=DAY)


def test_the_decision_for_an_expert_names_the_work(world, works):
    math, russian = works
    assign(world, world.users["expert"], "expert", school=world.school, work=math)
    entry = ScheduleEntry.objects.get(school=world.school, assessment=math)
    other_work = ScheduleEntry.objects.get(school=world.school, assessment=russian)
    assert decide(world.users["expert"], VIEW_RESULTS, entry, on=DAY)
    assert not decide(world.users["expert"], VIEW_RESULTS, other_work, on=DAY)


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": AssignmentKind.SCHOOL, "with_work": True},  # a school assignment naming a work
        {"kind": AssignmentKind.WORK, "with_work": False},  # a work assignment naming none
        {"kind": AssignmentKind.SCHOOL, "with_work": False, "ends": DAY_BEFORE},  # ends before it starts
        {"kind": "class", "with_work": False},  # no such kind
    ],
)
def test_the_database_refuses_ill_formed_assignments(world, works, bad):
    math, _ = works
    values = {
        "user": world.users["expert"],
        "role": "expert",
        "kind": bad["kind"],
        "school": world.school,
        "assessment": math if bad["with_work"] else None,
        "starts": DAY,
        "ends": bad.get("ends", DAY),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(**values)
    Assignment.objects.create(**(values | {"kind": AssignmentKind.WORK, "assessment": math, "ends": DAY}))


def test_the_action_refuses_a_role_that_is_never_assigned_and_a_period_backwards(world, works):
    user = world.users["expert"]
    with pytest.raises(ValidationError):
        assign(world, user, "region_analyst", school=world.school)
    with pytest.raises(ValidationError):
        assign(world, user, "expert", school=world.school, starts=DAY, ends=DAY_BEFORE)
    assert not Assignment.objects.exists()


def test_creating_an_assignment_is_audited_in_the_schools_scope(world, works):
    math, _ = works
    assignment = assign(world, world.users["expert"], "expert", school=world.school, work=math)
    row = AuditEvent.objects.get(object_type="access.Assignment", action="create")
    assert row.object_id == str(assignment.pk) and row.actor == world.users["region_admin"]
    assert row.after["school"] == "sch220001" and row.after["kind"] == "work" and row.after["starts"] == "2025-04-15"
    assert (row.region, row.municipality, row.school) == (world.region, world.municipality, world.school)
    assert assignment.assigned_by == world.users["region_admin"]


def test_ending_an_assignment_stops_it_from_that_day(world, works):
    observer = UserFactory(username="nabl")
    running = assign(
        world, observer, "public_observer", school=world.school, starts=DAY, ends=DAY + datetime.timedelta(4)
    )
    end_assignment(by=world.users["region_admin"], assignment=running, today=NEXT_DAY + datetime.timedelta(1))
    running.refresh_from_db()
    assert running.ends == NEXT_DAY
    assert schedule(observer, on=NEXT_DAY) and not schedule(observer, on=NEXT_DAY + datetime.timedelta(1))
    row = AuditEvent.objects.get(object_type="access.Assignment", action="update")
    assert row.before == {"ends": str(DAY + datetime.timedelta(4))} and row.after == {"ends": str(NEXT_DAY)}
    with pytest.raises(ValueError):
        end_assignment(by=world.users["region_admin"], assignment=running, today=DAY + datetime.timedelta(3))


def test_ending_an_assignment_that_has_not_begun_withdraws_it(world, works):
    observer = UserFactory(username="nabl")
    later = assign(world, observer, "public_observer", school=world.school, starts=NEXT_DAY, ends=NEXT_DAY)
    end_assignment(by=world.users["region_admin"], assignment=later, today=DAY)
    assert not Assignment.objects.exists() and schedule(observer, on=NEXT_DAY) == []
    assert AuditEvent.objects.get(object_type="access.Assignment", action="delete").before["user"] == "nabl"
