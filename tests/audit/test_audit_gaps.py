"""Audit without gaps: console writes name an actor, list imports record every row, refused logins are kept,
and the audit log's own display of people's names is personal data (shown by role, its views recorded)."""

import dataclasses
import datetime
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from objectivity.access import actions as access_actions
from objectivity.access.forms import UserCreateForm
from objectivity.access.models import User
from objectivity.audit.models import AuditEvent
from objectivity.audit.views import HIDDEN
from objectivity.authz.roles import ROLES, VIEW_PEOPLE
from objectivity.core.actors import SYSTEM_USERNAME, system_user
from objectivity.core.tabular import RawTable
from objectivity.results import actions as results_actions
from objectivity.results.models import Assessment, ControlSample, ImportStatus, ResultImport, ScheduleEntry
from objectivity.results.reference import parse_catalogue
from tests.factories import MunicipalityFactory, SchoolFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "results"
REGIONAL = FIXTURES / "Проведение работы по математике, 4 класс. ВПР 2021 (пример).xlsx"
CATALOGUE = "tests:\n  - {year: 2024, grade: 4, subject: ma, max_total: %d, scale: {'3': 6, '4': 10, '5': 15}}\n"


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _rows_since(start: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=start).select_related("actor"))


def _assert_system_actor(rows: list[AuditEvent]) -> None:
    assert rows, "the command wrote no audit row"
    system = User.objects.get(username=SYSTEM_USERNAME)
    for row in rows:
        assert row.actor_id == system.pk and row.actor_username == SYSTEM_USERNAME, (row.action, row.object_type)


# ---- 1. console writes without --by ------------------------------------------------------------------------------


@pytest.fixture
def examples(world):
    """Schools of the sample results file, so its rows land in the registry."""
    municipality = MunicipalityFactory(region=world.region, name="Пример муниципальный район")
    for login in ("sch229001", "sch229002", "edu229001"):
        SchoolFactory(municipality=municipality, login=login, pupils_by_grade={"4": 30})


def test_the_system_account_can_do_nothing_but_be_named(db):
    form = UserCreateForm({"username": "System", "role": "expert"}, region=None)
    assert not form.is_valid() and "username" in form.errors, "the login is reserved before the account exists"
    user = system_user()
    assert system_user() == user, "created once, then found"
    assert (user.username, user.is_active, user.has_usable_password()) == (SYSTEM_USERNAME, False, False)
    assert not user.memberships.exists() and user.last_name


def test_a_usable_account_holding_the_reserved_login_is_refused(db):
    User.objects.create_user(username=SYSTEM_USERNAME, password="correct-horse-battery")
    with pytest.raises(CommandError):
        system_user()


def test_import_registry_without_by(world, tmp_path):
    path = tmp_path / "reestr.csv"
    path.write_text(
        "логин,полное наименование,муниципалитет\nsch220077,МБОУ «СОШ № 77»,Городской округ Северогорск\n",
        encoding="utf-8",
    )
    start = _last_id()
    call_command("import_registry", str(path), "--region", "22", stdout=io.StringIO(), stderr=io.StringIO())
    rows = _rows_since(start)
    _assert_system_actor(rows)
    assert {"create", "import"} <= {r.action for r in rows}


def test_import_results_without_by(world, examples):
    start = _last_id()
    call_command("import_results", str(REGIONAL), "--region", "22", stdout=io.StringIO(), stderr=io.StringIO())
    _assert_system_actor(_rows_since(start))
    assert ResultImport.objects.get().created_by.username == SYSTEM_USERNAME


def test_import_catalogue_without_by(db, tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE % 20, encoding="utf-8")
    start = _last_id()
    call_command("import_catalogue", str(path), stdout=io.StringIO())
    _assert_system_actor(_rows_since(start))


def test_import_description_without_by(db, tmp_path):
    from tests.results.test_descriptions import MATHS, workbook

    path = tmp_path / "ALL.xlsx"
    path.write_bytes(workbook(MATHS))
    start = _last_id()
    call_command("import_description", str(path), year=2021, grade=6, subject="ma", scale="2,4,5", stdout=io.StringIO())
    _assert_system_actor(_rows_since(start))


def test_create_region_without_by(db):
    call_command("create_region", "23", "Краснодарский край", "--admin", "kuban", stdout=io.StringIO())
    _assert_system_actor(_rows_since(0))


def test_purge_results_without_by(world, examples):
    call_command("import_results", str(REGIONAL), "--region", "22", stdout=io.StringIO(), stderr=io.StringIO())
    ResultImport.objects.update(
        status=ImportStatus.WITHDRAWN, withdrawn_at=timezone.now(), keep_files_until=datetime.date(2020, 1, 1)
    )
    start = _last_id()
    call_command("purge_results", stdout=io.StringIO())
    rows = _rows_since(start)
    _assert_system_actor(rows)
    assert [r.action for r in rows] == ["delete"]


