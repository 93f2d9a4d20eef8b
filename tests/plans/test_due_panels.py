"""«Сроки по планам мероприятий» on the start pages: the viewer's own overdue and soon-due measures, the counts of the
viewer's scope, and nothing from outside it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from objectivity.core import workdays
from objectivity.plans import actions

HOME = reverse("home")


def _day(value: datetime.date) -> str:
    return f"{value:%d.%m.%Y}"


@pytest.fixture
def plans(world):
    """Dates relative to the real today: a school's measures (one overdue, one due tomorrow's working day, one with a
    report awaiting a decision), the other municipality's school with an overdue measure, a municipality's plan."""
    today = timezone.localdate()
    past, soon = _day(today - datetime.timedelta(days=3)), _day(workdays.add_working_days(today, 1))
    admin, mun = world.users["school_admin"], world.users["municipal_coordinator"]
    school_plan = _plan(world.school, admin, [("Собеседование с ШМО", past), ("Инструктаж организаторов", soon)])
    overdue, due = school_plan.measures.order_by("position")
    _executors(school_plan, admin, overdue, due)
    reported = _measure(school_plan, admin, "Анализ результатов ВПР", "в течение учебного года")
    actions.file_report(by=admin, measure=reported, comment="Аналитическая справка подготовлена")
    other_plan = _plan(world.other_school, world.users["region_admin"], [("Собеседование в Каменской ООШ", past)])
    municipal_plan = _plan(world.municipality, mun, [("Совещание руководителей ОО", soon)])
    _executors(municipal_plan, mun, *municipal_plan.measures.all())
    return {"school": school_plan, "other": other_plan, "municipal": municipal_plan, "overdue": overdue, "due": due}


def _plan(scope, by, rows):
    measures = [{"number": str(n), "title": title, "deadline_text": due} for n, (title, due) in enumerate(rows, 1)]
    return actions.create_plan(by=by, scope=scope, school_year=2026, measures=measures)


def _measure(plan, by, title, deadline):
    values = {"number": "9", "title": title, "deadline_text": deadline}
    return actions.save_measure(by=by, plan=plan, measure=None, values=values, links={})


def _executors(plan, user, *measures):
    for measure in measures:
        actions.save_measure(by=user, plan=plan, measure=measure, values={}, links={"executors": [user]})


def _panel(client, user) -> str | None:
    client.force_login(user)
    found = [html for html in client.get(HOME).context["attention"] if 'data-test="due-panel"' in html]
    return found[0] if found else None


def _count(panel: str, position: int) -> str:
    cards = panel[panel.index('data-test="scope-counts"') :]
    return cards.split('<div class="big">')[position + 1].split("<")[0]


def test_a_school_admin_sees_their_measures_and_their_schools_counts_only(plans, world, client):
    panel = _panel(client, world.users["school_admin"])
    assert "Сроки по планам мероприятий" in panel
    overdue, due = panel.index('data-test="my-overdue"'), panel.index('data-test="my-due"')
    assert overdue < panel.index("Собеседование с ШМО") < due < panel.index("Инструктаж организаторов")
    assert reverse("measure-detail", args=[plans["overdue"].pk]) in panel
    assert reverse("plans-mine") in panel
    assert "Каменской" not in panel and "Совещание руководителей" not in panel  # another school's, the municipality's
    assert (_count(panel, 0), _count(panel, 1), _count(panel, 2)) == ("1", "1", "1")
    assert reverse("plan-detail", args=[plans["school"].pk]) in panel  # its report awaits the school's decision


def test_a_municipality_sees_its_own_measures_and_its_schools_not_the_other_municipalitys(plans, world, client):
    panel = _panel(client, world.users["municipal_coordinator"])
    assert "Совещание руководителей ОО" in panel[panel.index('data-test="my-due"') :]
    assert 'data-test="my-overdue"' not in panel and "Собеседование с ШМО" not in panel  # not its executor
    # Its school's overdue measure counts, the other municipality's school's does not.
    assert (_count(panel, 0), _count(panel, 1), _count(panel, 2)) == ("1", "2", "1")
    assert reverse("plan-detail", args=[plans["school"].pk]) in panel
    assert reverse("plan-detail", args=[plans["other"].pk]) not in panel


def test_the_region_analyst_sees_the_counts_of_the_region(plans, world, client):
    panel = _panel(client, world.users["region_analyst"])
    assert (_count(panel, 0), _count(panel, 1), _count(panel, 2)) == ("2", "2", "1")
    assert 'data-test="my-' not in panel  # executor of nothing: no section of their own
    assert "Собеседование" not in panel  # counts, not another person's measures


def test_the_outsider_region_sees_none_of_it(plans, world, client):
    panel = _panel(client, world.users["outsider"])
    assert (_count(panel, 0), _count(panel, 1), _count(panel, 2)) == ("0", "0", "0")


def test_an_executor_with_nothing_due_reads_so(plans, world, client):
    admin = world.users["school_admin"]
    for measure in (plans["overdue"], plans["due"]):
        actions.cancel_measure(by=admin, measure=measure, reason="Мероприятие объединено с другим")
    panel = _panel(client, admin)
    assert 'data-test="my-nothing-due"' in panel
    assert "Ни у одного из ваших мероприятий срок исполнения не истёк" in panel


def test_people_without_plans_do_not_get_the_panel(plans, world, client):
    assert _panel(client, world.users["public_observer"]) is None


def test_plans_awaiting_a_decision_are_the_controlled_ones_by_owner_and_the_rest_counted(plans, world, monkeypatch):
    from objectivity.plans import panels

    mun, region_admin = world.users["municipal_coordinator"], world.users["region_admin"]
    for plan, by in ((plans["other"], region_admin), (plans["municipal"], mun)):
        measure = plan.measures.order_by("position").first()
        actions.file_report(by=by, measure=measure, comment="Проведено")
    today = timezone.localdate()
    region = panels._scope_counts(world.users["region_analyst"], today)
    expected = sorted([plans["school"], plans["other"], plans["municipal"]], key=lambda p: (p.owner_label, p.pk))
    assert region["plans_awaiting"] == expected and region["more_awaiting"] == 0
    # The coordinator controls its own plan and its school's, not the other municipality's school's.
    own = panels._scope_counts(mun, today)
    assert set(own["plans_awaiting"]) == {plans["school"], plans["municipal"]}
    monkeypatch.setattr(panels, "PLANS_SHOWN", 1)
    first = panels._scope_counts(world.users["region_analyst"], today)
    assert first["plans_awaiting"] == expected[:1] and first["more_awaiting"] == 2


def test_progress_by_municipality_counts_its_own_plans_and_its_schools(plans, world):
    from objectivity.plans import progress
    from objectivity.plans.access import visible_plans

    rows = progress.by_municipality(visible_plans(world.users["region_analyst"]))
    by_name = {row.municipality.name: row for row in rows}
    home, other = by_name[world.municipality.name], by_name[world.other_school.municipality.name]
    assert (home.own_plans, home.school_plans, home.schools_with_plans) == (1, 1, {world.school.pk})
    assert (other.own_plans, other.school_plans, other.schools_with_plans) == (0, 1, {world.other_school.pk})
    assert (home.tally.total, home.tally.overdue, other.tally.total, other.tally.overdue) == (4, 1, 1, 1)
    assert [row.municipality.name for row in rows] == sorted(by_name)
