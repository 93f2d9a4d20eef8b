"""Paired fields are checked by the database, not only by the forms: a write that bypasses the forms (an
import, a script, a later app) cannot store a pair that would mislead the row gate or the pages."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from objectivity.orgs.models import Body, BodyKind
from objectivity.results.models import Assessment, ImportKind, ImportStatus, ReferenceVersion, ResultImport


def _refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_a_municipal_body_needs_its_municipality_and_a_regional_body_has_none(world):
    assert _refused(lambda: Body.objects.create(kind=BodyKind.MOUO, name="МОУО", region=world.region))
    assert _refused(
        lambda: Body.objects.create(
            kind=BodyKind.RCOI, name="РЦОИ", region=world.region, municipality=world.municipality
        )
    )
    Body.objects.create(kind=BodyKind.MMS, name="ММС", region=world.region, municipality=world.municipality)
    Body.objects.create(kind=BodyKind.IRO, name="ИРО", region=world.region)


@pytest.fixture
def work(db):
    assessment = Assessment.objects.create(procedure="vpr", year=2025, period="spring", grade=4, subject="ma")
    return assessment, ReferenceVersion.objects.create(assessment=assessment, version=1)


def _import(world, work, **values):
    assessment, reference = work
    fields = {"region": world.region, "assessment": assessment, "reference": reference, "kind": ImportKind.REGIONAL}
    return ResultImport.objects.create(**(fields | values))


def test_a_school_export_names_its_school_and_a_regional_file_none(world, work):
    assert _refused(lambda: _import(world, work, kind=ImportKind.SCHOOL))
    assert _refused(lambda: _import(world, work, school=world.school))
    _import(world, work, kind=ImportKind.SCHOOL, school=world.school)
    _import(world, work)


def test_a_withdrawn_import_says_when_and_an_import_in_use_does_not(world, work):
    assert _refused(lambda: _import(world, work, status=ImportStatus.WITHDRAWN))
    assert _refused(lambda: _import(world, work, withdrawn_at=timezone.now()))
    _import(
        world, work, status=ImportStatus.WITHDRAWN, withdrawn_at=timezone.now(), keep_files_until=datetime.date.today()
    )
