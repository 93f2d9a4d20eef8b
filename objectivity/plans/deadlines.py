"""Reading a plan's deadline as people write it: «30.11.2021», «До 5 декабря 2023 года», «Январь- февраль 2024 года»,
«в течение учебного года», «октябрь, апрель», «не позднее 1 рабочего дня до проведения оценочной процедуры».

`parse_deadline(text, school_year_start)` never fails: what it cannot read is kept as UNPARSED with its text, for a
person to set by hand. A month without a year belongs to the plan's school year: September..December to the year
it starts in, January..August to the next.

The school year is taken to end on 31 August, not on 31 May when lessons end: a school year lasts until the next
one begins on 1 September, and the seeds' plans put measures into the summer («Июнь 2024 года», «01.07.2022» for
rechecks), so «в течение учебного года» is due by the last day of the plan's year. A half-year of lessons is
another thing: «II полугодие» ends on 31 May.

A deadline relative to a procedure («не позднее 1 рабочего дня до проведения», «в день проведения», «в течение 3
рабочих дней после проведения») keeps its number of working days and its direction; it becomes a date only with a
school's procedure date and a production calendar (`add_working_days(day, n)`, n < 0 going back).
"""

from __future__ import annotations

import calendar as gregorian
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol


class Kind(StrEnum):
    DATE = "date"  # one day: «30.11.2021», «До 5 декабря 2023 года» («до» is «by»: due on that day)
    PERIOD = "period"  # from–to: «с 1 по 15 октября», «Январь- февраль 2024 года», «Март 2024 года», «I полугодие»
    SCHOOL_YEAR = "school_year"  # «в течение учебного года», «Весь период», «постоянно»
    MONTHS = "months"  # recurring months: «октябрь, апрель», «ежемесячно»
    RELATIVE = "relative"  # to a school's procedure date, in working days
    UNPARSED = "unparsed"  # kept as text, set by a person


class Relation(StrEnum):
    BEFORE = "before"
    ON = "on"
    AFTER = "after"


class WorkingDays(Protocol):
    """A production calendar: `n` working days after `day` (n < 0: before it; n == 0: `day` itself)."""

    def add_working_days(self, day: date, n: int) -> date: ...


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: Kind
    start: date | None = None  # PERIOD, SCHOOL_YEAR: the first day
    end: date | None = None  # DATE: the day; PERIOD, SCHOOL_YEAR: the last day
    months: tuple[date, ...] = ()  # MONTHS: the last day of each month, in order
    working_days: int = 0  # RELATIVE: how many working days before or after the procedure
    relation: Relation | None = None  # RELATIVE: before, on or after the procedure date

    @property
    def offset(self) -> int:
        """RELATIVE: the signed number of working days from the procedure date (−1 for one day before)."""
        return -self.working_days if self.relation is Relation.BEFORE else self.working_days

    def due(self, procedure_date: date | None = None, calendar: WorkingDays | None = None) -> date | None:
        """The last day the measure is due: the day (DATE), the period's or the school year's last day, the last
        of the recurring months' last days (MONTHS); for RELATIVE the procedure date moved by the working days,
        which needs the procedure date (and, unless on the day itself, a calendar). None for UNPARSED."""
        dates = self.due_dates(procedure_date, calendar)
        return dates[-1] if dates else None

    def due_dates(self, procedure_date: date | None = None, calendar: WorkingDays | None = None) -> list[date]:
        """Every day the measure falls due: the last day of each month for MONTHS, else the one due day."""
        if self.kind is Kind.MONTHS:
            return list(self.months)
        if self.kind is Kind.RELATIVE:
            if procedure_date is None:
                raise ValueError(f"the deadline {self.text!r} is relative to a procedure: give its date")
            if self.offset == 0:
                return [procedure_date]
            if calendar is None:
                raise ValueError(f"the deadline {self.text!r} counts working days: give a production calendar")
            return [calendar.add_working_days(procedure_date, self.offset)]
        return [self.end] if self.end is not None else []


# ---- the words ----------------------------------------------------------------------------------------------

