"""The demo loader's step for plans of measures: the region's plan, the first municipality's and the plans of a
handful of schools with signs in the latest detection run, for the current school year, with executors, a few
execution reports (one returned, some accepted, some awaiting a decision) and measures left open past their
deadline, so that progress, overdue measures, «Мои мероприятия», the start pages and the reminders have something
to show.

Every write goes through the plans' actions under the demo's actor. The seeds' deadlines name the seeds' own years
(«30.11.2021»); they are moved to the plan's school year, as a region reusing its plan does. Dates depend on the day
the demo is loaded: a measure due «не позднее 1 рабочего дня до проведения оценочной процедуры» gets a procedure day
three working days ahead, so something always falls due soon.
"""

import datetime
import logging
from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from objectivity.core import workdays
from objectivity.core.demo import DemoContext
from objectivity.plans import actions
from objectivity.plans.forms import current_school_year
from objectivity.plans.models import Measure, Plan
from objectivity.plans.templates import template

SCHOOLS_WITH_PLANS = 4  # schools with signs that get a plan of their own (a handful: the demo stays fast)


def load_plans(context: DemoContext) -> None:
    from objectivity.access.demo import demo_accounts

    today = timezone.localdate()
    year = current_school_year(today)
    people = {user.username: user for user in demo_accounts()}
    evidence = _protocol_pdf()
    region_plan = _region_plan(context, year, people, evidence)
    municipal_plan = _municipal_plan(context, year, people, evidence)
    schools = _schools_for_plans(context)
    school_plans = [_school_plan(context, school, year, people, evidence, today) for school in schools]
    plans = [region_plan, municipal_plan, *school_plans]
    overdue = sum(1 for plan in plans for m in plan.measures.all() if m.is_overdue(today))
    made = ngettext("%(n)s plan", "%(n)s plans", len(plans)) % {"n": len(plans)}
    context.say(
        gettext("Plans of measures for the school year %(year)s: %(plans)s; measures past their deadline: %(overdue)s.")
        % {"year": region_plan.school_year_label, "plans": made, "overdue": overdue}
    )


def _order(body: str, number: str, day: datetime.date) -> dict:
    return {"order_body": body, "order_number": number, "order_date": day}


def _measures(plan: Plan) -> list[Measure]:
    return list(plan.measures.order_by("position"))


def _assign(context: DemoContext, plan: Plan, measure: Measure, executors, **values) -> Measure:
    return actions.save_measure(
        by=context.by, plan=plan, measure=measure, values=values, links={"executors": executors}
    )


def _region_plan(context: DemoContext, year: int, people: dict, evidence: bytes) -> Plan:
    seed = template("region-2021-22")
    plan = actions.create_plan(
        by=context.by,
        scope=context.region,
        school_year=year,
        template_key=seed.key,
        measures=actions.measure_rows_of(seed, year),
        order=_order("Приказ министерства образования Демонстрационного края", "1157", datetime.date(year, 9, 15)),
    )
    analyst, coko = people["analyst"], people["coko"]
    measures = _measures(plan)
    for n, measure in enumerate(measures):
        _assign(context, plan, measure, [coko] if n % 4 == 3 else [analyst])
    # I.1 (30 November) stays open: overdue from December. IV.1 (30 November) is done and accepted.
    section_iv = next(m for m in measures if m.section_number == "IV.")
    _accept(context, section_iv, "Проведены собеседования с руководителями ОО, протоколы приложены.", evidence)
    first_all_year = next(m for m in measures if m.deadline_text == "Весь период")
    _file(context, first_all_year, "Проведён семинар для муниципальных координаторов, протокол приложен.", evidence)
    return plan


def _municipal_plan(context: DemoContext, year: int, people: dict, evidence: bytes) -> Plan:
    seed = template("municipality-2023-24")
    municipality = context.shared["municipalities"][0]
    plan = actions.create_plan(
        by=context.by,
        scope=municipality,
        school_year=year,
        template_key=seed.key,
        measures=actions.measure_rows_of(seed, year),
        order=_order("Приказ управления образования", "214-о", datetime.date(year, 9, 20)),
    )
    mun, mms = people["mun"], people["mms"]
    for n, measure in enumerate(_measures(plan)):
        _assign(context, plan, measure, [mms] if n % 3 == 2 else [mun])
    return plan


