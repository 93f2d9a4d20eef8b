"""Run by tests/test_plugin_app.py in a process whose settings add tests.plugin_app to INSTALLED_APPS (the file
name keeps the main run from collecting it). Each check is a way the new app reaches the product."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.core import jobs
from objectivity.core.auditing import personal_keys
from tests.plugin_app.actions import add_note
from tests.plugin_app.jobs import COUNT_NOTES
from tests.plugin_app.models import Note


@pytest.fixture
def notes(world):
    admin = world.users["region_admin"]
    return [
        add_note(by=admin, school=world.school, text="заметка о школе 1", author_name="Иванов И. И."),
        add_note(by=admin, school=world.other_school, text="заметка о школе 2"),
        add_note(by=admin, school=world.foreign_school, text="заметка из другого региона"),
    ]


def _client(client, world, role):
    client.force_login(world.users[role])
    return client


def test_its_page_is_served_under_its_prefix_through_the_gate(world, notes, client):
    assert reverse("note-list") == "/notes/"
    page = _client(client, world, "region_admin").get("/notes/").content.decode()
    assert "заметка о школе 1" in page and "заметка о школе 2" in page and "другого региона" not in page


def test_its_permission_is_granted_to_the_roles_it_named_and_no_other(world, notes, client):
    coordinator = _client(client, world, "municipal_coordinator").get("/notes/").content.decode()
    assert "заметка о школе 1" in coordinator and "заметка о школе 2" not in coordinator  # another municipality
    client.logout()
    assert _client(client, world, "region_analyst").get("/notes/").status_code == 403


def test_its_menu_section_shows_to_who_may_open_it(world, client):
    assert 'href="/notes/"' in _client(client, world, "region_admin").get("/").content.decode()
    client.logout()
    assert 'href="/notes/"' not in _client(client, world, "region_analyst").get("/").content.decode()


def test_its_panels_show_on_the_start_page_and_the_school_card(world, notes, client):
    start = _client(client, world, "region_admin").get("/").content.decode()
    assert 'data-test="notes-panel"' in start and "2 notes" in start  # the region's own schools only
    card = client.get(reverse("school-detail", args=[world.school.pk])).content.decode()
    assert 'data-test="school-notes"' in card and "заметка о школе 1" in card and "школе 2" not in card


def test_its_job_result_shows_through_its_template(world, notes, client):
    job = jobs.start(kind=COUNT_NOTES, title="count", by=world.users["region_admin"], params={}, region=world.region)
    jobs.execute(job)
    page = _client(client, world, "region_admin").get(reverse("job-detail", args=[job.pk])).content.decode()
    assert 'data-test="notes-counted"' in page and "3 notes counted" in page


def test_its_writes_are_audited_and_its_person_fields_registered(world, notes):
    event = AuditEvent.objects.get(object_type="plugin_app.Note", object_id=str(notes[0].pk))
    assert event.after["text"] == "заметка о школе 1" and event.school_id == world.school.pk
    assert personal_keys("plugin_app.Note", event.after) == {"author_name"}


def test_its_demo_step_runs_in_the_demo_loader(db, monkeypatch):
    import objectivity.results.demo as results_demo

    monkeypatch.setattr(results_demo, "demo_years", lambda today=None: [2021])
    monkeypatch.setattr(results_demo, "load_demo_results", lambda region, *, by, seed, progress: [])
    out = io.StringIO()
    call_command("load_demo", stdout=out, stderr=io.StringIO())
    assert "Notes: 1" in out.getvalue() and Note.objects.get().text == "Демонстрационная заметка"
