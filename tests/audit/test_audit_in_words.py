"""The audit log reads in words: object types by their Russian names, one line per changed field «Поле: было →
стало» with the field's Russian name, choices by their labels, dates in Russian, «да/нет», other objects by their
labels; the XLSX export carries the same words."""

import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from objectivity.audit.models import AuditEvent
from objectivity.audit.words import type_name
from objectivity.core.auditing import AUDIT_WORDS
from objectivity.detection.actions import save_thresholds
from objectivity.orgs.actions import update_school

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _page(client, user, **params) -> str:
    client.force_login(user)
    return client.get(reverse("audit-list"), params).content.decode()


def _export_cells(client, **params) -> list[str]:
    response = client.get(reverse("audit-list"), {"format": "xlsx", **params})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


@pytest.fixture
def withdrawn(world):
    return AuditEvent.objects.create(
        action="update",
        object_type="results.ResultImport",
        object_id="7",
        object_repr="ВПР 2026 · Математика · 4 класс",
        before={"status": "active"},
        after={"status": "withdrawn", "keep_files_until": "2027-01-15", "replaced": []},
        region=world.region,
    )


def test_a_change_reads_field_was_becomes(world, client, withdrawn):
    page = _page(client, world.users["region_admin"])
    assert "<td>Загрузка результатов</td>" in page and "<td>results.ResultImport" not in page
    assert "Статус: используется → отозвана" in page
    assert "Файлы хранятся до: 15 января 2027\u00a0г." in page
    assert '"status"' not in page and "withdrawn" not in page


def test_the_export_carries_the_same_words(world, client, withdrawn):
    client.force_login(world.users["region_admin"])
    cells = _export_cells(client)
    assert "Загрузка результатов" in cells
    changes = next(c for c in cells if c.startswith("Статус"))
    lines = changes.split("\n")  # in the model's field order on every database (PostgreSQL's jsonb reorders keys)
    assert {"Статус: используется → отозвана", "Файлы хранятся до: 15 января 2027\u00a0г."} <= set(lines)


def test_a_school_change_names_the_municipality_and_says_yes_or_no(world, client):
    admin = world.users["region_admin"]
    update_school(by=admin, school=world.school, municipality=world.other_municipality, is_small=True)
    page = _page(client, admin, object_type="orgs.School")
    assert "Муниципалитет: Городской округ Северогорск → Каменский муниципальный район" in page
    assert "Малокомплектная ОО: нет → да" in page
    assert "municipality_id" not in page and "is_small" not in page


def test_thresholds_read_as_people_write_them(world, client):
    admin = world.users["region_admin"]
    save_thresholds(by=admin, region=world.region, year=2026, values={"risk_high": 2 / 3, "z": 2.58})
    page = _page(client, admin, object_type="detection.DetectionSettings")
    assert "0,667" in page and "0.666" not in page and "risk_high" not in page


def test_the_type_filter_offers_types_by_their_names(world, client, withdrawn):
    page = _page(client, world.users["region_admin"])
    assert '<option value="results.ResultImport">Загрузка результатов</option>' in page


def test_personal_data_stay_hidden_line_by_line(world, client, monkeypatch):
    from objectivity.audit.views import HIDDEN

    AuditEvent.objects.create(
        action="update",
        object_type="access.User",
        object_id=str(world.users["expert"].pk),
        object_repr="expert",
        before={"last_name": "Иванова", "is_active": True},
        after={"last_name": "Петрова", "is_active": False},
        region=world.region,
    )
    monkeypatch.setattr("objectivity.audit.views.decide", lambda user, permission: False)  # may not see people
    page = _page(client, world.users["region_admin"])
    assert "Иванова" not in page and "Петрова" not in page
    assert f"Фамилия: {HIDDEN} → {HIDDEN}" in page and "Активный: да → нет" in page


def test_every_object_type_has_a_russian_name():
    translation.activate("ru")
    models = [m._meta.label for m in apps.get_models() if m.__module__.startswith("objectivity.")]
    names = {label: type_name(label) for label in [*models, *(t for t in AUDIT_WORDS if t)]}
    assert {label: name for label, name in names.items() if not CYRILLIC.search(name)} == {}