def _schools_for_plans(context: DemoContext) -> list:
    """The first few schools with signs in the latest run (those of the first municipality first), and the school of
    the demo's school administrator, so that its «Мои мероприятия» have something."""
    from objectivity.detection import signs
    from objectivity.detection.models import DetectionRun, Finding, RunStatus
    from objectivity.orgs.models import School

    first_school = context.shared["schools"][0]
    run = DetectionRun.objects.filter(region=context.region, status=RunStatus.DONE).order_by("-year", "-created_at")
    latest = run.first()
    chosen = [first_school]
    if latest is not None:
        flagged = Finding.objects.filter(run=latest).filter(signs.OURS | signs.FIOCO).values("school")
        home = context.shared["municipalities"][0]
        schools = School.objects.filter(pk__in=flagged).exclude(pk=first_school.pk)
        ordered = sorted(schools, key=lambda s: (s.municipality_id != home.pk, s.login))
        chosen += ordered[:SCHOOLS_WITH_PLANS]
    return chosen


def _school_plan(context: DemoContext, school, year: int, people: dict, evidence: bytes, today) -> Plan:
    seed = template("school-2020-21")
    plan = actions.create_plan(
        by=context.by,
        scope=school,
        school_year=year,
        template_key=seed.key,
        measures=actions.measure_rows_of(seed, year),
        order=_order("Приказ директора", "45-о", datetime.date(year, 9, 1)),
    )
    admin = people.get(school.login)
    executors = [admin] if admin is not None else []
    measures = _measures(plan)
    procedure = workdays.add_working_days(today, 3)  # the next ВПР in the school: its briefing falls due soon
    for measure in measures:
        relative = measure.deadline_text.startswith("не позднее")
        if executors or relative:
            _assign(context, plan, measure, executors, **({"procedure_date": procedure} if relative else {}))
    # 1.1 accepted; 1.2 returned with a reason; 2.1 awaiting a decision; 2.2 («октябрь, апрель») left open.
    _accept(context, measures[0], "Результаты ВПР обсуждены на заседаниях ШМО, протоколы приложены.", evidence)
    returned = _file(context, measures[1], "Педагоги приняли участие в вебинарах.", evidence)
    actions.decide_report(
        by=context.by, report=returned, accept=False, reason="Приложите сертификаты или список участников вебинаров."
    )
    section_two = [m for m in measures if m.section_number == "2."]
    _file(
        context,
        section_two[0],
        "Комплексный анализ результатов подготовлен, аналитическая справка приложена.",
        evidence,
    )
    return plan


def _file(context: DemoContext, measure: Measure, comment: str, evidence: bytes):
    upload = SimpleUploadedFile("протокол.pdf", evidence, content_type="application/pdf")
    return actions.file_report(by=context.by, measure=measure, comment=comment, uploads=[upload])


def _accept(context: DemoContext, measure: Measure, comment: str, evidence: bytes) -> None:
    actions.decide_report(by=context.by, report=_file(context, measure, comment, evidence), accept=True)


def _protocol_pdf() -> bytes:
    """A one-page protocol as the documents stack writes it (made once, attached to every demo report)."""
    from objectivity.core import documents

    document = documents.Document(
        title="Протокол заседания школьного методического объединения",
        issuer="Демонстрационная ОО",
        blocks=[
            documents.Paragraph("Повестка: результаты Всероссийских проверочных работ и объективность оценивания."),
            documents.Paragraph("Решили: провести собеседования с педагогами, обсудить критерии оценивания на ШМО."),
        ],
    )
    with _quiet("weasyprint"):
        return documents.render(document, "pdf")


@contextmanager
def _quiet(name: str):
    """WeasyPrint warns about its font subsetter on some systems: noise in the demo loader's console."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