_MONTH_STEMS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,  # май, мая, мае
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
MONTH = r"(?:январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|августа?|августе|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
YEAR = r"(?:\s*(\d{4})\s*(?:года|год|г\.?)?)?"
_NUMBER_WORDS = {
    **dict.fromkeys(("один", "одного"), 1),
    **dict.fromkeys(("два", "двух"), 2),
    **dict.fromkeys(("три", "трех"), 3),
    **dict.fromkeys(("четыре", "четырех"), 4),
    **dict.fromkeys(("пять", "пяти"), 5),
    **dict.fromkeys(("десять", "десяти"), 10),
}
_DAYS = rf"(\d+|{'|'.join(_NUMBER_WORDS)})\s+рабоч(?:ий|его|их)\s+(?:день|дня|дней)"
_PROCEDURE = r"(?:дня\s+|даты\s+)?проведения(?:\s|$)"

_NUMERIC_DATE = re.compile(r"^(?:(?:до|к|не позднее)\s+)?(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s*(?:года|г\.?))?$")
_WORD_DATE = re.compile(rf"^(?:(?:до|к|не позднее)\s+)?(\d{{1,2}})\s+({MONTH}){YEAR}$")
_DAY_RANGE = re.compile(rf"^(?:с\s+)?(\d{{1,2}})(?:\s+({MONTH}))?\s*(?:по|-)\s*(\d{{1,2}})\s+({MONTH}){YEAR}$")
_DATE_RANGE = re.compile(
    r"^(?:с\s+)?(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s*г\.?)?\s*(?:по|-)\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s*г(?:ода|\.)?)?$"
)
_MONTH_RANGE = re.compile(rf"^(?:(?:в|с)\s+)?({MONTH}){YEAR}\s*(?:по|-)\s*({MONTH}){YEAR}$")
_ONE_MONTH = re.compile(rf"^(?:(?:в|до конца|в течение)\s+)?({MONTH}){YEAR}$")
_MONTH_LIST = re.compile(rf"^(?:в\s+)?{MONTH}(?:\s*(?:,|;|\bи\b)?\s*{MONTH})+$")
_HALF_YEAR = re.compile(
    r"^(?:(?:в|в течение|во)\s+)?(i|1|первое|первого|ii|2|второе|второго)\s*-?(?:е|го|м)?\s+полугоди[еия]$"
)
_SCHOOL_YEAR = re.compile(
    r"^(?:(?:в\s+)?течени[ие]\s+(?:всего\s+)?(?:(?:\d{4}\s*[-/]\s*\d{2,4}\s+)?учебного\s+)?(?:года|периода)"
    r"|весь\s+(?:период|учебный\s+год)|постоянно|в\s+течение\s+всего\s+периода)(?:\s|,|$)"
)
_MONTHLY = re.compile(r"^ежемесячно(?:\s|,|$)")
_BEFORE = re.compile(rf"^(?:не позднее|за)\s+{_DAYS}\s+до\s+{_PROCEDURE}")
_AFTER = re.compile(rf"^(?:в течение|не позднее)\s+{_DAYS}\s+(?:после|с момента|со дня)\s+{_PROCEDURE}")
_ON = re.compile(
    r"^(?:в\s+)?(?:день|дни)\s+проведения(?:\s|$)"
    r"|^(?:по|в соответствии с)\s+график(?:у|ом)\s+проведения\s+\S"  # «По графику проведения ВПР»: on the procedure's day
)


def parse_deadline(text: str, school_year_start: int) -> Deadline:
    """Read a deadline's text for the school year that starts in `school_year_start`; never fails."""
    source = text
    text = _plain(text)
    if not text:
        return Deadline(source, Kind.UNPARSED)
    for reader in (_relative, _date, _period, _school_year, _months):
        try:
            found = reader(source, text, school_year_start)
        except ValueError:  # a day that does not exist, such as 31.02
            return Deadline(source, Kind.UNPARSED)
        if found is not None:
            return found
    return Deadline(source, Kind.UNPARSED)


def _plain(text: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"\s*[\u2010-\u2015\u2212-]\s*", "-", text)  # dashes, with or without spaces around
    text = " ".join(text.split())
    return text.rstrip(".;, ")


