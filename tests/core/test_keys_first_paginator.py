"""Tables fetch a page in two steps (its keys, then its rows): the pages are exactly those of one query."""

import uuid
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.db.models import Count

from objectivity.core.tables import KeysFirstPaginator, attr_link
from objectivity.orgs.models import School
from tests.factories import SchoolFactory


@pytest.fixture
def schools(world):
    SchoolFactory.create_batch(23, municipality=world.municipality)
    return School.objects.filter(municipality__region=world.region)


@pytest.mark.parametrize(
    "shape",
    [
        lambda qs: qs.select_related("municipality__region").defer("full_name").order_by("-login"),
        lambda qs: qs.only("login", "short_name").order_by("short_name", "pk"),
        lambda qs: qs.annotate(findings_count=Count("findings")).order_by("municipality__name", "login"),
        lambda qs: qs.prefetch_related("findings").order_by("pk"),
    ],
)
def test_pages_are_those_of_the_plain_paginator(schools, shape, django_assert_max_num_queries):
    qs = shape(schools)
    plain, two_step = Paginator(qs, 5), KeysFirstPaginator(qs, 5)
    assert two_step.num_pages == plain.num_pages > 3
    for number in plain.page_range:
        expected = list(plain.page(number).object_list)
        with django_assert_max_num_queries(3):  # the keys, the rows (and a prefetch)
            got = list(two_step.page(number).object_list)
        assert [s.pk for s in got] == [s.pk for s in expected]
        assert [(s.login, s.municipality.region_id) for s in got] == [
            (s.login, s.municipality.region_id) for s in expected
        ]
    annotated = two_step.page(1).object_list[0]
    assert getattr(annotated, "findings_count", 0) == getattr(plain.page(1).object_list[0], "findings_count", 0)


def test_attr_link_fills_the_url_of_each_row(world):
    from django.urls import reverse

    school = SchoolFactory(municipality=world.municipality)
    link = attr_link("school-detail", "pk")
    assert link(school) == reverse("school-detail", args=[school.pk])
    finding = SimpleNamespace(run_id=uuid.uuid4(), school_id=school.pk)
    evidence = attr_link("school-findings", "run_id", "school_id")
    assert evidence(finding) == reverse("school-findings", args=[finding.run_id, finding.school_id])
    other = SimpleNamespace(run_id=uuid.uuid4(), school_id=7)
    assert evidence(other) == reverse("school-findings", args=[other.run_id, 7])
