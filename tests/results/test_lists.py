"""Schedules, federal windows and the control sample: all-or-nothing imports and hand entry."""

import datetime

import pytest
from django.urls import reverse

from objectivity.core.tabular import RawTable
from objectivity.results.models import Assessment, ControlSample, FederalWindow, ScheduleEntry
from objectivity.results.schedules import import_control_sample, import_schedule


def table(header, *rows):
    return RawTable(header=list(header), rows=[list(r) for r in rows], lines=list(range(2, len(rows) + 2)))


SCHEDULE_HEADER = ("Логин", "Предмет", "Класс", "Дата")


def test_schedule_import_creates_works_and_lines(world):
    report = import_schedule(
        table(
            SCHEDULE_HEADER,
            ("sch220001", "Математика", "4А", "15.04.2025"),
            ("SCH220002", "русский язык", "5", "2025-04-17"),
        ),
        "график.xlsx",
        region=world.region,
        by=world.users["region_admin"],
    )
    assert report.ok and report.created == 2
    entry = ScheduleEntry.objects.get(school=world.school)
    assert (entry.class_label, entry.date, str(entry.assessment)) == (
        "4А",
        datetime.date(2025, 4, 15),
        "ВПР 2025 · Математика · 4 класс",
    )


def test_a_bad_row_changes_nothing_and_says_where(world):
    FederalWindow.objects.create(
        procedure="vpr", year=2025, period="spring", starts=datetime.date(2025, 4, 1), ends=datetime.date(2025, 5, 16)
    )
    report = import_schedule(
        table(
            SCHEDULE_HEADER,
            ("sch220001", "Математика", "4А", "15.04.2025"),
            ("sch549999", "Математика", "4А", "15.04.2025"),
            ("sch220001", "Астрология", "4Б", "15.04.2025"),
            ("sch220001", "Математика", "4Б", "31.05.2025"),
            ("sch220001", "Математика", "Б4", "завтра"),
        ),
        "график.xlsx",
        region=world.region,
        by=world.users["region_admin"],
    )
    assert not report.ok and ScheduleEntry.objects.count() == 0
    found = {(p.row, p.column, p.value) for p in report.problems}
    assert {
        (3, "Логин", "sch549999"),
        (4, "Предмет", "Астрология"),
        (5, "Дата", "31.05.2025"),
        (6, "Класс", "Б4"),
        (6, "Дата", "завтра"),
    } <= found
    window_problem = next(p for p in report.problems if p.row == 5)
    assert "01.04.2025" in window_problem.message and "16.05.2025" in window_problem.message


def test_missing_columns_are_named(world):
    report = import_schedule(
        table(("Логин", "Дата"), ("sch220001", "15.04.2025")), "f.csv", region=world.region, by=None
    )
    assert not report.ok and "предмет" in report.problems[0].message and "класс" in report.problems[0].message


def test_control_sample_by_chosen_work_or_by_columns(world):
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    report = import_control_sample(
        table(("логин",), ("sch220001",)), "s.xlsx", region=world.region, by=None, assessment=work
    )
    assert report.ok and ControlSample.objects.filter(assessment=work, school=world.school).exists()
    again = import_control_sample(
        table(("логин", "предмет", "класс"), ("sch220001", "математика", "4"), ("sch220002", "математика", "4")),
        "s.xlsx",
        region=world.region,
        by=None,
        assessment=None,
    )
    assert again.ok and (again.created, again.unchanged) == (1, 1)


def test_school_organiser_enters_own_schedule_only(world, client):
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    client.force_login(world.users["school_admin"])
    page = client.get(reverse("schedule-add"))
    choices = [str(v) for v, _label in page.context["form"].fields["school"].choices if v]
    assert choices == [str(world.school.pk)]
    response = client.post(
        reverse("schedule-add"),
        {"school": world.other_school.pk, "assessment": work.pk, "class_label": "4а", "date": "2021-04-20"},
    )
    assert response.status_code == 200 and not ScheduleEntry.objects.exists()
    response = client.post(
        reverse("schedule-add"),
        {"school": world.school.pk, "assessment": work.pk, "class_label": "4а", "date": "2021-04-20"},
    )
    assert response.status_code == 302
    assert ScheduleEntry.objects.get().class_label == "4А"


@pytest.mark.parametrize(
    ("starts", "ends", "ok"), [("2025-04-01", "2025-05-16", True), ("2025-05-16", "2025-04-01", False)]
)
def test_federal_window_form(world, client, starts, ends, ok):
    client.force_login(world.users["region_admin"])
    client.post(
        reverse("windows"), {"procedure": "vpr", "year": 2025, "period": "spring", "starts": starts, "ends": ends}
    )
    assert FederalWindow.objects.filter(year=2025).exists() is ok


def test_schedule_import_page_lists_problems_and_changes_nothing(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["region_analyst"])
    bad = "логин;предмет;класс;дата\nsch220001;математика;4А;15.04.2025\nsch999999;математика;4Б;32.04.2025\n"
    response = client.post(reverse("schedule-import"), {"file": SimpleUploadedFile("график.csv", bad.encode("cp1251"))})
    page = response.content.decode()
    assert 'data-test="problems"' in page and "sch999999" in page and "32.04.2025" in page
    assert not ScheduleEntry.objects.exists()
    good = bad.splitlines()[:2]
    response = client.post(
        reverse("schedule-import"), {"file": SimpleUploadedFile("график.csv", "\n".join(good).encode("utf-8"))}
    )
    assert response.status_code == 302 and ScheduleEntry.objects.count() == 1
