"""The words GLOSSARY.md forbids never reach a user: not in the Russian catalogue, templates, code or the user guide,
not on any page of the permission matrix, not in the list's or the analytic report's documents. ВПР results may not
be used to evaluate schools or teachers: the product shows signs that call for a check, never a ranking."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.access.test_permission_matrix import MATRIX, _url
from tests.opened import docx_text, pdf_text
from tests.reports.test_list import listed  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
# Stems, so that every form of a word is caught: «рейтинга», «манипуляций», «нарушителей».
FORBIDDEN = re.compile(
    r"манипуляц|фальсифик|нарушител|ч[её]рн\w* спис|рейтинг|скорректированн\w* результат", re.IGNORECASE
)
TEXT_SUFFIXES = {".py", ".html", ".txt", ".po", ".yaml", ".yml", ".md", ".csv"}


def _texts():
    for path in sorted((ROOT / "objectivity").rglob("*")):
        if path.suffix in TEXT_SUFFIXES and "vendor" not in path.parts and path.is_file():
            yield path
    yield ROOT / "docs" / "guide.md"
    yield ROOT / "README.md"


def test_no_source_text_uses_a_forbidden_word():
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in _texts() for m in FORBIDDEN.finditer(p.read_text("utf-8"))]
    assert found == []


def test_the_pattern_catches_the_forms_it_must():
    for text in (
        "Рейтинг школ",
        "рейтинга",
        "манипуляций",
        "Нарушители",
        "чёрный список",
        "скорректированный результат",
    ):
        assert FORBIDDEN.search(text), text


@pytest.mark.parametrize("name", sorted(n for n, e in MATRIX.items() if e.method == "get"))
def test_no_page_uses_a_forbidden_word(name, listed, client):  # noqa: F811
    entry = MATRIX[name]
    who = "region_admin" if "region_admin" in entry.allowed else sorted(entry.allowed)[0]
    client.force_login(listed.users[who])
    response = client.get(_url(name, entry, listed))
    body = (
        response.content.decode("utf-8", errors="replace")
        if response.get("Content-Type", "").startswith("text")
        else ""
    )
    assert not FORBIDDEN.search(body), (name, FORBIDDEN.search(body))


def test_no_document_uses_a_forbidden_word(listed, client):  # noqa: F811
    client.force_login(listed.users["region_admin"])
    texts = [
        docx_text(client.get(reverse("school-list-of-signs"), {"format": "docx"}).content),
        pdf_text(client.get(reverse("school-list-of-signs"), {"format": "pdf"}).content),
        docx_text(client.get(reverse("analytic-report"), {"format": "docx"}).content),
    ]
    assert all("Перечень" in t or "Аналитический" in t for t in texts)
    assert [FORBIDDEN.search(t) for t in texts] == [None, None, None]
