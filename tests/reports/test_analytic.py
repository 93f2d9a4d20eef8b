"""The regional analytic report: its sections drawn from the year's run (participation, results, signs, repeat
cases), the analyst's text sections with placeholders filled, saved through an audited action, written as DOCX and
PDF from the page and the command line; regional roles only."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.detection.models import DetectionRun
from objectivity.reports.models import ReportText
from objectivity.reports.report_texts import fill
from tests.opened import docx_text, libreoffice_pdf, pdf_text, pdf_to_pngs
from tests.reports.test_dashboard import _figures
from tests.reports.test_list import listed  # noqa: F401  (a fixture)

URL = reverse("analytic-report")


@pytest.fixture
def report_world(listed):  # noqa: F811
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    _figures(run, run.assessments.get(subject="ma"))
    return listed


def test_placeholders_are_filled_and_anything_else_kept():
    assert fill("В {год} году {неизвестное} {", {"год": "2026"}) == "В 2026 году {неизвестное} {"


def test_the_report_has_every_section_with_the_years_figures(report_world, client, tmp_path):
    client.force_login(report_world.users["region_analyst"])
    content = client.get(URL, {"format": "docx"}).content
    text = docx_text(content)
    for expected in ("Аналитический отчёт о результатах ВПР и объективности оценивания", "Участие", "Результаты",
                     "Признаки необъективности результатов", "Повторные случаи", "Выводы", "Рекомендации",
                     "Математика, 4 класс", "МБОУ «СОШ № 1»"):  # fmt: skip
        assert expected in text, expected
    # the conclusions' placeholders: two schools listed, one by ours, two by ФИОКО, one in the list of 2025 too
    assert "признаки необъективных результатов выявлены у 2 ОО: по сочетанию слоёв — у 1" in text
    assert "Повторно (и в 2025 году) в перечне 1 ОО" in text
    pdf = client.get(URL, {"format": "pdf"}).content
    assert "Повторные случаи" in pdf_text(pdf) and len(pdf_to_pngs(pdf, tmp_path)) >= 2
    assert "Рекомендации" in pdf_text(libreoffice_pdf(content))


def test_the_analyst_edits_a_text_section_and_the_change_is_audited(report_world, client):
    client.force_login(report_world.users["region_analyst"])
    form = client.get(URL).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["conclusions"] = "Итог {год} года: {оо_в_перечне} ОО в перечне."
    assert client.post(f"{URL}?year=2026", data).status_code == 302
    saved = ReportText.objects.get(region=report_world.region, year=2026)
    assert saved.section == "conclusions" and saved.updated_by == report_world.users["region_analyst"]
    assert AuditEvent.objects.filter(object_type="reports.ReportText", action="create").count() == 1
    assert "Итог 2026 года: 2 ОО в перечне." in docx_text(client.get(URL, {"format": "docx"}).content)
    assert client.post(f"{URL}?year=2026", data).status_code == 302  # unchanged: nothing recorded
    assert AuditEvent.objects.filter(object_type="reports.ReportText").count() == 1


def test_a_reader_of_the_region_sees_the_texts_but_cannot_change_them(report_world, client):
    client.force_login(report_world.users["oiv_official"])
    page = client.get(URL).content.decode()
    assert "Рекомендации" in page and "<textarea" not in page
    assert client.post(f"{URL}?year=2026", {"conclusions": "x"}).status_code == 403
    assert not ReportText.objects.exists()


def test_the_command_writes_the_report(report_world, tmp_path):
    out = tmp_path / "report.pdf"
    call_command("report", "analytic", "--year", "2026", "--format", "pdf", "--out", str(out), "--region", "22")
    assert "Аналитический отчёт" in pdf_text(out.read_bytes())
    with pytest.raises(CommandError, match="нет завершённого расчёта признаков за 2019"):
        call_command("report", "analytic", "--year", "2019", "--format", "docx", "--out", str(out), "--region", "22")
