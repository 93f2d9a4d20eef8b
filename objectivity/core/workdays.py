"""The Russian production calendar of working days: one shared service for every deadline in working days.

A day is working when it is Monday to Friday and not an official non-working day, or when it is a Saturday or
Sunday made working by a transfer of days off. The calendar of a year is built in three layers:

1. Art. 112 of the Labour Code, part 1: the non-working holidays 1–8 January (7 January is Christmas),
   23 February, 8 March, 1 May, 9 May, 12 June, 4 November.
2. Art. 112, part 2: a day off that falls on a holiday moves to the next working day after the holiday, except
   the January holidays of part 1 (1–6 and 8 January), which move only by the Government's decree (part 5).
   A year's decree may move a weekend holiday elsewhere instead; then part 2 does not apply to it.
3. The Government's decree of the year on transfers of days off (Постановление Правительства РФ «О переносе
   выходных дней в ... году»): «с субботы X на понедельник Y» — Y becomes non-working and X, unless it is a
   holiday itself, becomes a working Saturday or Sunday.

On top of these, `CalendarDay` rows (the core app's model) override single days: a region's administrator
marks a day working or non-working when a decree changes or a local act says so.

Shipped decrees (`DECREES`; checked against the decrees' text and, for every year, against the `holidays`
package 0.108, whose RU calendar carries the same transfers; the yearly totals are the official ones):

- 2024: № 1314 of 10.08.2023 — 6 Jan → 10 May, 7 Jan → 31 Dec, Sat 27 Apr → 29 Apr, Sat 2 Nov → 30 Apr,
  Sat 28 Dec → 30 Dec. 248 working days.
- 2025: № 1335 of 04.10.2024 — 4 Jan → 2 May, 5 Jan → 31 Dec, Sun 23 Feb → Thu 8 May, Sat 8 Mar → Fri 13 Jun,
  Sat 1 Nov → Mon 3 Nov. 247 working days (24 Feb and 10 Mar stay working: the decree moved those days off).
- 2026: № 1466 of 24.09.2025 — 3 Jan → Fri 9 Jan, 4 Jan → Thu 31 Dec; art. 112 part 2 gives 9 Mar and 11 May.
  247 working days.
- 2027: № 1187 of 17.09.2026 — 2 Jan → Fri 5 Nov, 3 Jan → Fri 31 Dec, Sat 20 Feb → Mon 22 Feb; art. 112
  part 2 gives 3 May, 10 May, 14 Jun. 247 working days.

A year without a decree here is computed from layers 1 and 2 only: Monday–Friday minus the holidays, with
non-January weekend holidays moved to the next working day. `is_official(year)` tells which is the case, so a
page can say «календарь года не утверждён, рассчитан по Трудовому кодексу».

Overrides are read once per year and kept per process; saving or deleting a `CalendarDay` clears the cache in
that process (signals), and an entry older than `CACHE_SECONDS` is read again, so other worker processes see a
change within that time. `QuerySet.update()` and `bulk_create()` send no signals: call `clear_cache()` after them.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "DECREES",
    "CACHE_SECONDS",
    "Decree",
    "add_working_days",
    "clear_cache",
    "is_official",
    "is_working_day",
    "next_working_day",
    "previous_working_day",
    "shipped_exceptions",
    "working_days_between",
    "year_calendar",
]

ONE_DAY = timedelta(days=1)

# Art. 112 of the Labour Code, part 1: (month, day) of the non-working holidays.
HOLIDAYS: tuple[tuple[int, int], ...] = (
    *((1, d) for d in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)
# Part 2 does not move these when they fall on a day off: the Government's decree does (part 5).
NEW_YEAR_HOLIDAYS = frozenset((1, d) for d in range(1, 9))

# A search for the next working day gives up after this many days (only a calendar of overrides marking
# whole years non-working could get there).
SEARCH_LIMIT = 3660

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Decree:
    """A Government decree on transfers of days off in a year: (from, to) pairs as the decree lists them."""

    number: str
    signed: date
    transfers: tuple[tuple[date, date], ...]


DECREES: dict[int, Decree] = {
    # Постановление Правительства РФ от 10.08.2023 № 1314 «О переносе выходных дней в 2024 году»
    2024: Decree(
        "1314",
        date(2023, 8, 10),
        (
            (date(2024, 1, 6), date(2024, 5, 10)),
            (date(2024, 1, 7), date(2024, 12, 31)),
            (date(2024, 4, 27), date(2024, 4, 29)),
            (date(2024, 11, 2), date(2024, 4, 30)),
            (date(2024, 12, 28), date(2024, 12, 30)),
        ),
    ),
    # Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»
    2025: Decree(
        "1335",
        date(2024, 10, 4),
        (
            (date(2025, 1, 4), date(2025, 5, 2)),
            (date(2025, 1, 5), date(2025, 12, 31)),
            (date(2025, 2, 23), date(2025, 5, 8)),
            (date(2025, 3, 8), date(2025, 6, 13)),
            (date(2025, 11, 1), date(2025, 11, 3)),
        ),
    ),
    # Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»
    2026: Decree(
        "1466",
        date(2025, 9, 24),
        (
            (date(2026, 1, 3), date(2026, 1, 9)),
            (date(2026, 1, 4), date(2026, 12, 31)),
        ),
    ),
    # Постановление Правительства РФ от 17.09.2026 № 1187 «О переносе выходных дней в 2027 году»
    2027: Decree(
        "1187",
        date(2026, 9, 17),
        (
            (date(2027, 1, 2), date(2027, 11, 5)),
            (date(2027, 1, 3), date(2027, 12, 31)),
            (date(2027, 2, 20), date(2027, 2, 22)),
        ),
    ),
}


def is_official(year: int) -> bool:
    """Whether the year's calendar rests on a Government decree shipped here (else it is the Labour Code's alone)."""
    return year in DECREES


def _weekday_rule(day: date) -> bool:
    return day.weekday() < 5


@lru_cache(maxsize=64)
def shipped_exceptions(year: int) -> dict[date, bool]:
    """The days of `year` whose status differs from the Monday–Friday rule, before overrides: {day: working}.

    Built from art. 112 and, for an official year, the year's decree (see the module's docstring).
    """
    holidays = {date(year, month, day) for month, day in HOLIDAYS}
    decree = DECREES.get(year)
    transfers = decree.transfers if decree else ()
    moved_by_decree = {source for source, _target in transfers}
    non_working = set(holidays)
    working_weekend: set[date] = set()
    for source, target in transfers:
        non_working.add(target)
        if source not in holidays:
            working_weekend.add(source)

    def working(day: date) -> bool:
        if day in working_weekend:
            return True
        return _weekday_rule(day) and day not in non_working

    # Art. 112 part 2: a weekend holiday's day off moves to the next working day after the holiday.
    for holiday in sorted(holidays):
        if _weekday_rule(holiday) or (holiday.month, holiday.day) in NEW_YEAR_HOLIDAYS:
            continue
        if holiday in moved_by_decree:
            continue
        candidate = holiday + ONE_DAY
        while not working(candidate):
            candidate += ONE_DAY
        if candidate.year == year:
            non_working.add(candidate)

    exceptions = {day: False for day in non_working if _weekday_rule(day) and day.year == year}
    exceptions.update({day: True for day in working_weekend})
    return exceptions


# Overrides from the database, per year: {year: (read at, {day: working})}.
_overrides: dict[int, tuple[float, dict[date, bool]]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the overrides read from the database (every year) in this process."""
    with _lock:
        _overrides.clear()


