"""`objectivity send-reminders`: who is reminded of what, the window in working days, once a day, dry runs."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from objectivity.plans import actions, reminders
from objectivity.plans.models import ReminderSent

TODAY = datetime.date(2026, 12, 3)  # a Thursday


@pytest.fixture
def plan(world):
    # A measure due at the end of the school year: never in the window of these tests.
    year_long = {"number": "0", "title": "Мониторинг", "deadline_text": "в течение учебного года"}
    return actions.create_plan(
        by=world.users["school_admin"], scope=world.school, school_year=2026, measures=[year_long]
    )


def _measure(plan, world, deadline, *executors, number="1"):
    return actions.save_measure(
        by=world.users["school_admin"],
        plan=plan,
        measure=None,
        values={
            "section_number": "1.",
            "number": number,
            "title": f"Собеседование {deadline}",
            "deadline_text": deadline,
        },
        links={"executors": list(executors)},
    )


def _run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def _mail_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_each_person_gets_one_letter_with_their_overdue_and_due_measures(plan, world, settings):
    settings.PLAN_REMINDER_WORKING_DAYS = 3
    settings.SITE_URL = "https://vpr.example.ru/"
    admin, mun = world.users["school_admin"], world.users["municipal_coordinator"]
    overdue = _measure(plan, world, "30.11.2026", admin, number="1")
    soon = _measure(plan, world, "08.12.2026", admin, mun, number="2")  # the 3rd working day after Thursday
    _measure(plan, world, "09.12.2026", admin, number="3")  # the 4th: not yet
    output = _run("--date", TODAY.isoformat())

    assert len(mail.outbox) == 2
    (letter,) = _mail_to(admin.email)
    assert letter.subject == "Сроки исполнения мероприятий на 3 декабря 2026\u00a0г."
    body = letter.body
    assert "2 мероприятия" in body
    assert (
        body.index("Срок исполнения истёк")
        < body.index("Собеседование 30.11.2026")
        < body.index("Срок исполнения наступает")
    )
    assert "мероприятие 1.1 «Собеседование 30.11.2026», срок исполнения — 30 ноября 2026\u00a0г." in body
    assert "Собеседование 08.12.2026" in body and "Собеседование 09.12.2026" not in body
    assert f"https://vpr.example.ru/plans/measures/{overdue.pk}/" in body
    assert "Все ваши мероприятия: https://vpr.example.ru/plans/mine/" in body
    (other,) = _mail_to(mun.email)
    assert "1 мероприятие" in other.body and reminders.measure_url(soon.pk) in other.body
    assert "Собеседование 30.11.2026" not in other.body
    assert set(ReminderSent.objects.values_list("user__username", "measure_id", "kind")) == {
        (admin.username, overdue.pk, "overdue"),
        (admin.username, soon.pk, "due"),
        (mun.username, soon.pk, "due"),
    }
    assert "2 письма" in output


def test_running_twice_on_a_day_sends_each_reminder_once(plan, world):
    admin = world.users["school_admin"]
    _measure(plan, world, "30.11.2026", admin)
    _run("--date", TODAY.isoformat())
    output = _run("--date", TODAY.isoformat())
    assert len(mail.outbox) == 1
    assert "0 писем" in output and "уже было отправлено" in output
    _run("--date", "2026-12-04")  # the next day it is reminded again
    assert len(mail.outbox) == 2


def test_a_new_measure_due_later_the_same_day_is_sent_alone(plan, world):
    admin = world.users["school_admin"]
    _measure(plan, world, "30.11.2026", admin)
    _run("--date", TODAY.isoformat())
    _measure(plan, world, "04.12.2026", admin, number="2")
    _run("--date", TODAY.isoformat())
    assert len(mail.outbox) == 2
    assert "04.12.2026" in mail.outbox[1].body and "30.11.2026" not in mail.outbox[1].body


def test_a_person_without_an_address_is_skipped_and_named(plan, world):
    mun = world.users["municipal_coordinator"]
    mun.email = ""
    mun.save()
    _measure(plan, world, "30.11.2026", mun)
    output = _run("--date", TODAY.isoformat())
    assert mail.outbox == []
    assert "mun: нет адреса электронной почты" in output and "1 мероприятие" in output
    assert not ReminderSent.objects.exists()


def test_closed_and_reported_measures_are_never_reminded(plan, world):
    admin = world.users["school_admin"]
    cancelled = _measure(plan, world, "30.11.2026", admin, number="1")
    actions.cancel_measure(by=admin, measure=cancelled, reason="Дублирует мероприятие 2")
    accepted = _measure(plan, world, "01.12.2026", admin, number="2")
    report = actions.file_report(by=admin, measure=accepted, comment="Проведено")
    actions.decide_report(by=world.users["municipal_coordinator"], report=report, accept=True)
    reported = _measure(plan, world, "02.12.2026", admin, number="3")
    actions.file_report(by=admin, measure=reported, comment="Проведено, ждём решения")
    _run("--date", TODAY.isoformat())
    assert mail.outbox == []


def test_without_executors_the_plans_own_controllers_are_reminded(plan, world):
    nobody = _measure(plan, world, "30.11.2026")
    _run("--date", TODAY.isoformat())
    # The school's administrator holds plans.edit at the school's level; the municipality and region do not get it.
    (letter,) = mail.outbox
    assert letter.to == [world.users["school_admin"].email]
    assert reminders.measure_url(nobody.pk) in letter.body and "исполнитель не назначен" in letter.body


def test_the_window_counts_working_days_across_a_weekend(plan, world, settings):
    settings.PLAN_REMINDER_WORKING_DAYS = 1
    admin = world.users["school_admin"]
    # From Thursday one working day is Friday; Saturday and Sunday are still within one working day, Monday is not.
    assert reminders.window_end(TODAY) == datetime.date(2026, 12, 6)
    friday = _measure(plan, world, "04.12.2026", admin, number="1")
    sunday = _measure(plan, world, "06.12.2026", admin, number="2")
    _measure(plan, world, "07.12.2026", admin, number="3")
    assert list(reminders.measures_to_remind(TODAY)) == [friday, sunday]
    assert reminders.window_end(datetime.date(2026, 12, 4)) == datetime.date(2026, 12, 7)  # Friday: up to Monday


def test_the_window_skips_a_holiday(plan, world, settings):
    settings.PLAN_REMINDER_WORKING_DAYS = 2
    admin = world.users["school_admin"]
    monday = datetime.date(2026, 11, 2)  # 4 November, a Wednesday, is a holiday
    assert reminders.window_end(monday) == datetime.date(2026, 11, 5)
    thursday = _measure(plan, world, "05.11.2026", admin, number="1")
    _measure(plan, world, "06.11.2026", admin, number="2")
    _run("--date", monday.isoformat())
    (letter,) = mail.outbox
    assert "05.11.2026" in letter.body and "06.11.2026" not in letter.body
    assert ReminderSent.objects.get().measure == thursday


def test_a_dry_run_sends_and_records_nothing(plan, world):
    _measure(plan, world, "30.11.2026", world.users["school_admin"])
    output = _run("--date", TODAY.isoformat(), "--dry-run")
    assert mail.outbox == [] and not ReminderSent.objects.exists()
    assert "sch220001" in output and "было бы отправлено" in output


def test_a_letter_the_mail_server_refuses_is_not_recorded_and_the_command_fails(plan, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    _measure(plan, world, "30.11.2026", world.users["school_admin"])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 письмо не отправлено"):
        call_command("send_reminders", "--date", TODAY.isoformat(), stdout=io.StringIO(), stderr=err)
    assert "sch220001" in err.getvalue()
    assert not ReminderSent.objects.exists()  # so the next run tries again


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="2026-13-01"):
        call_command("send_reminders", "--date", "2026-13-01")


def test_the_console_script_takes_the_dashed_name():
    from objectivity.cli import _canonical

    assert _canonical(["send-reminders", "--dry-run"]) == ["send_reminders", "--dry-run"]
