"""Malformed query parameters and path arguments give 400 or 404, never a server error (500).

Every URL of the project is visited as the region administrator (who sees everything) with each query
parameter the views read set to a malformed value, and with malformed path arguments where the pattern has them.
"""

import re
import uuid
from pathlib import Path

import django.core.handlers.wsgi
import pytest
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from objectivity.audit.views import AuditFilterForm
from objectivity.detection.views import FindingFilterForm
from objectivity.orgs.forms import SchoolFilterForm
from objectivity.results.forms import WorkFilterForm
from tests.access.test_permission_matrix import MATRIX

SOURCE = Path(__file__).resolve().parents[2] / "objectivity"
FILTER_FORMS = (AuditFilterForm, FindingFilterForm, SchoolFilterForm, WorkFilterForm)


def _names_read_from_get() -> set[str]:
    """Every name the code reads from the query string: views, shared helpers and templates."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"GET(?:\.get\(|\.getlist\(|\[)\s*[\"'](\w+)[\"']", text))
        names |= set(re.findall(r"query_\w+\((?:self\.)?request, [\"'](\w+)[\"']", text))  # objectivity.core.params
    for path in SOURCE.rglob("*.html"):
        names |= set(re.findall(r"request\.GET\.(\w+)", path.read_text()))
    for form in FILTER_FORMS:  # TableView filters read the whole query string through these forms
        names |= set(form.base_fields)
    return names


PARAMS = sorted(_names_read_from_get())
VALUES = [
    "abc",
    "1e3",
    "-1",
    "0",
    "99999999999999999999",
    "",
    "\x00",
    "²",  # str.isdigit() says yes, int() says no
    "' OR 1=1 --",
    "x" * 5000,
    ["1", "abc"],  # the same key twice
]


def _all_patterns(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _all_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


PATTERNS = {p.name: p for p in _all_patterns()}
BAD_PATH_ARGS = {  # what each converter still accepts, but no view expects
    "int": ["0", "99999999999999999999", "007"],
    "str": ["abc", "x" * 300, "' OR 1=1 --", "%00"],
    "uuid": [str(uuid.UUID(int=0)), str(uuid.uuid4())],
}


def test_params_cover_the_known_cases():
    assert {"school", "municipality", "page", "year", "grade", "sort", "since", "until", "q"} <= set(PARAMS)


@pytest.fixture
def admin_client(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["region_admin"])
    return client


def _value_label(value) -> str:
    text = repr(value)
    return text if len(text) < 30 else text[:20] + f"…({len(value)})"


@pytest.fixture
def query_reads(monkeypatch) -> list[str]:
    """Notes each time a request's query string is read: request.GET built, or the full path asked for."""
    reads: list[str] = []

    def query_dict(*args, **kwargs):
        reads.append("GET")
        return QueryDict(*args, **kwargs)

    full_path = HttpRequest.get_full_path

    def get_full_path(self, *args, **kwargs):
        reads.append("full path")
        return full_path(self, *args, **kwargs)

    monkeypatch.setattr(django.core.handlers.wsgi, "QueryDict", query_dict)
    monkeypatch.setattr(HttpRequest, "get_full_path", get_full_path)
    return reads


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_malformed_query_parameters(name, world, admin_client, query_reads):
    entry = MATRIX[name]
    url = reverse(name, args=entry.args(world) if entry.args else [])
    failures = []
    for value in VALUES:  # every parameter at once, with the same value
        response = admin_client.get(url, dict.fromkeys(PARAMS, value))
        if response.status_code >= 500:
            failures.append(f"all={_value_label(value)}")
    if query_reads:  # then each parameter alone, as one may hide another (school wins over municipality)
        for param in PARAMS:
            for value in VALUES:
                response = admin_client.get(url, {param: value})
                if response.status_code >= 500:
                    failures.append(f"{param}={_value_label(value)}")
    assert not failures, f"{url}: status 500 for {failures}"


@pytest.mark.parametrize("name", sorted(n for n, p in PATTERNS.items() if p.pattern.converters))
def test_malformed_path_arguments(name, world, admin_client):
    pattern = PATTERNS[name]
    entry = MATRIX[name]
    good = [str(a) for a in entry.args(world)] if entry.args else []
    converters = list(pattern.pattern.converters.values())
    failures = []
    for position, converter in enumerate(converters):
        kind = {"IntConverter": "int", "StringConverter": "str", "UUIDConverter": "uuid"}[type(converter).__name__]
        for bad in BAD_PATH_ARGS[kind]:
            args = [*good[:position], bad, *good[position + 1 :]]
            url = reverse(name, args=args)
            response = admin_client.get(url)
            if response.status_code >= 500:
                failures.append(url[:120])
    assert not failures, f"status 500 for {failures}"


@pytest.mark.parametrize("name", ["results-home", "work-detail"])
def test_malformed_region_for_a_federal_user(name, world):
    """Only a user without a region of their own picks one with ?region=."""
    entry = MATRIX[name]
    url = reverse(name, args=entry.args(world) if entry.args else [])
    client = Client(raise_request_exception=False)
    client.force_login(world.users["federal_analyst"])
    failures = [_value_label(v) for v in VALUES if client.get(url, {"region": v}).status_code >= 500]
    assert not failures, f"{url}: status 500 for region={failures}"


def test_malformed_login_form(world):
    client = Client(raise_request_exception=False)
    for value in VALUES:
        for field in ("username", "password", "next"):
            data = {"username": "admin", "password": "wrong-password", field: value}
            assert client.post(reverse("login"), data).status_code == 200, (field, _value_label(value))
