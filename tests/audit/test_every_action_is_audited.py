"""Every registered write action leaves an audit row with before/after, in the same transaction."""

import datetime

import pytest

from objectivity.access import actions as access_actions
from objectivity.audit.models import AuditEvent
from objectivity.authz.roles import VIEW_AUDIT
from objectivity.core import calendar_actions
from objectivity.core.actions import REGISTRY
from objectivity.core.tabular import RawTable
from objectivity.detection.actions import save_thresholds, stored_settings
from objectivity.orgs import actions as orgs_actions
from objectivity.orgs.models import Body
from objectivity.reports.actions import save_report_texts
from objectivity.reports.federal_columns import guess
from objectivity.reports.federal_import import import_federal_list
from objectivity.results import actions as results_actions
from objectivity.results.models import Assessment, FederalWindow, ScheduleEntry
from objectivity.results.reference import parse_catalogue


def _call(name, world):
    admin = world.users["region_admin"]
    expert = world.users["expert"]
    calls = {
        "create_user": lambda: access_actions.create_user(
            by=admin, username="newbie", role="expert", level="region", scope=world.region, last_name="Петров"
        ),
        "update_user": lambda: access_actions.update_user(by=admin, user=expert, position="учитель"),
        "add_membership": lambda: access_actions.add_membership(
            by=admin, user=expert, role="public_observer", level="school", scope=world.school
        ),
        "remove_membership": lambda: access_actions.remove_membership(by=admin, membership=expert.memberships.get()),
        "reset_password": lambda: access_actions.reset_password(by=admin, user=expert),
        "change_own_password": lambda: access_actions.change_own_password(by=expert, new_password="a-new-long-pass"),
        "create_school_accounts": lambda: access_actions.create_school_accounts(by=admin, schools=[world.other_school]),
        "create_assignment": lambda: _assignment(world),
        "end_assignment": lambda: access_actions.end_assignment(
            by=admin, assignment=_assignment(world), today=datetime.date(2025, 4, 16)
        ),
        "update_school": lambda: orgs_actions.update_school(by=admin, school=world.school, is_small=True),
        "create_region": lambda: access_actions.create_region(
            by=admin, code="23", name="Краснодарский край", admin="kuban-admin", password="Ясный-пароль-2026"
        ),
        "save_body": lambda: orgs_actions.save_body(by=admin, body=Body(kind="rcoi", name="РЦОИ", region=world.region)),
        "withdraw_import": lambda: results_actions.withdraw_import(by=admin, result_import=_result_import(world)),
        "add_unknown_schools": lambda: results_actions.add_unknown_schools(
            by=admin,
            result_import=_result_import(world),
            entries=[{"login": "sch229003", "short_name": "СОШ № 3", "municipality": world.municipality}],
        ),
        "save_reference": lambda: results_actions.save_reference(
            by=admin, assessment=Assessment.objects.first(), values={"max_total": 20, "source": "ФИОКО"}
        ),
        "save_schedule_entry": lambda: results_actions.save_schedule_entry(by=admin, entry=_schedule_entry(world)),
        "delete_schedule_entry": lambda: results_actions.delete_schedule_entry(
            by=admin, entry=results_actions.save_schedule_entry(by=admin, entry=_schedule_entry(world))
        ),
        "save_window": lambda: results_actions.save_window(
            by=admin,
            window=FederalWindow(
                procedure="vpr",
                year=2025,
                period="spring",
                starts=datetime.date(2025, 4, 1),
                ends=datetime.date(2025, 5, 16),
            ),
        ),
        "import_schedule_file": lambda: results_actions.import_schedule_file(
            by=admin,
            table=RawTable(
                ["логин", "предмет", "класс", "дата"], [["sch220001", "математика", "4А", "15.04.2025"]], [2]
            ),
            name="график.xlsx",
            region=world.region,
        ),
        "import_control_file": lambda: results_actions.import_control_file(
            by=admin,
            table=RawTable(["логин"], [["sch220001"]], [2]),
            name="выборка.xlsx",
            region=world.region,
            assessment=Assessment.objects.first(),
        ),
        "save_thresholds": lambda: save_thresholds(by=admin, region=world.region, year=2025, values={"min_n": 10}),
        "stored_settings": lambda: stored_settings(by=admin, region=world.region, year=2031),
        "import_federal_list": lambda: import_federal_list(
            by=admin,
            region=world.region,
            table=RawTable(["Год", "Логин", "ОО", "4 РУ"], [["2025", "sch220001", "МБОУ «СОШ № 1»", "1"]], [2]),
            mapping=guess(["Год", "Логин", "ОО", "4 РУ"]).mapping,
            file_name="перечень.xlsx",
            sha256="0" * 64,
        ),
        "save_report_texts": lambda: save_report_texts(
            by=admin, region=world.region, year=2026, texts={"conclusions": "Выводы {год} года."}
        ),
        "set_calendar_day": lambda: calendar_actions.set_calendar_day(
            by=admin, day=datetime.date(2026, 5, 27), working=False, note="Указ Раиса РТ № УП-1"
        ),
        "remove_calendar_day": lambda: calendar_actions.remove_calendar_day(
            by=admin,
            calendar_day=calendar_actions.set_calendar_day(
                by=admin, day=datetime.date(2026, 5, 27), working=False, note="Указ Раиса РТ № УП-1"
            ),
            reason="Указ отменён",
        ),
        "import_catalogue": lambda: results_actions.import_catalogue(
            by=admin,
            entries=parse_catalogue(
                "tests:\n  - {year: 2024, grade: 4, subject: ma, max_total: 20, scale: {'3': 6, '4': 10, '5': 15}}\n",
                "c",
            ),
            source_name="catalogue.yaml",
        ),
        **_plan_calls(world),
    }
    return calls[name.rsplit(".", 1)[1]]


