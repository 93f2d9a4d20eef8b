"""The plans' pages through the test client: a plan from a template, the report cycle with a file, who sees and
changes what, the evidence file's download, «Мои мероприятия» and the progress pages."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.plans import actions
from objectivity.plans.models import ExecutionReport, Measure, Plan, Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _create(client, **fields):
    data = {"template": "school-2020-21", "level": "school", "school": "sch220001", "school_year": 2026, **fields}
    return client.post(reverse("plan-create"), data)


def test_a_school_makes_its_plan_from_a_template(world, login_as):
    client = login_as(world.users["school_admin"])
    page = client.get(reverse("plan-create"))
    assert page.status_code == 200
    assert "Паспартинская" in page.content.decode()  # the template's title is offered with its count
    response = _create(client, order_body="Приказ директора", order_number="45-о", order_date="2026-09-01")
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == reverse("plan-detail", args=[plan.pk])
    assert plan.school == world.school and plan.measures.count() == 9
    detail = client.get(response.url).content.decode()
    assert "Приказ директора от 01.09.2026 № 45-о" in detail
    assert detail.count('data-test="measure-row"') == 9


def test_a_school_cannot_make_another_schools_plan(world, login_as):
    response = _create(login_as(world.users["school_admin"]), school="sch220002")
    assert response.status_code == 400 and not Plan.objects.exists()
    assert "sch220002" in response.content.decode()


def _plan(world):
    return actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2026,
        measures=[{"number": "1", "title": "Совещание по итогам ВПР", "deadline_text": "октябрь, апрель"}],
    )


def test_the_report_cycle_with_a_file(world, login_as):
    plan = _plan(world)
    measure = plan.measures.get()
    client = login_as(world.users["school_admin"])
    url = reverse("measure-report", args=[measure.pk])
    response = client.post(url, {"comment": "Проведено", "evidence_files": [SimpleUploadedFile("p.pdf", PDF)]})
    assert response.status_code == 302
    report = ExecutionReport.objects.get()
    decide = reverse("report-decide", args=[report.pk])
    assert client.post(decide, {"decision": "accept"}).status_code == 403  # nobody decides on their own report
    client = login_as(world.users["municipal_coordinator"])
    refused = client.post(decide, {"decision": "return", "reason": ""})
    assert refused.status_code == 400 and "Укажите, почему" in refused.content.decode()
    client.post(decide, {"decision": "return", "reason": "Нет протокола"})
    assert Measure.objects.get(pk=measure.pk).status == Status.RETURNED
    page = client.get(reverse("measure-detail", args=[measure.pk])).content.decode()
    assert "Нет протокола" in page and "возвращено на доработку" in page
    login_as(world.users["school_admin"]).post(
        url, {"comment": "Протокол приложен", "evidence_files": [SimpleUploadedFile("p2.pdf", PDF)]}
    )
    second = ExecutionReport.objects.latest("pk")
    client = login_as(world.users["municipal_coordinator"])
    client.post(reverse("report-decide", args=[second.pk]), {"decision": "accept"})
    assert Measure.objects.get(pk=measure.pk).status == Status.ACCEPTED
    detail = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert 'data-test="done-percent">100<' in detail
    kinds = set(AuditEvent.objects.filter(object_type__startswith="plans.").values_list("object_type", flat=True))
    assert kinds >= {"plans.Plan", "plans.Measure", "plans.ExecutionReport"}


def test_a_disguised_file_is_refused_with_its_name_and_nothing_is_kept(world, login_as):
    measure = _plan(world).measures.get()
    client = login_as(world.users["school_admin"])
    fake = SimpleUploadedFile("протокол.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(reverse("measure-report", args=[measure.pk]), {"comment": "x", "evidence_files": [fake]})
    assert response.status_code == 400
    assert "протокол.pdf" in response.content.decode() and "по содержимому" in response.content.decode()
    assert not ExecutionReport.objects.exists()


def test_the_evidence_file_is_an_attachment_to_those_who_see_the_measure_only(world, login_as):
    measure = _plan(world).measures.get()
    report = actions.file_report(
        by=world.users["school_admin"], measure=measure, comment="x", uploads=[SimpleUploadedFile("p.pdf", PDF)]
    )
    url = reverse("evidence-file", args=[report.files.get().pk])
    response = login_as(world.users["mms_methodologist"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login_as(world.users["outsider"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "sees", "edits"),
    [
        ("school_admin", True, True),
        ("municipal_coordinator", True, True),
        ("mms_methodologist", True, False),
        ("region_analyst", True, True),
        ("methodologist", True, False),
        ("federal_analyst", True, False),
        ("outsider", False, False),
        ("public_observer", False, False),
    ],
)
def test_who_sees_and_edits_a_schools_plan(world, login_as, who, sees, edits):
    plan = _plan(world)
    client = login_as(world.users[who])
    assert client.get(reverse("plan-detail", args=[plan.pk])).status_code == (200 if sees else 404)
    amend = client.get(reverse("plan-amend", args=[plan.pk])).status_code
    assert amend == 200 if edits else amend in (403, 404)


def test_another_school_never_sees_the_plan(world, login_as):
    from tests.factories import MembershipFactory, UserFactory

    other = UserFactory(username="sch220002")
    MembershipFactory(user=other, role="school_admin", level="school", school=world.other_school)
    plan = _plan(world)
    client = login_as(other)
    assert client.get(reverse("plan-detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("measure-detail", args=[plan.measures.get().pk])).status_code == 404
    assert plan.title not in client.get(reverse("plan-list")).content.decode()


def test_an_executor_of_a_municipal_plan_sees_and_reports_on_their_measure(world, login_as):
    plan = actions.create_plan(
        by=world.users["municipal_coordinator"],
        scope=world.municipality,
        school_year=2026,
        measures=[{"title": "Собеседование с руководителями ОО"}, {"title": "Другое"}],
    )
    measure, other = plan.measures.order_by("position")
    school_admin = world.users["school_admin"]
    actions.save_measure(
        by=world.users["municipal_coordinator"],
        plan=plan,
        measure=measure,
        values={},
        links={"executors": [school_admin]},
    )
    client = login_as(school_admin)
    assert client.get(reverse("measure-detail", args=[measure.pk])).status_code == 200
    assert client.get(reverse("measure-detail", args=[other.pk])).status_code == 404
    mine = client.get(reverse("plans-mine")).content.decode()
    assert "Собеседование с руководителями ОО" in mine and "Другое" not in mine
    response = client.post(reverse("measure-report", args=[measure.pk]), {"comment": "Проведено 12 собеседований"})
    assert response.status_code == 302
    # …but the decision is the municipality's
    report = ExecutionReport.objects.get()
    assert client.post(reverse("report-decide", args=[report.pk]), {"decision": "accept"}).status_code == 403
    waiting = login_as(world.users["municipal_coordinator"]).get(reverse("plans-mine")).content.decode()
    assert 'data-test="waiting"' in waiting


def test_overdue_is_computed_and_counted_in_progress(world, login_as, monkeypatch):
    plan = actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2025,
        measures=[
            {"title": "Просроченное", "deadline_text": "30.11.2025"},
            {"title": "Будущее", "deadline_text": "01.06.2099"},
        ],
    )
    late = plan.measures.get(title="Просроченное")
    assert late.is_overdue(datetime.date(2025, 12, 1)) and not late.is_overdue(datetime.date(2025, 11, 30))
    client = login_as(world.users["municipal_coordinator"])
    page = client.get(reverse("plans-progress") + "?year=2025").content.decode()
    assert 'data-test="total-overdue">1<' in page
    assert "МБОУ" in page  # the school's plan is listed under its municipality's schools


def test_a_school_is_offered_its_own_level_only(world, login_as):
    form = login_as(world.users["school_admin"]).get(reverse("plan-create")).context["form"]
    assert [value for value, _label in form.fields["level"].choices] == ["school"]
    coordinator = login_as(world.users["municipal_coordinator"]).get(reverse("plan-create")).context["form"]
    assert [value for value, _label in coordinator.fields["level"].choices] == ["municipality", "school"]
    assert list(coordinator.fields["municipality"].queryset) == [world.municipality]


def test_a_plan_from_scratch_starts_empty_and_takes_measures(world, login_as):
    client = login_as(world.users["municipal_coordinator"])
    data = {"template": "", "level": "municipality", "municipality": world.municipality.pk, "school_year": 2026}
    response = client.post(reverse("plan-create"), data)
    plan = Plan.objects.get()
    assert response.status_code == 302 and plan.measures.count() == 0 and plan.current_version().measures == []
    assert "В плане пока нет мероприятий" in client.get(response.url).content.decode()
    added = client.post(
        reverse("measure-new", args=[plan.pk]),
        {"number": "1", "title": "Совещание с руководителями ОО", "deadline_text": "до 15 декабря 2026 года"},
    )
    assert added.status_code == 302
    assert plan.measures.get().due_date == datetime.date(2026, 12, 15)


def test_a_plan_from_an_office_docx_uploaded_on_the_page(world, login_as):
    from pathlib import Path

    docx = Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "office-plan-region.docx"
    client = login_as(world.users["region_analyst"])
    upload = SimpleUploadedFile(docx.name, docx.read_bytes())
    response = client.post(reverse("plan-create"), {"level": "region", "school_year": 2026, "source_file": upload})
    assert response.status_code == 302
    assert Plan.objects.get().measures.count() == 20


def test_a_bad_plan_file_says_what_and_makes_nothing(world, login_as):
    client = login_as(world.users["region_analyst"])
    upload = SimpleUploadedFile("план.docx", b"just some text, not a document")
    response = client.post(reverse("plan-create"), {"level": "region", "school_year": 2026, "source_file": upload})
    assert response.status_code == 400 and "план.docx" in response.content.decode()
    assert not Plan.objects.exists()


def test_the_school_card_shows_its_plans_to_who_sees_plans(world, login_as):
    plan = _plan(world)
    card = reverse("school-detail", args=[world.school.pk])
    page = login_as(world.users["municipal_coordinator"]).get(card).content.decode()
    assert 'data-test="school-plans"' in page and reverse("plan-detail", args=[plan.pk]) in page
    observer = login_as(world.users["public_observer"]).get(card).content.decode()
    assert 'data-test="school-plans"' not in observer


def test_progress_names_the_listed_schools_without_a_plan(world, login_as):
    from tests.reports.test_list import OURS_HIGH, _run, _work

    work = _work(2026)
    _run(world, 2026, [(world.school, work, OURS_HIGH), (world.other_school, work, OURS_HIGH)])
    _plan(world)  # sch220001 has its plan; sch220002 (the other municipality) has none
    client = login_as(world.users["region_analyst"])
    page = client.get(reverse("plans-progress") + "?year=2026").content.decode()
    assert page.count('data-test="without-plan">1<') == 1  # the other municipality: one listed school, no plan
    chosen = client.get(
        reverse("plans-progress") + f"?year=2026&municipality={world.other_municipality.pk}"
    ).content.decode()
    assert "Каменская ООШ" in chosen and 'data-table="without-plan"' in chosen


def test_the_measures_table_filters_overdue_and_exports_what_it_shows(world, login_as):
    import io

    import openpyxl

    actions.create_plan(
        by=world.users["school_admin"],
        scope=world.school,
        school_year=2025,
        measures=[
            {"number": "1", "title": "Просроченное совещание", "deadline_text": "30.11.2025"},
            {"number": "2", "title": "Будущий семинар", "deadline_text": "01.06.2099"},
        ],
    )
    actions.create_plan(
        by=world.users["region_analyst"],
        scope=world.other_school,
        school_year=2025,
        measures=[{"title": "Чужое просроченное", "deadline_text": "30.11.2025"}],
    )
    client = login_as(world.users["municipal_coordinator"])
    url = reverse("measure-list") + "?state=overdue"
    page = client.get(url).content.decode()
    assert "Просроченное совещание" in page and "Будущий семинар" not in page
    assert "Чужое просроченное" not in page  # another municipality's school
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).active
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Просроченное совещание"]
    start = login_as(world.users["municipal_coordinator"]).get(reverse("home")).content.decode()
    assert reverse("measure-list") + "?state=overdue" in start  # the start page's count leads here