def test_restore_is_recorded(transactional_db, tmp_path):
    call_command("backup", "--out", str(tmp_path / "x.tar.gz"), stdout=io.StringIO())
    call_command("restore", str(tmp_path / "x.tar.gz"), "--yes", stdout=io.StringIO())
    rows = _rows_since(0)
    _assert_system_actor(rows)
    assert [(r.action, r.object_type, r.object_repr) for r in rows] == [("import", "core.Backup", "x.tar.gz")]


def test_load_demo_records_what_it_creates(db, monkeypatch):
    import objectivity.results.demo as results_demo

    monkeypatch.setattr(results_demo, "demo_years", lambda today=None: [2021])
    monkeypatch.setattr(results_demo, "load_demo_results", lambda region, *, by, seed, progress: [])
    monkeypatch.setattr("objectivity.detection.runs.execute", lambda run, progress: {"index": None})
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    rows = _rows_since(0)
    _assert_system_actor(rows)
    created = {r.object_type for r in rows if r.action == "create"}
    assert {"orgs.Region", "orgs.Municipality", "orgs.School", "orgs.Body", "access.User"} <= created
    assert sum(r.object_type == "orgs.School" for r in rows) == 300


def test_an_unknown_by_is_refused_not_dropped(world, tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE % 20, encoding="utf-8")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_catalogue", str(path), "--by", "nobody")
    call_command("import_catalogue", str(path), "--by", "admin", stdout=io.StringIO())
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {"admin"}


# ---- 2. every row of schedule, control-sample and catalogue imports ----------------------------------------------


def _schedule(*rows) -> RawTable:
    return RawTable(["логин", "предмет", "класс", "дата"], [list(r) for r in rows], list(range(2, len(rows) + 2)))


def test_schedule_import_records_each_line_created_or_changed(world):
    admin = world.users["region_admin"]
    start = _last_id()
    results_actions.import_schedule_file(
        by=admin,
        table=_schedule(
            ("sch220001", "математика", "4А", "15.04.2025"), ("sch220002", "математика", "4Б", "16.04.2025")
        ),
        name="график.xlsx",
        region=world.region,
    )
    rows = _rows_since(start)
    lines = {r.object_id: r for r in rows if r.object_type == "results.ScheduleEntry" and r.action == "create"}
    assert len(lines) == 2 and set(lines) == {str(pk) for pk in ScheduleEntry.objects.values_list("pk", flat=True)}
    first = ScheduleEntry.objects.get(school=world.school)
    assert lines[str(first.pk)].after == {
        "school_id": world.school.pk,
        "assessment_id": first.assessment_id,
        "class_label": "4А",
        "date": "2025-04-15",
    }
    assert lines[str(first.pk)].school_id == world.school.pk and lines[str(first.pk)].region_id == world.region.pk
    work = [r for r in rows if r.object_type == "results.Assessment"]
    assert len(work) == 1 and work[0].after["year"] == 2025, "the new work is recorded too"
    assert [r.after["rows"] for r in rows if r.action == "import"] == [2]

    start = _last_id()
    results_actions.import_schedule_file(
        by=admin,
        table=_schedule(
            ("sch220001", "математика", "4А", "17.04.2025"), ("sch220002", "математика", "4Б", "16.04.2025")
        ),
        name="график-2.xlsx",
        region=world.region,
    )
    rows = _rows_since(start)
    updates = [r for r in rows if r.action == "update"]
    assert [(u.object_id, u.before, u.after) for u in updates] == [
        (str(first.pk), {"date": "2025-04-15"}, {"date": "2025-04-17"})
    ], "only the line whose date changed"
    assert ScheduleEntry.objects.get(pk=first.pk).date == datetime.date(2025, 4, 17)
    assert all(r.actor == admin for r in rows)


def test_schedule_import_makes_no_query_per_row(world):
    letters = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"

    def queries(count: int, day: str) -> int:
        table = _schedule(*[("sch220001", "математика", f"4{c}", day) for c in letters[:count]])
        with CaptureQueriesContext(connection) as captured:
            report = results_actions.import_schedule_file(
                by=world.users["region_admin"], table=table, name="g.xlsx", region=world.region
            )
        assert report.ok
        return len(captured)

    queries(1, "14.04.2025")  # the work exists from here on
    assert queries(3, "15.04.2025") == queries(25, "16.04.2025")
    lines = AuditEvent.objects.filter(object_type="results.ScheduleEntry")
    assert (lines.filter(action="create").count(), lines.filter(action="update").count()) == (25, 1 + 3)


def test_control_sample_import_records_each_entry(world):
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    start = _last_id()
    results_actions.import_control_file(
        by=world.users["region_admin"],
        table=RawTable(["логин"], [["sch220001"], ["sch220002"], ["sch220001"]], [2, 3, 4]),
        name="выборка.xlsx",
        region=world.region,
        assessment=work,
    )
    rows = _rows_since(start)
    entries = [r for r in rows if r.object_type == "results.ControlSample" and r.action == "create"]
    samples = {str(c.pk): c for c in ControlSample.objects.all()}
    assert sorted(r.object_id for r in entries) == sorted(samples)
    for row in entries:
        sample = samples[row.object_id]
        assert row.after == {"assessment_id": work.pk, "school_id": sample.school_id}
    start = _last_id()
    results_actions.import_control_file(
        by=world.users["region_admin"],
        table=RawTable(["логин"], [["sch220001"]], [2]),
        name="выборка.xlsx",
        region=world.region,
        assessment=work,
    )
    assert [r.action for r in _rows_since(start)] == ["import"], "nothing new, only the summary"