def _plan_calls(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from objectivity.plans import actions as plans

    school_admin = world.users["school_admin"]

    def plan():
        return plans.create_plan(
            by=school_admin, scope=world.school, school_year=2026, measures=[{"title": "Совещание", "number": "1"}]
        )

    def measure():
        return plan().measures.get()

    def report():
        pdf = SimpleUploadedFile("протокол.pdf", b"%PDF-1.4\n%%EOF\n")
        return plans.file_report(by=school_admin, measure=measure(), comment="Проведено", uploads=[pdf])

    return {
        "create_plan": plan,
        "amend_plan": lambda: plans.amend_plan(by=school_admin, plan=plan(), order={}, changes="Новый срок"),
        "update_plan_order": lambda: plans.update_plan_order(
            by=school_admin, plan=plan(), order={"order_number": "12", "order_body": "Приказ директора"}
        ),
        "save_measure": lambda: plans.save_measure(
            by=school_admin, plan=plan(), measure=None, values={"title": "Собрание"}, links={}
        ),
        "delete_measure": lambda: plans.delete_measure(by=school_admin, measure=measure()),
        "start_measure": lambda: plans.start_measure(by=school_admin, measure=measure()),
        "cancel_measure": lambda: plans.cancel_measure(by=school_admin, measure=measure(), reason="Не нужно"),
        "file_report": report,
        "decide_report": lambda: plans.decide_report(
            by=world.users["municipal_coordinator"], report=report(), accept=True
        ),
        "purge_expired_evidence": lambda: (
            report() and plans.purge_expired_evidence(by=school_admin, today=datetime.date(2100, 1, 1))
        ),
    }


def _assignment(world):
    return access_actions.create_assignment(
        by=world.users["region_admin"],
        user=world.users["expert"],
        role="expert",
        school=world.school,
        assessment=Assessment.objects.first(),
        starts=datetime.date(2025, 4, 15),
        ends=datetime.date(2025, 4, 18),
    )


def _schedule_entry(world):
    return ScheduleEntry(
        school=world.school, assessment=Assessment.objects.first(), class_label="4А", date=datetime.date(2025, 4, 15)
    )


def _result_import(world):
    from pathlib import Path

    from objectivity.results.importer import import_results
    from objectivity.results.models import ResultImport

    sample = Path(__file__).resolve().parent.parent / "fixtures" / "results"
    path = next(sample.glob("Проведение работы*.xlsx"))
    outcome = import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    return ResultImport.objects.get(pk=outcome.import_id)


def test_every_action_has_a_case_here(world):
    for name in REGISTRY:
        assert _call(name, world), f"{name} has no audit test case"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_action_leaves_audit_row(name, world):
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    _call(name, world)()
    rows = list(AuditEvent.objects.filter(id__gt=start))
    assert rows, f"{name} wrote no audit row"
    for row in rows:
        assert row.actor is not None and row.action
        assert row.before is not None or row.after is not None, f"{name}: audit row without before/after"
        assert "password" not in (row.after or {}), "password hashes never enter the audit log"


def test_action_requires_by():
    with pytest.raises(TypeError):
        access_actions.reset_password(user=None)


def test_logins_are_visible_to_the_regional_administrator(world, client):
    from django.urls import reverse

    client.post(reverse("login"), {"username": "mun", "password": "wrong"})
    client.post(reverse("login"), {"username": "sch220001", "password": "correct-horse-battery"})
    visible = AuditEvent.objects.visible_to(world.users["region_admin"], VIEW_AUDIT)
    assert set(visible.values_list("action", flat=True)) >= {"login_failed", "login"}
    assert not AuditEvent.objects.visible_to(world.users["outsider"], VIEW_AUDIT).filter(action="login").exists()
