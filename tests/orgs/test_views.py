"""The school list and other tables: filters, search, sorting, pagination, XLSX export; registry import page."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from objectivity.authz.roles import VIEW_ORGS
from objectivity.core.models import Job
from objectivity.orgs.models import School
from tests.factories import SchoolFactory


@pytest.fixture
def many(world):
    for i in range(60):
        SchoolFactory(
            municipality=world.other_municipality,
            short_name=f"МКОУ «Школа {i:02d}»",
            settlement="village",
            is_small=i % 3 == 0,
            school_type="oosh" if i % 2 else "sosh",
        )
    return world


def rows_of(response):
    return response.context["page"].paginator.count, [row[0]["value"] for row in response.context["rows"]]


def test_filters_combine(many, client):
    client.force_login(many.users["region_analyst"])
    url = reverse("school-list")
    total, _ = rows_of(client.get(url))
    assert total == 62
    count, _ = rows_of(client.get(url, {"municipality": many.other_municipality.pk, "is_small": "1"}))
    assert count == 20
    count, _ = rows_of(client.get(url, {"settlement": "village", "school_type": "oosh", "is_small": "0"}))
    assert count == School.objects.filter(settlement="village", school_type="oosh", is_small=False).count()
    count, logins = rows_of(client.get(url, {"q": "Школа 07"}))
    assert count == 1


def test_sorting_and_pagination(many, client):
    client.force_login(many.users["region_analyst"])
    url = reverse("school-list")
    _, first_page = rows_of(client.get(url, {"sort": "-login"}))
    assert first_page == sorted(first_page, reverse=True) and len(first_page) == 50
    _, second_page = rows_of(client.get(url, {"sort": "-login", "page": 2}))
    assert len(second_page) == 12 and max(second_page) < min(first_page)
    assert rows_of(client.get(url, {"sort": "no-such-column"}))[0] == 62  # unknown keys fall back to the default


def test_export_has_every_filtered_row_not_only_the_page(many, client):
    client.force_login(many.users["region_analyst"])
    response = client.get(reverse("school-list"), {"municipality": many.other_municipality.pk, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    logins = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = School.objects.filter(municipality=many.other_municipality).values_list("login", flat=True)
    assert sorted(logins) == sorted(expected) and len(logins) == 61
    assert sheet["A1"].value == "Логин" and sheet.freeze_panes == "A2"


def test_row_gate_applies_to_lists_and_exports(many, client):
    client.force_login(many.users["municipal_coordinator"])
    count, logins = rows_of(client.get(reverse("school-list")))
    assert (count, logins) == (1, ["sch220001"])
    response = client.get(reverse("school-list"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["sch220001"]
    # Filtering by another municipality cannot widen the scope.
    response = client.get(reverse("school-list"), {"municipality": many.other_municipality.pk})
    assert rows_of(response)[0] == 1  # the invalid choice is ignored, the gate still holds


def test_empty_state(world, client):
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("school-list"), {"q": "нет такой"}).content.decode()
    assert "Ничего не найдено" in page or "Найдено 0 записей" in page


def test_municipality_and_body_lists(world, client):
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("municipality-list")).content.decode()
    assert "Каменский муниципальный район" in page and "Соседняя область" not in page
    assert "Центр оценки качества образования" in client.get(reverse("body-list")).content.decode()


def _upload(text, name="reestr.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_registry_import_page_runs_a_job(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_admin"])
    text = "логин;полное наименование;муниципалитет\nsch220400;МБОУ «СОШ № 400»;Каменский муниципальный район\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry-import"), {"file": _upload(text)})
    job = Job.objects.get()
    assert response.url == reverse("job-detail", args=[job.pk])
    assert job.status == "done" and job.result["created"] == 1 and job.progress == 100
    page = client.get(response.url).content.decode()
    assert 'data-test="import-done"' in page
    status = client.get(reverse("job-status", args=[job.pk])).json()
    assert status == {"status": "done", "progress": 100, "message": job.message, "finished": True}


def test_registry_problems_download(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_admin"])
    text = "логин;полное наименование;муниципалитет\nbad;;\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry-import"), {"file": _upload(text)})
    job = Job.objects.get()
    response = client.get(reverse("registry-problems", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Строка", "Столбец", "Значение", "Ошибка")
    assert {r[1] for r in rows[1:]} == {"логин", "полное наименование", "муниципалитет"}


def test_wrong_file_type_is_refused_before_upload_is_stored(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("registry-import"), {"file": _upload("x", name="реестр.docx")})
    assert response.status_code == 200 and "реестр.docx" in response.content.decode()
    assert not Job.objects.exists()


@override_settings(MAX_UPLOAD_MB=0)
def test_upload_size_limit(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("registry-import"), {"file": _upload("логин\n" * 10)})
    assert "допускается не более 0 МБ" in response.content.decode()
    assert not Job.objects.exists()


def test_template_is_a_workbook_the_importer_accepts(world, client, tmp_path):
    from objectivity.orgs.registry import import_registry

    client.force_login(world.users["region_admin"])
    path = tmp_path / "template.xlsx"
    path.write_bytes(client.get(reverse("registry-template")).content)
    report = import_registry(path, "template.xlsx", world.region, by=world.users["region_admin"])
    assert report.ok, report.problems
    school = School.objects.get(login="sch220001")  # the example row
    assert school.municipality.name == "Городской округ Примерный" and school.pupils_by_grade["11"] == 25


def test_admin_edits_a_school_and_the_change_is_audited(world, client):
    from objectivity.audit.models import AuditEvent

    client.force_login(world.users["region_admin"])
    data = {
        "full_name": world.school.full_name,
        "short_name": "МБОУ «СОШ № 1 им. Гагарина»",
        "municipality": world.school.municipality_id,
        "school_type": "sosh",
        "settlement": "city",
        "is_small": "",
        "is_branch": "",
        "is_advanced": "on",
        "email": "s1@example.invalid",
    }
    assert client.post(reverse("school-edit", args=[world.school.pk]), data).status_code == 302
    world.school.refresh_from_db()
    assert world.school.is_advanced and world.school.short_name.endswith("Гагарина»")
    event = AuditEvent.objects.get(action="update", object_type="orgs.School")
    assert event.before["short_name"] == "МБОУ «СОШ № 1»" and event.after["is_advanced"] is True


def test_body_level_rules(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("body-create"), {"kind": "mouo", "name": "Управление образования"})
    assert "МОУО и ММС" in response.content.decode()
    response = client.post(
        reverse("body-create"),
        {"kind": "mouo", "name": "Управление образования", "municipality": world.municipality.pk},
    )
    assert response.status_code == 302
    assert world.municipality.bodies.get().name == "Управление образования"


def test_admin_adds_a_second_role(world, client):
    client.force_login(world.users["region_admin"])
    expert = world.users["expert"]
    client.post(reverse("membership-add", args=[expert.pk]), {"role": "public_observer", "school": "sch220002"})
    assert expert.memberships.count() == 2
    expert.forget_memberships()
    assert set(School.objects.visible_to(expert, VIEW_ORGS).values_list("login", flat=True)) == {
        "sch220001",
        "sch220002",
    }
