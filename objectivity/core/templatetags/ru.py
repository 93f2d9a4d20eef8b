"""Russian plural forms and dates for templates."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats, timezone
from django.utils.translation import ngettext

from objectivity.core import typography

register = template.Library()


@register.simple_tag
def found_count(n: int) -> str:
    return ngettext("Found %(n)d row", "Found %(n)d rows", n) % {"n": n}


@register.simple_tag
def schools_count(n: int) -> str:
    return ngettext("%(n)d school", "%(n)d schools", n) % {"n": n}


@register.simple_tag
def pupils_count(n: int) -> str:
    return ngettext("%(n)d pupil", "%(n)d pupils", n) % {"n": n}


@register.simple_tag
def rows_count(n: int) -> str:
    return ngettext("%(n)d row", "%(n)d rows", n) % {"n": n}


@register.simple_tag
def problems_count(n: int) -> str:
    return ngettext("%(n)d problem", "%(n)d problems", n) % {"n": n}


@register.filter
def ru_date(value) -> str:
    """«24 ноября 2026 г.»"""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return formats.date_format(value, "j E Y г.")


@register.filter
def ru_datetime(value) -> str:
    if not value:
        return ""
    value = timezone.localtime(value)
    return formats.date_format(value, "j E Y г., H:i")


@register.filter
def percent_of(value, total) -> int:
    try:
        return round(100 * float(value) / float(total)) if total else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def index_by_level(rows: list[dict], label: str) -> dict | None:
    """The row of a list of per-level dicts whose "level" is `label`."""
    return next((row for row in rows or [] if row.get("level") == label), None)


@register.filter
def get_item(mapping: dict, key):
    return (mapping or {}).get(key)


@register.filter
def fixed(value, digits=1) -> str:
    """A number with `digits` decimals and a decimal comma («12,5»), rounded half up as `floatformat:digits` writes it
    in Russian, at a fraction of its cost (the evidence page shows hundreds of numbers)."""
    if value is None or value == "":
        return ""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-int(digits)), ROUND_HALF_UP)
    return f"{rounded + 0:f}".replace(".", ",")  # + 0 turns −0 into 0


@register.filter
def num(value, digits=0) -> str:
    """«10 235», «12,5»: a number in Russian typography (objectivity.core.typography)."""
    return typography.number(value, int(digits))
