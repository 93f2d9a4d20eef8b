"""The production calendar's page: a year as twelve month grids, why each day differs from Monday–Friday, the counts
per month, and for the regional administrator the days a region's act changes (ADR 0019)."""

import calendar
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from objectivity.authz.policy import decide, require
from objectivity.authz.roles import EDIT_CALENDAR, VIEW_CALENDAR
from objectivity.core import workdays
from objectivity.core.calendar_actions import (
    FIRST_YEAR,
    LAST_YEAR,
    check_override,
    remove_calendar_day,
    set_calendar_day,
    shipped_working,
    status_word,
)
from objectivity.core.models import CalendarDay
from objectivity.core.typography import MONTHS_GENITIVE

HOLIDAY_NAMES = {
    **{(1, d): _l("New Year holidays") for d in (1, 2, 3, 4, 5, 6, 8)},
    (1, 7): _l("Christmas"),
    (2, 23): _l("Defender of the Fatherland Day"),
    (3, 8): _l("International Women's Day"),
    (5, 1): _l("Spring and Labour Day"),
    (5, 9): _l("Victory Day"),
    (6, 12): _l("Russia Day"),
    (11, 4): _l("National Unity Day"),
}
NEIGHBOURS = 2  # year tabs on each side of the year shown


@dataclass(frozen=True)
class Day:
    date: date
    working: bool
    kind: str  # "": the Monday–Friday rule; "holiday", "moved" (a decree or art. 112 part 2), "changed" (an override)
    note: str


