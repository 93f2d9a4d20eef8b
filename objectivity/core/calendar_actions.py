"""Writes to the production calendar: a day made working or non-working by a region's act, and its removal.

A change moves every deadline counted in working days, so each one is checked here (whoever calls) and audited
with its reason (ADR 0019).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from objectivity.core import typography, workdays
from objectivity.core.actions import action
from objectivity.core.auditing import Action, record, snapshot
from objectivity.core.models import CalendarDay

FIRST_YEAR, LAST_YEAR = 2000, 2100
FIELDS = ("date", "working", "note")


def status_word(working: bool) -> str:
    return _("a working day") if working else _("a day off")


def described(calendar_day: CalendarDay) -> str:
    """«9 марта 2026 г.: рабочий день», for the audit log (the model's own text is for the server's admin)."""
    return f"{typography.ru_date(calendar_day.date)}: {status_word(calendar_day.working)}"


def shipped_working(day: date) -> bool:
    """What the shipped calendar (the decrees and art. 112) says of `day`, whatever is overridden."""
    return workdays.shipped_exceptions(day.year).get(day, day.weekday() < 5)


def check_override(day: date, working: bool, note: str) -> None:
    """ValidationError (in Russian) unless `day` may be set to `working` with the reason `note`."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            _("The calendar covers the years %(first)d–%(last)d only") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="year",
        )
    if working == shipped_working(day):
        words = {"day": typography.ru_date(day), "status": status_word(working)}
        if CalendarDay.objects.filter(date=day).exists():
            message = _("%(day)s is %(status)s by the production calendar: to return it, remove the change of the day")
        else:
            message = _("%(day)s is already %(status)s by the production calendar: there is nothing to change")
        raise ValidationError(message % words, code="same")
    if not note.strip():
        raise ValidationError(_("Give the act that changes the day (for example, «Указ Главы РТ № …»)"), code="note")


@action
def set_calendar_day(*, by, day: date, working: bool, note: str) -> CalendarDay:
    """Make `day` working or not, by the act named in `note`; an existing override of the day is replaced."""
    note = note.strip()
    check_override(day, working, note)
    calendar_day = CalendarDay.objects.filter(date=day).first()
    before = snapshot(calendar_day, FIELDS) if calendar_day else None
    if calendar_day is None:
        calendar_day = CalendarDay(date=day)
    calendar_day.working, calendar_day.note = working, note
    calendar_day.save()  # the save signal clears the working-days cache
    record(
        by=by,
        action=Action.UPDATE if before else Action.CREATE,
        obj=calendar_day,
        before=before,
        after=snapshot(calendar_day, FIELDS),
        note=note,
        scope=by,  # the calendar is national: the change is filed where its author works
        object_repr=described(calendar_day),
    )
    return calendar_day


@action
def remove_calendar_day(*, by, calendar_day: CalendarDay, reason: str) -> None:
    """Give `calendar_day` back to the shipped calendar; `reason` says why (an act repealed, a mistake)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the change is removed"), code="reason")
    before = snapshot(calendar_day, FIELDS)
    record(
        by=by,
        action=Action.DELETE,
        obj=calendar_day,
        before=before,
        note=reason,
        scope=by,
        object_repr=described(calendar_day),
    )
    calendar_day.delete()
