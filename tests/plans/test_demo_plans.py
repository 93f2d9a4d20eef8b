"""The demo loader's plans: the region's, the first municipality's, and the plans of schools with signs in the latest
run and of the demo school administrator's school, with executors, reports in every state and something due."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from objectivity.detection.models import Finding
from objectivity.orgs.models import School
from objectivity.plans import reminders
from objectivity.plans.actions import measure_rows_of
from objectivity.plans.forms import current_school_year
from objectivity.plans.models import ExecutionReport, Plan, Status
from objectivity.plans.templates import template
from objectivity.results.models import Assessment


def _flag_two_schools(run, progress):
    """Instead of the analysis: a completed run with signs in two schools (one outside the first municipality)."""
    work = Assessment.objects.get_or_create(year=run.year, grade=4, subject="ma")[0]
    run.assessments.add(work)
    schools = School.objects.filter(municipality__region=run.region).order_by("login")
    for school in (schools[3], schools[250]):
        Finding.objects.create(
            run=run, assessment=work, school=school, n=20, status="ok", probability=0.9, risk="high", flagged=True
        )
    run.status = "done"
    run.save(update_fields=["status"])
    return {"index": None}


@pytest.fixture
def demo(db, monkeypatch):
    import objectivity.results.demo as results_demo

    monkeypatch.setattr(results_demo, "demo_years", lambda today=None: [2026])
    monkeypatch.setattr(results_demo, "load_demo_results", lambda region, *, by, seed, progress: [])
    monkeypatch.setattr("objectivity.detection.demo.execute", _flag_two_schools)
    out = io.StringIO()
    call_command("load_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_demo_makes_plans_for_the_region_a_municipality_and_schools_with_signs(demo):
    today = timezone.localdate()
    plans = Plan.objects.all()
    assert sorted(plans.values_list("level", flat=True)) == ["municipality", "region", "school", "school", "school"]
    assert set(plans.values_list("school_year", flat=True)) == {current_school_year(today)}
    flagged = set(Finding.objects.values_list("school__login", flat=True))
    assert flagged | {"sch220001"} == set(plans.filter(level="school").values_list("school__login", flat=True))
    assert "Планы мероприятий на" in demo


def test_the_demo_school_has_reports_in_every_state_and_a_measure_due_soon(demo):
    plan = Plan.objects.get(school__login="sch220001")
    measures = plan.measures.all()
    assert {u.username for m in measures for u in m.executors.all()} == {"sch220001"}
    assert {Status.ACCEPTED, Status.RETURNED, Status.REPORTED} <= set(measures.values_list("status", flat=True))
    returned = ExecutionReport.objects.get(measure__plan=plan, decision="returned")
    assert returned.decision_reason and returned.files.get().kind == "pdf"
    today = timezone.localdate()
    soon = [m for m in measures if m.is_open and m.due_date and today <= m.due_date <= reminders.window_end(today)]
    assert soon, "the briefing before the next procedure falls due within the reminder window"
    months = measures.get(deadline_text="октябрь, апрель")
    assert months.status == Status.PLANNED and months.due_date == datetime.date(plan.school_year, 10, 31)


def test_the_demo_executors_get_their_reminders(demo):
    reminders.send_reminders()
    assert "sch220001@demo.invalid" in {address for message in mail.outbox for address in message.to}


def test_seed_years_move_to_the_plans_year():
    rows = measure_rows_of(template("region-2021-22"), 2026)
    assert [r["deadline_text"] for r in rows[:2]] == ["30.11.2026", "29.12.2026"]
    assert (
        current_school_year(datetime.date(2026, 12, 3)) == 2026
        and current_school_year(datetime.date(2027, 8, 31)) == 2026
    )