def _relative(source: str, text: str, start: int) -> Deadline | None:
    for pattern, relation in ((_BEFORE, Relation.BEFORE), (_AFTER, Relation.AFTER)):
        match = pattern.match(text)
        if match:
            count = match.group(1)
            days = int(count) if count.isdigit() else _NUMBER_WORDS[count]
            return Deadline(source, Kind.RELATIVE, working_days=days, relation=relation)
    if _ON.match(text):
        return Deadline(source, Kind.RELATIVE, working_days=0, relation=Relation.ON)
    return None


def _date(source: str, text: str, start: int) -> Deadline | None:
    match = _NUMERIC_DATE.match(text)
    if match:
        return Deadline(source, Kind.DATE, end=_numeric(*match.groups()))
    match = _WORD_DATE.match(text)
    if match:
        day, month_word, year = match.groups()
        month = _month(month_word)
        return Deadline(source, Kind.DATE, end=date(_year(month, year, start), month, int(day)))
    return None


def _period(source: str, text: str, start: int) -> Deadline | None:
    match = _DATE_RANGE.match(text)
    if match:
        first, last = _numeric(*match.groups()[:3]), _numeric(*match.groups()[3:])
        return _span(source, first, last)
    match = _DAY_RANGE.match(text)
    if match:
        first_day, first_month_word, last_day, last_month_word, year = match.groups()
        last_month = _month(last_month_word)
        first_month = _month(first_month_word) if first_month_word else last_month
        last = date(_year(last_month, year, start), last_month, int(last_day))
        first_year = last.year - 1 if first_month > last_month else last.year
        return _span(source, date(first_year, first_month, int(first_day)), last)
    match = _MONTH_RANGE.match(text)
    if match:
        first_word, first_year_text, last_word, last_year_text = match.groups()
        first_month, last_month = _month(first_word), _month(last_word)
        if first_year_text:
            first_year = int(first_year_text)
        elif last_year_text:
            first_year = int(last_year_text) - (1 if first_month > last_month else 0)
        else:
            first_year = _year(first_month, None, start)
        last_year = int(last_year_text) if last_year_text else first_year + (1 if last_month < first_month else 0)
        return _span(source, date(first_year, first_month, 1), _month_end(last_year, last_month))
    match = _ONE_MONTH.match(text)
    if match:
        month = _month(match.group(1))
        year = _year(month, match.group(2), start)
        return _span(source, date(year, month, 1), _month_end(year, month))
    match = _HALF_YEAR.match(text)
    if match:
        first_half = match.group(1) in ("i", "1", "первое", "первого")
        if first_half:  # lessons' first half-year: September to December
            return _span(source, date(start, 9, 1), date(start, 12, 31))
        return _span(source, date(start + 1, 1, 1), date(start + 1, 5, 31))  # the second: to the end of lessons
    return None


def _school_year(source: str, text: str, start: int) -> Deadline | None:
    if _SCHOOL_YEAR.match(text):
        return Deadline(source, Kind.SCHOOL_YEAR, start=date(start, 9, 1), end=date(start + 1, 8, 31))
    return None


def _months(source: str, text: str, start: int) -> Deadline | None:
    if _MONTHLY.match(text):
        months = [(start, m) for m in range(9, 13)] + [(start + 1, m) for m in range(1, 9)]
    elif _MONTH_LIST.match(text):
        numbers = [_month(word) for word in re.findall(MONTH, text)]
        if len(set(numbers)) != len(numbers):
            return None
        months = sorted((_year(m, None, start), m) for m in numbers)
    else:
        return None
    return Deadline(source, Kind.MONTHS, months=tuple(_month_end(y, m) for y, m in months))


def _span(source: str, first: date, last: date) -> Deadline | None:
    if last < first:
        return None
    return Deadline(source, Kind.PERIOD, start=first, end=last)


def _numeric(day: str, month: str, year: str) -> date:
    full = int(year) + 2000 if len(year) == 2 else int(year)
    return date(full, int(month), int(day))


def _month(word: str) -> int:
    for stem, number in _MONTH_STEMS.items():
        if word.startswith(stem) and not (stem == "ма" and word.startswith("март")):
            return number
    raise ValueError(f"not a month: {word!r}")


def _year(month: int, year: str | None, start: int) -> int:
    """The year a month falls in: the one written, else the plan's school year (Sep..Dec → start, else start+1)."""
    if year:
        return int(year)
    return start if month >= 9 else start + 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, gregorian.monthrange(year, month)[1])
