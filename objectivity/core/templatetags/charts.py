"""Chart specs embedded in pages."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from objectivity.core.documents import charts

register = template.Library()

# As json_script escapes them: no text in the data can close the <script> element or open a comment.
_HTML_ESCAPES = ((">", "\\u003E"), ("<", "\\u003C"), ("&", "\\u0026"))


@register.filter
def chart_json(spec: dict, element_id: str) -> str:
    """`json_script` with Cyrillic kept as UTF-8 and no spaces: as \\uXXXX escapes, the labels repeated in every data
    point made a page of thirty charts three times larger."""
    data = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    for character, escape in _HTML_ESCAPES:  # str.replace: str.translate with a dict is ten times slower
        data = data.replace(character, escape)
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(data))


@register.filter
def drawable(spec: dict | None) -> bool:
    """Whether a chart has two points or more to draw; otherwise the page shows its description as a sentence."""
    return spec is not None and bool(spec) and charts.drawable(spec)
