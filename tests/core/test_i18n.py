"""Russian plural forms and dates."""

import datetime

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    "n,text",
    [
        (1, "Найдена 1 запись"),
        (2, "Найдено 2 записи"),
        (5, "Найдено 5 записей"),
        (11, "Найдено 11 записей"),
        (21, "Найдена 21 запись"),
        (104, "Найдено 104 записи"),
    ],
)
def test_plural_forms(n, text):
    assert Template("{% load ru %}{% found_count n %}").render(Context({"n": n})) == text


def test_date_in_russian():
    rendered = Template("{% load ru %}{{ d|ru_date }}").render(Context({"d": datetime.date(2026, 11, 24)}))
    assert rendered == "24 ноября 2026\u00a0г."  # a no-break space keeps «г.» with its year
