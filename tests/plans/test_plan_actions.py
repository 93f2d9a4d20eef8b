"""Plans' write actions on the real database: a plan from a template, versions, measures, reports and decisions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from objectivity.audit.models import AuditEvent
from objectivity.plans import actions
from objectivity.plans.models import ExecutionReport, Measure, Status
from objectivity.plans.templates import template

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="protocol.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def plan(world):
    seed = template("school-2020-21")
    return actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        title=seed.title,
        template_key=seed.key,
        measures=actions.measure_rows_of(seed),
        order={"order_number": "45-о", "order_date": datetime.date(2026, 9, 1), "order_body": "Приказ директора"},
    )


def test_a_plan_from_a_template_keeps_every_measure_and_starts_at_version_one(plan):
    seed = template("school-2020-21")
    assert [m.title for m in plan.measures.order_by("position")] == [m.title for m in seed.measures]
    version = plan.current_version()
    assert version.number == 1 and version.order_label == "Приказ директора от 01.09.2026 № 45-о"
    assert len(version.measures) == len(seed.measures)
    assert plan.municipality == plan.school.municipality and plan.level == "school"
    assert AuditEvent.objects.filter(object_type="plans.Plan", object_id=str(plan.pk), action="create").exists()


def test_due_dates_are_read_from_the_deadlines(plan):
    by_deadline = {m.deadline_text: m.due_date for m in plan.measures.all()}
    assert by_deadline["в течении учебного года"] == datetime.date(2027, 8, 31)
    assert by_deadline["октябрь, апрель"] == datetime.date(2026, 10, 31)  # the first month not yet answered
    assert by_deadline["не позднее 1 рабочего дня до проведения оценочной процедуры"] is None  # no procedure date


def test_a_procedure_date_across_a_holiday_gives_the_working_day_before(plan, world):
    measure = plan.measures.get(deadline_text__startswith="не позднее 1 рабочего дня")
    # Monday 11.01.2027 follows the New Year holidays (1-8 January) and 31.12.2026, a day off by the decree.
    actions.save_measure(
        by=world.users["school_admin"],
        plan=plan,
        measure=measure,
        values={"procedure_date": datetime.date(2027, 1, 11)},
        links={},
    )
    measure.refresh_from_db()
    assert measure.due_date == datetime.date(2026, 12, 30)


def test_amending_makes_a_new_version_and_keeps_the_old_copy(plan, world):
    first = plan.measures.order_by("position").first()
    old_title = first.title
    actions.save_measure(
        by=world.users["school_admin"], plan=plan, measure=first, values={"title": "Новое название"}, links={}
    )
    version = actions.amend_plan(
        by=world.users["school_admin"],
        plan=plan,
        order={"order_number": "60-о", "order_date": datetime.date(2027, 1, 15), "order_body": "Приказ директора"},
        changes="Изменено мероприятие 1.1",
    )
    assert version.number == 2 and version.measures[0]["title"] == "Новое название"
    assert plan.versions.get(number=1).measures[0]["title"] == old_title


def test_report_return_report_accept(plan, world):
    admin = world.users["school_admin"]
    measure = plan.measures.order_by("position").first()
    report = actions.file_report(by=admin, measure=measure, comment="Проведено совещание", uploads=[_pdf()])
    assert Measure.objects.get(pk=measure.pk).status == Status.REPORTED
    assert report.files.get().kind == "pdf"
    controller = world.users["municipal_coordinator"]
    with pytest.raises(ValidationError):
        actions.decide_report(by=controller, report=report, accept=False, reason=" ")
    with pytest.raises(ValidationError, match="другой контролирующий"):
        actions.decide_report(by=admin, report=report, accept=True)  # nobody decides on their own report
    actions.decide_report(by=controller, report=report, accept=False, reason="Нет протокола")
    assert Measure.objects.get(pk=measure.pk).status == Status.RETURNED
    second = actions.file_report(by=admin, measure=measure, comment="Протокол приложен", uploads=[_pdf("p2.pdf")])
    actions.decide_report(by=controller, report=second, accept=True)
    assert Measure.objects.get(pk=measure.pk).status == Status.ACCEPTED
    assert list(ExecutionReport.objects.filter(measure=measure).values_list("decision", flat=True)) == [
        "returned",
        "accepted",
    ]


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_kept(plan, world):
    measure = plan.measures.order_by("position").first()
    fake = SimpleUploadedFile("protocol.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    with pytest.raises(ValidationError, match="protocol.pdf"):
        actions.file_report(by=world.users["school_admin"], measure=measure, comment="Отчёт", uploads=[fake])
    assert not ExecutionReport.objects.filter(measure=measure).exists()
    assert Measure.objects.get(pk=measure.pk).status == Status.PLANNED


def test_a_template_for_another_school_year_moves_its_dates_and_keeps_its_words():
    seed = template("region-2021-22")
    rows = actions.measure_rows_of(seed, 2026)
    deadlines = [row["deadline_text"] for row in rows]
    assert "30.11.2026" in deadlines and "30.11.2021" not in deadlines
    assert [row["title"] for row in rows] == [m.title for m in seed.measures]
    assert actions.measure_rows_of(seed, seed.school_year) == actions.measure_rows_of(seed)
    assert actions.shift_years("с 01.09.2021 по 31.05.2022 года", 5) == "с 01.09.2026 по 31.05.2027 года"


def test_one_plan_a_year_per_owner(plan, world):
    with pytest.raises(ValidationError, match="уже есть"):
        actions.create_plan(by=world.users["municipal_coordinator"], scope=world.school, school_year=2026)
    other_year = actions.create_plan(by=world.users["municipal_coordinator"], scope=world.school, school_year=2027)
    assert other_year.pk != plan.pk


def test_changes_after_approval_are_noticed_until_a_new_version(plan, world):
    assert not actions.unapproved_changes(plan, plan.current_version())
    measure = plan.measures.order_by("position").first()
    actions.start_measure(by=world.users["school_admin"], measure=measure)  # a status is no change of the wording
    assert not actions.unapproved_changes(plan, plan.current_version())
    actions.save_measure(
        by=world.users["school_admin"], plan=plan, measure=measure, values={"deadline_text": "до 15 мая"}, links={}
    )
    assert actions.unapproved_changes(plan, plan.current_version())
    version = actions.amend_plan(by=world.users["school_admin"], plan=plan, order={}, changes="Срок 1.1")
    assert not actions.unapproved_changes(plan, version)


def test_numbers_are_never_glued():
    from objectivity.plans.models import Measure

    assert Measure(section_number="3", number="1").full_number == "3.1"
    assert Measure(section_number="I.", number="1.").full_number == "I.1."
    assert Measure(section_number="", number="4").full_number == "4"
