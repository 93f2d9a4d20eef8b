"""The production calendar of working days (objectivity.core.workdays): shipped decrees, art. 112, overrides.

The known facts come from the decrees themselves (numbers in the module's docstring) and the official yearly totals
of working days; every year's shipped calendar also agrees day by day with the `holidays` package 0.108 (checked
once by hand, not a dependency).
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from objectivity.core import workdays
from objectivity.core.models import CalendarDay
from objectivity.core.workdays import (
    add_working_days,
    is_official,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
    year_calendar,
)

pytestmark = pytest.mark.django_db

NON_WORKING = [
    *(date(2025, 1, d) for d in range(1, 9)),  # New Year holidays and Christmas
    date(2025, 5, 2),  # from Sat 4 January (decree № 1335)
    date(2025, 5, 8),  # from Sun 23 February
    date(2025, 6, 13),  # from Sat 8 March
    date(2025, 11, 3),  # from Sat 1 November
    date(2025, 11, 4),  # Unity Day
    date(2025, 12, 31),  # from Sun 5 January
    date(2026, 1, 9),  # from Sat 3 January (decree № 1466)
    date(2026, 3, 9),  # 8 March was a Sunday: art. 112 part 2
    date(2026, 5, 11),  # 9 May was a Saturday: art. 112 part 2
    date(2026, 12, 31),  # from Sun 4 January
    date(2024, 4, 29),  # from Sat 27 April (decree № 1314)
    date(2024, 4, 30),  # from Sat 2 November
    date(2024, 5, 10),  # from Sat 6 January
    date(2024, 12, 30),  # from Sat 28 December
    date(2024, 12, 31),  # from Sun 7 January
    date(2027, 2, 22),  # from Sat 20 February (decree № 1187)
    date(2027, 5, 3),  # 1 May was a Saturday
    date(2027, 5, 10),  # 9 May was a Sunday
    date(2027, 6, 14),  # 12 June was a Saturday
    date(2027, 11, 5),  # from Sat 2 January
    date(2027, 12, 31),  # from Sun 3 January
]

WORKING = [
    date(2025, 11, 1),  # a working Saturday
    date(2024, 4, 27),
    date(2024, 11, 2),
    date(2024, 12, 28),  # a working Saturday
    date(2027, 2, 20),  # a working Saturday
    date(2025, 2, 24),  # 23 February 2025 (Sunday) moved to 8 May by the decree, not to Monday
    date(2025, 3, 10),  # 8 March 2025 (Saturday) moved to 13 June by the decree
    date(2025, 1, 9),
    date(2026, 1, 12),
    date(2025, 12, 30),
]


@pytest.mark.parametrize("day", NON_WORKING, ids=str)
def test_official_non_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", WORKING, ids=str)
def test_official_working_days(day):
    assert is_working_day(day)


@pytest.mark.parametrize("year, total", [(2024, 248), (2025, 247), (2026, 247), (2027, 247)])
def test_a_years_working_days_are_the_official_total(year, total):
    assert working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == total
    assert sum(year_calendar(year).values()) == total


def test_the_shipped_years_are_official_and_others_are_not():
    assert [year for year in range(2020, 2031) if is_official(year)] == [2024, 2025, 2026, 2027]


def test_across_the_new_year_holidays():
    assert add_working_days(date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert next_working_day(date(2025, 12, 30)) == date(2026, 1, 12)
    assert previous_working_day(date(2026, 1, 12)) == date(2025, 12, 30)
    assert working_days_between(date(2025, 12, 30), date(2026, 1, 12)) == 1


def test_across_the_may_holidays():
    assert add_working_days(date(2025, 4, 30), 1) == date(2025, 5, 5)
    assert add_working_days(date(2025, 5, 7), 1) == date(2025, 5, 12)
    assert add_working_days(date(2025, 4, 30), 4) == date(2025, 5, 12)  # 5, 6, 7 May, then 12 May
    assert add_working_days(date(2025, 5, 12), -4) == date(2025, 4, 30)


@pytest.mark.parametrize(
    "procedure, deadline",
    [
        (date(2026, 1, 12), date(2025, 12, 30)),  # Monday after the New Year holidays: back into the old year
        (date(2025, 5, 12), date(2025, 5, 7)),  # Monday after 8–11 May
        (date(2025, 11, 5), date(2025, 11, 1)),  # Wednesday after 2–4 November: the working Saturday
        (date(2026, 3, 10), date(2026, 3, 6)),  # Tuesday after 7–9 March
        (date(2026, 4, 14), date(2026, 4, 13)),  # an ordinary week
    ],
    ids=str,
)
def test_one_working_day_before_a_procedure(procedure, deadline):
    """«Не позднее 1 рабочего дня до проведения оценочной процедуры»."""
    assert add_working_days(procedure, -1) == deadline


def test_zero_working_days_is_the_day_or_the_next_working_day():
    assert add_working_days(date(2026, 4, 14), 0) == date(2026, 4, 14)
    assert add_working_days(date(2026, 1, 3), 0) == date(2026, 1, 12)
    assert add_working_days(date(2026, 4, 18), 0) == date(2026, 4, 20)  # a Saturday


def test_counting_between_days():
    assert working_days_between(date(2026, 4, 17), date(2026, 4, 20)) == 1  # Friday → Monday
    assert working_days_between(date(2026, 4, 20), date(2026, 4, 20)) == 0
    assert working_days_between(date(2026, 4, 20), date(2026, 4, 17)) == -1
    # From Friday 27 December 2024: Saturday 28 December (working), 29 December – 8 January off, then 9 January.
    assert working_days_between(date(2024, 12, 27), date(2025, 1, 9)) == 2


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(min_value=-40, max_value=40),
)
def test_adding_and_counting_agree(day, n):
    target = add_working_days(day, n)
    assert is_working_day(target)
    if is_working_day(day):
        assert working_days_between(day, target) == n
    if n > 0:
        assert target > day
    elif n < 0:
        assert target < day


def test_an_override_changes_the_answer_and_deleting_it_restores_the_decree():
    day = date(2026, 6, 15)  # an ordinary Monday
    assert is_working_day(day)
    override = CalendarDay.objects.create(date=day, working=False, note="региональный акт")
    assert not is_working_day(day)
    assert add_working_days(date(2026, 6, 16), -1) == date(2026, 6, 11)  # 12–15 June off now
    override.delete()
    assert is_working_day(day)


def test_an_override_makes_a_holiday_working():
    CalendarDay.objects.create(date=date(2025, 12, 31), working=True)
    assert is_working_day(date(2025, 12, 31))
    assert add_working_days(date(2026, 1, 12), -1) == date(2025, 12, 31)
    assert sum(year_calendar(2025).values()) == 248


def test_overrides_are_read_once_per_year(django_assert_num_queries):
    with django_assert_num_queries(1):
        for day in range(1, 29):
            is_working_day(date(2026, 2, day))
    with django_assert_num_queries(2):
        is_working_day(date(2025, 2, 1))
        is_working_day(date(2027, 2, 1))


def test_saving_a_day_clears_the_cache_but_a_bulk_update_needs_clear_cache():
    day = date(2026, 6, 16)
    override = CalendarDay.objects.create(date=day, working=False)
    assert not is_working_day(day)
    override.working = True
    override.save()
    assert is_working_day(day)
    CalendarDay.objects.filter(pk=override.pk).update(working=False)  # no signal
    assert is_working_day(day)
    workdays.clear_cache()
    assert not is_working_day(day)


def test_another_process_change_is_seen_after_the_cache_time(monkeypatch):
    day = date(2026, 6, 17)
    clock = [1000.0]
    monkeypatch.setattr(workdays.time, "monotonic", lambda: clock[0])
    assert is_working_day(day)
    CalendarDay.objects.bulk_create([CalendarDay(date=day, working=False)])  # as another worker would: no signal
    clock[0] += workdays.CACHE_SECONDS - 1
    assert is_working_day(day)
    clock[0] += 2
    assert not is_working_day(day)


def test_a_year_without_a_decree_falls_back_to_the_labour_code():
    assert not is_official(2028)
    assert not is_working_day(date(2028, 5, 1))  # Monday, Labour Day
    assert not is_working_day(date(2028, 11, 6))  # 4 November 2028 is a Saturday: art. 112 part 2
    assert not is_working_day(date(2030, 2, 25))  # 23 February 2030 is a Saturday
    assert is_working_day(date(2028, 1, 10))  # 1–2 January 2028 fall on a weekend; only a decree moves them
    assert not any(working for day, working in year_calendar(2028).items() if day.weekday() >= 5)
    # 2028: 260 weekdays less 3–7 January, 23 February, 8 March, 1 May, 9 May, 12 June and 6 November.
    assert sum(1 for day in year_calendar(2028) if day.weekday() < 5) == 260
    assert sum(year_calendar(2028).values()) == 249


def test_the_shipped_table_lists_weekend_sources():
    """Each decree moves a day off from a Saturday or Sunday to a weekday of the same year."""
    for year, decree in workdays.DECREES.items():
        for source, target in decree.transfers:
            assert source.year == target.year == year
            assert source.weekday() >= 5, source
            assert target.weekday() < 5, target
    assert timedelta(0) < workdays.DECREES[2025].signed - workdays.DECREES[2024].signed
