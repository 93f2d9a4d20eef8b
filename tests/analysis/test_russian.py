"""Plural forms and decimal commas of the layers' explanations."""

import pytest

from objectivity.analysis.russian import decimal, plural


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (1, "балл"),
        (2, "балла"),
        (4, "балла"),
        (5, "баллов"),
        (11, "баллов"),
        (12, "баллов"),
        (21, "балл"),
        (111, "баллов"),
        (122, "балла"),
    ],
)
def test_plural_forms(count, form):
    assert plural(count, "балл", "балла", "баллов") == form


def test_decimal_comma():
    assert decimal(3.14159) == "3,1" and decimal(0.25, 2) == "0,25" and decimal(12.0) == "12,0"
