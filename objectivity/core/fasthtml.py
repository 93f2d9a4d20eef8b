"""Plain-Python HTML for the parts of a table page that repeat many times per request.

Django's template engine and form widgets cost ~0.1 ms per cell or option; a 50-row table and a
filter bar of six dropdowns made up most of a page's CPU time. These helpers build the same markup
with `escape` and string joins.
"""

from django import forms
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def table_rows(rows: list[list[dict]]) -> SafeString:
    """<tr> elements for rows of cells {"value", "link", "numeric"}."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            value: str = escape(_text(cell["value"]))
            if cell["link"]:
                value = f'<a href="{escape(cell["link"])}">{value}</a>'
            cells.append(f'<td class="num">{value}</td>' if cell["numeric"] else f"<td>{value}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308  (every value above is escaped)


def _text(value) -> str:
    """A cell's text; fractional numbers in Russian notation (decimal comma), as the templates print them."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number_format(value)
    return str(value)


def _select(field: forms.BoundField) -> str:
    current = {str(v) for v in (field.value() if isinstance(field.value(), list) else [field.value()]) if v is not None}
    options = []
    for value, label in field.field.choices:  # type: ignore[attr-defined]
        key = "" if value is None else str(getattr(value, "value", value))
        selected = " selected" if key in current else ""
        options.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
    return f'<select name="{field.html_name}" id="{field.auto_id}">{"".join(options)}</select>'


def _input(field: forms.BoundField) -> str:
    widget = field.field.widget
    kind = getattr(widget, "input_type", "text")
    value = field.value()
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in widget.attrs.items() if k != "type")
    shown = "" if value in (None, "") else f' value="{escape(value)}"'
    return f'<input type="{kind}" name="{field.html_name}" id="{field.auto_id}"{shown}{attrs}>'


def filter_controls(form: forms.Form | None) -> SafeString:
    """Labelled controls of a filter form (selects and single inputs), as the table template lays them out."""
    if form is None:
        return mark_safe("")
    parts = []
    for field in form:
        control = _select(field) if isinstance(field.field.widget, forms.Select) else _input(field)
        parts.append(f'<label class="field"><span>{escape(field.label)}</span>{control}</label>')
    return mark_safe("".join(parts))  # noqa: S308  (labels and values are escaped)
