"""`{% table_export "key" %}`: the «Export to Excel» link of the page's `<table data-table="key">`, keeping the
page's own query (year, work, filters), so the file holds the rows shown (core.table_export writes it)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def table_export(context, *parts) -> str:
    """The key is the parts joined by «-»: `{% table_export "journal" forloop.counter %}` → «journal-2»."""
    key = "-".join(str(part) for part in parts)
    query = context["request"].GET.copy()
    for name in ("table", "format"):
        query.pop(name, None)
    query["table"], query["format"] = key, "xlsx"
    return format_html(
        '<a class="button secondary small export" data-test="export" data-table="{}" href="?{}">{}</a>',
        key,
        query.urlencode(),
        _("Export to Excel"),
    )