def test_catalogue_import_records_each_work_and_version(world):
    admin = world.users["region_admin"]
    start = _last_id()
    results_actions.import_catalogue(by=admin, entries=parse_catalogue(CATALOGUE % 20, "c"), source_name="c.yaml")
    rows = _rows_since(start)
    work = Assessment.objects.get(year=2024, grade=4, subject="ma")
    created = {r.object_type: r for r in rows if r.action == "create"}
    assert created["results.Assessment"].object_id == str(work.pk)
    version = created["results.ReferenceVersion"]
    assert version.before is None and version.after["max_total"] == 20 and version.after["version"] == 1
    assert (version.after["cut3"], version.after["cut4"], version.after["cut5"]) == (6, 10, 15)

    start = _last_id()
    results_actions.import_catalogue(by=admin, entries=parse_catalogue(CATALOGUE % 21, "c"), source_name="c2.yaml")
    rows = _rows_since(start)
    versions = [r for r in rows if r.object_type == "results.ReferenceVersion" and r.action == "create"]
    assert len(versions) == 1 and not any(r.object_type == "results.Assessment" for r in rows)
    assert (versions[0].before["max_total"], versions[0].after["max_total"], versions[0].after["version"]) == (
        20,
        21,
        2,
    )

    start = _last_id()
    results_actions.import_catalogue(by=admin, entries=parse_catalogue(CATALOGUE % 21, "c"), source_name="c3.yaml")
    assert [r.action for r in _rows_since(start)] == ["import"], "an unchanged work adds no row but the summary"


# ---- 3. refused logins, also while blocked --------------------------------------------------------------------


def test_every_refused_login_is_recorded_even_while_blocked(world, client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    secret = "wrong-secret-Ω"
    for _ in range(2):
        client.post(reverse("login"), {"username": "mun", "password": secret}, REMOTE_ADDR="203.0.113.7")
    response = client.post(
        reverse("login"), {"username": "mun", "password": "correct-horse-battery"}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session, "blocked, even with the password"
    rows = list(AuditEvent.objects.filter(action="login_failed").order_by("id"))
    assert len(rows) == 3
    for row in rows:
        assert (row.object_repr, row.ip, row.actor_id) == ("mun", "203.0.113.7", None)
        assert row.municipality_id == world.municipality.pk, "filed where the account works"
        text = json.dumps([row.before, row.after, row.note, row.object_repr], ensure_ascii=False)
        assert secret not in text and "correct-horse-battery" not in text
    assert [r.after["blocked"] for r in rows] == [False, False, True]


# ---- 4. the audit log shows people: by role, and recorded ------------------------------------------------------


@pytest.fixture
def person(world):
    access_actions.create_user(
        by=world.users["region_admin"],
        username="petrov",
        role="expert",
        level="region",
        scope=world.region,
        last_name="Петров",
        first_name="Пётр",
        email="petrov@example.invalid",
    )
    return User.objects.get(username="petrov")


def _personal_views(viewer) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="view_personal", actor=viewer).order_by("id"))


def test_who_may_see_people_sees_names_and_the_view_is_recorded(world, client, person):
    admin = world.users["region_admin"]
    client.force_login(admin)
    page = client.get(reverse("audit-list"), {"action": "create"}).content.decode()
    assert "Петров" in page and "petrov@example.invalid" in page
    [view] = _personal_views(admin)
    assert "/audit" in view.object_repr and "action=create" in view.object_repr
    assert person.pk in view.after["user_ids"]
    assert view.after["rows"] >= 2 and view.after["rows_with_personal_data"] == 1

    response = client.get(reverse("audit-list"), {"format": "xlsx"})
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert any("Петров" in str(c) for c in cells)
    views = _personal_views(admin)
    assert len(views) == 2 and "format=xlsx" in views[1].object_repr and person.pk in views[1].after["user_ids"]


def test_a_page_without_people_records_no_view(world, client, person):
    admin = world.users["region_admin"]
    client.force_login(admin)
    client.get(reverse("audit-list"), {"action": "login"})
    assert not _personal_views(admin)


def test_who_may_not_see_people_sees_logins_only(world, client, person, monkeypatch):
    role = ROLES["region_admin"]
    monkeypatch.setitem(ROLES, "region_admin", dataclasses.replace(role, permissions=role.permissions - {VIEW_PEOPLE}))
    admin = world.users["region_admin"]
    client.force_login(admin)
    page = client.get(reverse("audit-list")).content.decode()
    assert "petrov" in page, "logins stay"
    assert "Петров" not in page and "Пётр" not in page and "petrov@example.invalid" not in page
    assert str(HIDDEN) in page
    response = client.get(reverse("audit-list"), {"format": "xlsx"})
    cells = [
        str(c)
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert not any("Петров" in c or "petrov@example.invalid" in c for c in cells)
    assert not _personal_views(admin)
