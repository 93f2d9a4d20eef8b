"""Imports that repeat change nothing: the same file imported twice at once is imported once, and a catalogue
exported and imported back unchanged makes no new versions."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from objectivity.results import importer
from objectivity.results.models import ReferenceVersion, ResultImport
from tests.results.test_pages import REGIONAL, schools  # noqa: F401 (a fixture)


def test_an_unchanged_catalogue_imported_back_makes_no_new_version(world, client):
    client.force_login(world.users["region_admin"])
    exported = client.get(reverse("catalogue-export-xlsx")).content
    before = ReferenceVersion.objects.count()
    response = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.xlsx", exported)})
    assert response.status_code == 302
    assert ReferenceVersion.objects.count() == before


@pytest.mark.usefixtures("schools")
def test_the_same_file_imported_by_two_jobs_at_once_is_imported_once(world, settings, monkeypatch):
    """Both jobs pass the check before the long read (neither has committed yet); the second then waits for the
    region's lock and, checking again inside it, finds the first."""
    path = REGIONAL
    first = importer.import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    assert first.status == "imported"
    files_before = sorted(Path(settings.DATA_DIR).rglob("*"))
    real_check = importer._same_file
    calls = []

    def not_yet_committed(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_check(*args)

    monkeypatch.setattr(importer, "_same_file", not_yet_committed)
    second = importer.import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    assert len(calls) == 2 and second.status == "unchanged"
    assert ResultImport.objects.count() == 1
    assert sorted(Path(settings.DATA_DIR).rglob("*")) == files_before  # the second kept no files


@pytest.mark.usefixtures("schools")
def test_a_catalogue_with_inferred_and_described_works_round_trips_unchanged(world, client):
    from objectivity.results.importer import import_results

    for path in sorted(REGIONAL.parent.glob("*.xlsx")) + sorted(REGIONAL.parent.glob("*.csv")):
        import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    client.force_login(world.users["region_admin"])
    exported = client.get(reverse("catalogue-export-xlsx")).content
    before = list(ReferenceVersion.objects.values_list("assessment_id", "version"))
    response = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.xlsx", exported)})
    assert response.status_code == 302
    after = list(ReferenceVersion.objects.values_list("assessment_id", "version"))
    assert sorted(after) == sorted(before), sorted(set(after) - set(before))
