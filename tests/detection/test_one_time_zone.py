"""One time zone everywhere, the region's (settings.TIME_ZONE): a run started at 22:30 UTC on 2 December is a run
of 3 December in Moscow on its page, in the list and its export, in its label and in the audit log's object."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.core.auditing import Action, record
from objectivity.detection.actions import stored_settings
from objectivity.detection.models import DetectionRun

LATE_EVENING_UTC = datetime.datetime(2026, 12, 2, 22, 30, tzinfo=datetime.UTC)


@pytest.fixture
def run(world, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    made = DetectionRun.objects.create(
        region=world.region,
        year=2026,
        thresholds=stored_settings(by=world.users["region_admin"], region=world.region, year=2026),
        status="done",
    )
    DetectionRun.objects.filter(pk=made.pk).update(created_at=LATE_EVENING_UTC)
    return DetectionRun.objects.get(pk=made.pk)


def test_the_runs_label_is_in_moscow_time(run):
    assert str(run) == "2026 · 03.12.2026 01:30"


def test_the_audit_logs_object_and_row_are_in_moscow_time(world, run):
    entry = record(by=world.users["region_admin"], action=Action.CREATE, obj=run)
    AuditEvent.objects.filter(pk=entry.pk).update(at=LATE_EVENING_UTC)
    entry = AuditEvent.objects.get(pk=entry.pk)
    assert entry.object_repr == "2026 · 03.12.2026 01:30"
    assert str(entry).startswith("03.12.2026 01:30")


def test_the_page_the_list_and_the_export_show_the_next_day(world, client, run):
    client.force_login(world.users["region_analyst"])
    assert "3 декабря 2026\u00a0г., 01:30" in client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "03.12.2026 01:30" in client.get(reverse("run-list")).content.decode()
    response = client.get(reverse("run-list"), {"format": "xlsx"})
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "03.12.2026 01:30" in cells
    assert not any("02.12.2026" in str(c) for c in cells)