def _day_month(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def _decree_words(decree: workdays.Decree) -> dict:
    return {"number": decree.number, "signed": f"{decree.signed:%d.%m.%Y}"}


def _holidays(year: int) -> dict[date, tuple[str, str]]:
    text = _("%(name)s: a non-working holiday (art. 112 of the Labour Code)")
    return {date(year, month, day): ("holiday", text % {"name": name}) for (month, day), name in HOLIDAY_NAMES.items()}


def _decree_transfers(year: int) -> dict[date, tuple[str, str]]:
    decree = workdays.DECREES.get(year)
    if decree is None:
        return {}
    moved_from = _("Day off moved from %(source)s by the Government's decree of %(signed)s № %(number)s")
    made_working = _(
        "A working day: its day off moved to %(target)s by the Government's decree of %(signed)s № %(number)s"
    )
    notes = {}
    for source, target in decree.transfers:
        words = {**_decree_words(decree), "source": _day_month(source), "target": _day_month(target)}
        notes[target] = ("moved", moved_from % words)
        if (source.month, source.day) not in HOLIDAY_NAMES:  # a Saturday or Sunday made working
            notes[source] = ("moved", made_working % words)
    return notes


def _moved_by_the_code(year: int, explained: dict[date, tuple[str, str]]) -> dict[date, tuple[str, str]]:
    """Weekdays off that no holiday and no decree explain: art. 112 part 2 moved a weekend holiday's day off there."""
    weekend_holidays = sorted(
        date(year, month, day)
        for month, day in HOLIDAY_NAMES
        if date(year, month, day).weekday() >= 5 and (month, day) not in workdays.NEW_YEAR_HOLIDAYS
    )
    notes = {}
    for day, working in workdays.shipped_exceptions(year).items():
        earlier = [h for h in weekend_holidays if h < day]
        if working or day in explained or not earlier:
            continue
        text = _("Day off moved from %(holiday)s, a holiday on a day off (art. 112 part 2 of the Labour Code)")
        notes[day] = ("moved", text % {"holiday": _day_month(earlier[-1])})
    return notes


def shipped_notes(year: int) -> dict[date, tuple[str, str]]:
    """{day: (kind, why)} for the days of `year` the shipped calendar sets apart from the Monday–Friday rule, and
    for the holidays that fall on a weekend (non-working twice over, still worth naming)."""
    notes = {**_holidays(year), **_decree_transfers(year)}
    notes.update(_moved_by_the_code(year, notes))
    return notes


def year_days(year: int) -> dict[date, Day]:
    """Every day of `year`: whether it is working (overrides included) and why, when it is not the weekday rule."""
    notes = shipped_notes(year)
    overrides = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    days = {}
    for day, working in workdays.year_calendar(year).items():
        kind, note = notes.get(day, ("", ""))
        if day in overrides:
            shipped = status_word(shipped_working(day))
            kind, note = (
                "changed",
                _("Changed: %(note)s (by the production calendar: %(shipped)s)")
                % {
                    "note": overrides[day].note or "—",
                    "shipped": shipped,
                },
            )
        days[day] = Day(day, working, kind, note)
    return days


def month_grids(year: int, days: dict[date, Day]) -> list[dict]:
    """Twelve months, each with its weeks Monday first (None where a week runs into another month) and counts."""
    months = []
    for month in range(1, 13):
        weeks = [
            [days[d] if d.month == month else None for d in week]
            for week in calendar.Calendar().monthdatescalendar(year, month)
        ]
        shown = [d for d in days.values() if d.date.month == month]
        working = sum(d.working for d in shown)
        name = capfirst(str(MONTHS[month]))  # Django's catalogue writes «июнь» in lower case
        months.append(
            {"name": name, "weeks": weeks, "days": len(shown), "working": working, "off": len(shown) - working}
        )
    return months


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_l("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    working = forms.TypedChoiceField(
        label=_l("The day is"),
        choices=[("0", _l("a day off")), ("1", _l("a working day"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(
        label=_l("Act"),
        max_length=300,
        required=False,  # checked by check_override, with the words that say what to write
        widget=forms.TextInput(attrs={"placeholder": _l("for example, a decree of the region's head № …"), "size": 40}),
    )

    FIELD_OF = {"year": "date", "same": "date", "note": "note"}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            check_override(data["date"], data["working"], data.get("note") or "")
        except ValidationError as error:
            self.add_error(self.FIELD_OF.get(error.code or "", None), error)
        return data


def _year_tabs(year: int) -> list[int]:
    return [y for y in range(year - NEIGHBOURS, year + NEIGHBOURS + 1) if FIRST_YEAR <= y <= LAST_YEAR]


def _context(year: int, form) -> dict:
    days = year_days(year)
    months = month_grids(year, days)
    working = sum(d.working for d in days.values())
    decree = workdays.DECREES.get(year)
    return {
        "year": year,
        "year_label": str(year),  # a year is never written «2 026»
        "years": _year_tabs(year),
        "months": months,
        "weekdays": [str(WEEKDAYS_ABBR[i]) for i in range(7)],
        "total": {"days": len(days), "working": working, "off": len(days) - working},
        "official": workdays.is_official(year),
        "decree": _decree_words(decree) if decree else None,
        "overrides": CalendarDay.objects.filter(date__year=year),
        "form": form,
    }


@require_safe
@login_required
def calendar_today(request):
    require(request.user, VIEW_CALENDAR)
    return redirect("calendar-year", timezone.localdate().year)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_year(request, year: int):
    require(request.user, VIEW_CALENDAR)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("no calendar of that year")
    edit = decide(request.user, EDIT_CALENDAR)
    posted = request.POST if request.method == "POST" else None  # an empty POST is a form sent empty: say so
    form = CalendarDayForm(posted, initial={"date": f"{year:04d}-01-01"}) if edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(edit.reason)  # before the form is read
        if form.is_valid():
            data = form.cleaned_data
            set_calendar_day(by=request.user, day=data["date"], working=data["working"], note=data["note"])
            messages.success(request, _("The day is saved: every deadline in working days now counts it"))
            return redirect("calendar-year", data["date"].year)
    return render(request, "core/calendar.html", _context(year, form))


@login_required
@require_POST
def calendar_day_remove(request, pk: int):
    require(request.user, EDIT_CALENDAR)
    calendar_day = get_object_or_404(CalendarDay, pk=pk)
    year = calendar_day.date.year
    try:
        remove_calendar_day(by=request.user, calendar_day=calendar_day, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The change is removed: the day is as the production calendar says"))
    return redirect("calendar-year", year)
