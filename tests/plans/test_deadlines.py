"""Deadlines as the seeds write them become dates: each kind, the school year's months, and a deadline relative to
a procedure resolved with a production calendar across a holiday."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from objectivity.plans.deadlines import Kind, Relation, parse_deadline
from objectivity.plans.templates import load_templates

# Every deadline the four seeds write (004 writes none), with the kind it must read as.
SEED_DEADLINES = {
    "в течении учебного года": Kind.SCHOOL_YEAR,
    "в течении года": Kind.SCHOOL_YEAR,
    "В течение года в соответствии с графиком ГБУ ЦОКО": Kind.SCHOOL_YEAR,
    "Весь период": Kind.SCHOOL_YEAR,
    "в соответствии с графиком проведения оценочных процедур": Kind.RELATIVE,
    "По графику проведения ВПР": Kind.RELATIVE,
    "не позднее 1 рабочего дня до проведения оценочной процедуры": Kind.RELATIVE,
    "октябрь, апрель": Kind.MONTHS,
    "До 5 декабря 2023 года": Kind.DATE,
    "До 12 декабря 2023 года": Kind.DATE,
    "До 15 декабря 2023 года": Kind.DATE,
    "До 25 декабря 2023 года": Kind.DATE,
    "До 30 января 2024 года": Kind.DATE,
    "30.11.2021": Kind.DATE,
    "29.12.2021": Kind.DATE,
    "31.01.2022": Kind.DATE,
    "04.02.2022": Kind.DATE,
    "18.02.2022": Kind.DATE,
    "25.02.2022": Kind.DATE,
    "28.02.2022": Kind.DATE,
    "01.07.2022": Kind.DATE,
    "Январь- февраль 2024 года": Kind.PERIOD,
    "Март 2024 года": Kind.PERIOD,
    "Июнь 2024 года": Kind.PERIOD,
    "в соответствии с графиком": Kind.UNPARSED,
}
UNPARSED_ON_PURPOSE = {
    # 000, «Формирование и обучение корпуса независимых наблюдателей»: the seed names no schedule (the
    # procedures'? the municipality's training?), so no date can be read; the plan's author sets it.
    "в соответствии с графиком": "names no schedule",
}


class Calendar:
    """A tiny production calendar: weekends off, and 4 November (День народного единства)."""

    holidays = {date(2022, 11, 4)}

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: date, n: int) -> date:
        step = timedelta(days=1 if n > 0 else -1)
        for _ in range(abs(n)):
            day += step
            while not self.working(day):
                day += step
        return day


def test_the_seeds_deadlines_are_the_listed_ones():
    found = {m.deadline for t in load_templates() for m in t.measures if m.deadline}
    assert found == set(SEED_DEADLINES)


@pytest.mark.parametrize("text", sorted(SEED_DEADLINES))
def test_every_seed_deadline_reads_as_its_kind(text):
    year = next(t.school_year for t in load_templates() for m in t.measures if m.deadline == text)
    deadline = parse_deadline(text, year)
    assert deadline.kind is SEED_DEADLINES[text]
    assert deadline.text == text
    assert (deadline.kind is Kind.UNPARSED) == (text in UNPARSED_ON_PURPOSE)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("30.11.2021", date(2021, 11, 30)),
        ("До 5 декабря 2023 года", date(2023, 12, 5)),  # «до» is «by»: due on that day
        ("до 15 октября", date(2023, 10, 15)),  # no year: the plan's school year
        ("до 15 мая", date(2024, 5, 15)),
        ("к 01.03.24", date(2024, 3, 1)),
    ],
)
def test_a_date(text, day):
    deadline = parse_deadline(text, 2023)
    assert (deadline.kind, deadline.end, deadline.due(), deadline.due_dates()) == (Kind.DATE, day, day, [day])


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("с 1 по 15 октября", date(2023, 10, 1), date(2023, 10, 15)),
        ("с 25 декабря по 10 января", date(2023, 12, 25), date(2024, 1, 10)),
        ("сентябрь–октябрь", date(2023, 9, 1), date(2023, 10, 31)),
        ("с октября по май", date(2023, 10, 1), date(2024, 5, 31)),
        ("Январь- февраль 2024 года", date(2024, 1, 1), date(2024, 2, 29)),
        ("ноябрь 2021 г. – май 2022 г.", date(2021, 11, 1), date(2022, 5, 31)),
        ("Март 2024 года", date(2024, 3, 1), date(2024, 3, 31)),
        ("в апреле", date(2024, 4, 1), date(2024, 4, 30)),
        ("01.09.2023 - 30.09.2023", date(2023, 9, 1), date(2023, 9, 30)),
        ("I полугодие", date(2023, 9, 1), date(2023, 12, 31)),
        ("во II полугодии", date(2024, 1, 1), date(2024, 5, 31)),  # a half-year of lessons ends in May
    ],
)
def test_a_period_is_due_on_its_last_day(text, first, last):
    deadline = parse_deadline(text, 2023)
    assert (deadline.kind, deadline.start, deadline.end, deadline.due()) == (Kind.PERIOD, first, last, last)


@pytest.mark.parametrize(
    "text",
    ["в течение учебного года", "в течении года", "Весь период", "постоянно", "в течение 2023-2024 учебного года"],
)
def test_the_school_year_runs_to_31_august(text):
    deadline = parse_deadline(text, 2023)
    assert (deadline.kind, deadline.start, deadline.due()) == (Kind.SCHOOL_YEAR, date(2023, 9, 1), date(2024, 8, 31))


def test_recurring_months_fall_due_at_each_months_end():
    deadline = parse_deadline("октябрь, апрель", 2020)
    assert deadline.kind is Kind.MONTHS
    assert deadline.due_dates() == [date(2020, 10, 31), date(2021, 4, 30)]
    assert deadline.due() == date(2021, 4, 30)
    assert parse_deadline("апрель и октябрь", 2020).due_dates() == [date(2020, 10, 31), date(2021, 4, 30)]
    assert parse_deadline("октябрь апрель", 2020).kind is Kind.MONTHS  # two months on two lines of one cell
    monthly = parse_deadline("ежемесячно", 2023).due_dates()
    assert (len(monthly), monthly[0], monthly[5], monthly[-1]) == (
        12,
        date(2023, 9, 30),
        date(2024, 2, 29),
        date(2024, 8, 31),
    )


def test_one_working_day_before_a_procedure_skips_a_weekend_and_a_holiday():
    deadline = parse_deadline("не позднее 1 рабочего дня до проведения оценочной процедуры", 2022)
    assert (deadline.kind, deadline.working_days, deadline.relation, deadline.offset) == (
        Kind.RELATIVE,
        1,
        Relation.BEFORE,
        -1,
    )
    # Monday 7 November 2022: Sunday and Saturday are off, Friday 4 November is a holiday → Thursday 3 November.
    assert deadline.due(date(2022, 11, 7), Calendar()) == date(2022, 11, 3)
    assert deadline.due(date(2022, 11, 9), Calendar()) == date(2022, 11, 8)


def test_days_after_a_procedure_and_the_day_itself():
    after = parse_deadline("в течение 3 рабочих дней после проведения", 2022)
    assert (after.kind, after.working_days, after.relation) == (Kind.RELATIVE, 3, Relation.AFTER)
    # Wednesday 2 November: Thursday 3, (Friday 4 a holiday, the weekend), Monday 7, Tuesday 8.
    assert after.due(date(2022, 11, 2), Calendar()) == date(2022, 11, 8)
    on_the_day = parse_deadline("в день проведения", 2022)
    assert (on_the_day.relation, on_the_day.due(date(2022, 11, 7))) == (Relation.ON, date(2022, 11, 7))
    assert parse_deadline("По графику проведения ВПР", 2021).due(date(2022, 3, 15)) == date(2022, 3, 15)
    assert parse_deadline("за два рабочих дня до проведения ВПР", 2022).offset == -2
    assert parse_deadline("не позднее 1 рабочий день после проведения", 2022).offset == 1


def test_a_relative_deadline_needs_the_procedure_date_and_a_calendar():
    deadline = parse_deadline("не позднее 1 рабочего дня до проведения оценочной процедуры", 2022)
    with pytest.raises(ValueError, match="relative to a procedure"):
        deadline.due()
    with pytest.raises(ValueError, match="production calendar"):
        deadline.due(date(2022, 11, 7))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "в соответствии с графиком", "31.02.2022", "с 15 по 1 октября", "по согласованию", "октябрь, октябрь"],
)
def test_what_cannot_be_read_is_kept_as_text(text):
    deadline = parse_deadline(text, 2022)
    assert (deadline.kind, deadline.text, deadline.due(), deadline.due_dates()) == (Kind.UNPARSED, text, None, [])


@given(st.text(max_size=80), st.integers(min_value=1990, max_value=2100))
def test_reading_never_fails(text, year):
    deadline = parse_deadline(text, year)
    assert deadline.text == text