def _read_overrides(year: int) -> dict[date, bool]:
    from objectivity.core.models import CalendarDay

    rows = CalendarDay.objects.filter(date__year=year).values_list("date", "working")
    return {day: working for day, working in rows}


def _overrides_of(year: int) -> dict[date, bool]:
    now = time.monotonic()
    with _lock:
        cached = _overrides.get(year)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    found = _read_overrides(year)
    with _lock:
        _overrides[year] = (now, found)
    return found


def year_calendar(year: int) -> dict[date, bool]:
    """Every day of `year` with whether it is working, overrides included."""
    exceptions = shipped_exceptions(year)
    overrides = _overrides_of(year)
    calendar = {}
    day = date(year, 1, 1)
    while day.year == year:
        calendar[day] = overrides.get(day, exceptions.get(day, _weekday_rule(day)))
        day += ONE_DAY
    return calendar


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: the override if one is set, else the shipped calendar."""
    overrides = _overrides_of(day.year)
    if day in overrides:
        return overrides[day]
    return shipped_exceptions(day.year).get(day, _weekday_rule(day))


def _step(day: date, direction: int) -> date:
    delta = ONE_DAY * direction
    candidate = day + delta
    for _ in range(SEARCH_LIMIT):
        if is_working_day(candidate):
            return candidate
        candidate += delta
    raise ValueError(f"no working day within {SEARCH_LIMIT} days of {day.isoformat()}")


def next_working_day(day: date) -> date:
    """The first working day after `day` (never `day` itself)."""
    return _step(day, 1)


def previous_working_day(day: date) -> date:
    """The last working day before `day` (never `day` itself)."""
    return _step(day, -1)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (n > 0) or before it (n < 0); `day` itself is never counted.

    «Не позднее 1 рабочего дня до проведения процедуры» is `add_working_days(procedure_day, -1)`: the last working
    day before it, across holidays and years. «В течение 3 рабочих дней после» is `add_working_days(day, 3)`.

    n = 0 returns `day` if it is working, else the next working day: a deadline «in 0 working days» set on a
    holiday falls on the first day one can act. So `working_days_between(day, add_working_days(day, n)) == n`
    for every n ≥ 0 when `day` is working.
    """
    if n == 0:
        return day if is_working_day(day) else next_working_day(day)
    direction = 1 if n > 0 else -1
    for _ in range(abs(n)):
        day = _step(day, direction)
    return day


def working_days_between(start: date, end: date) -> int:
    """The working days d with start < d ≤ end (the start not counted, the end counted).

    So from a Friday to the next Monday is 1; from a day to itself is 0. If `end` is before `start` the count is
    negative: `-working_days_between(end, start)`. `add_working_days(start, working_days_between(start, end))`
    is `end` whenever `end` is a working day after `start`.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    year = start.year
    while year <= end.year:
        calendar = year_calendar(year)
        first = max(start + ONE_DAY, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        if first <= last:
            count += sum(1 for day, working in calendar.items() if working and first <= day <= last)
        year += 1
    return count
