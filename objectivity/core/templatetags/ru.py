"""Russian plural forms, numbers and dates for templates (and, through core.jinja, for the Jinja2 table templates)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import ngettext

from objectivity.core import typography

register = template.Library()


@register.simple_tag
def found_count(n: int) -> str:
    return ngettext("Found %(n)s row", "Found %(n)s rows", n) % {"n": typography.number(n)}


@register.simple_tag
def schools_count(n: int) -> str:
    return ngettext("%(n)s school", "%(n)s schools", n) % {"n": typography.number(n)}


@register.simple_tag
def pupils_count(n: int) -> str:
    return ngettext("%(n)s pupil", "%(n)s pupils", n) % {"n": typography.number(n)}


@register.simple_tag
def rows_count(n: int) -> str:
    return ngettext("%(n)s row", "%(n)s rows", n) % {"n": typography.number(n)}


@register.simple_tag
def problems_count(n: int) -> str:
    return ngettext("%(n)s problem", "%(n)s problems", n) % {"n": typography.number(n)}


@register.filter
def ru_date(value) -> str:
    """«24 ноября 2026 г.» (a moment in the region's time zone)."""
    return typography.ru_date(value) if value else ""


@register.filter
def ru_datetime(value) -> str:
    """«24 ноября 2026 г., 09:05» in the region's time zone."""
    return typography.ru_datetime(value) if value else ""


@register.filter
def num(value, digits=0) -> str:
    """«10 235», «12,5» (`|num:1`): numbers of five digits and more grouped by a no-break space. Only for text
    people read: never in an id, a URL, a form's value or a data attribute."""
    return typography.number(value, int(digits))


@register.filter
def pct(value, digits=1) -> str:
    """«12,5 %»."""
    return typography.percent(value, int(digits))


@register.filter
def threshold(value) -> str:
    """A parameter as people write it: «0,667», «0,05», «2,58»."""
    return typography.threshold(value)


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
