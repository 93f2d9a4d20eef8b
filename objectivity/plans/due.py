"""A measure's due date, read from its deadline's text, the plan's school year, the procedure date and the production
calendar: never typed by a person, recomputed whenever the measure or its reports change."""

import datetime

from django.utils import timezone

from objectivity.core import workdays
from objectivity.plans.deadlines import Deadline, Kind, parse_deadline


class _Calendar:
    """The production calendar of the kernel, as `Deadline.due_dates` expects it."""

    @staticmethod
    def add_working_days(day: datetime.date, n: int) -> datetime.date:
        return workdays.add_working_days(day, n)


CALENDAR = _Calendar()


def deadline_of(measure) -> Deadline:
    return parse_deadline(measure.deadline_text or "", measure.plan.school_year)


def procedure_date_of(measure, today: datetime.date | None = None) -> datetime.date | None:
    """The day a deadline in working days counts from: the one set on the measure, else the next day in the school's
    schedule of the measure's works (its school, or the plan's), within the plan's school year; the last such day
    once all have passed."""
    if measure.procedure_date:
        return measure.procedure_date
    if measure.pk is None:
        return None
    from objectivity.results.models import ScheduleEntry

    schools = [s.pk for s in measure.schools.all()] or ([measure.plan.school_id] if measure.plan.school_id else [])
    if not schools:
        return None
    plan = measure.plan
    entries = ScheduleEntry.objects.filter(school__in=schools, date__range=(plan.year_start, plan.year_end))
    works = [a.pk for a in measure.assessments.all()]
    if works:
        entries = entries.filter(assessment__in=works)
    days = sorted(set(entries.values_list("date", flat=True)))
    today = today or timezone.localdate()
    upcoming = [d for d in days if d >= today]
    return upcoming[0] if upcoming else (days[-1] if days else None)


def compute_due(measure, today: datetime.date | None = None) -> datetime.date | None:
    """The next day the measure falls due. For recurring months: the first month's end after the month of the
    latest report (each report answers one occurrence); the last one once all are answered."""
    deadline = deadline_of(measure)
    procedure = procedure_date_of(measure, today) if deadline.kind is Kind.RELATIVE else None
    if deadline.kind is Kind.RELATIVE and procedure is None:
        return None
    dates = deadline.due_dates(procedure, CALENDAR)
    if not dates:
        return None
    if deadline.kind is not Kind.MONTHS or measure.pk is None:
        return dates[-1]
    latest = measure.reports.order_by("-filed_at").values_list("filed_at", flat=True).first()
    if latest is None:
        return dates[0]
    answered = timezone.localtime(latest).date()
    month_end = _month_end(answered)
    later = [d for d in dates if d > month_end]
    return later[0] if later else dates[-1]


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def refresh_due(measure) -> None:
    """Store the computed due date (without touching other fields)."""
    due = compute_due(measure)
    if due != measure.due_date:
        measure.due_date = due
        type(measure).objects.filter(pk=measure.pk).update(due_date=due)
