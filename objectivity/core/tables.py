"""Tables: search, filters, sorting, pagination and XLSX export of exactly what is filtered."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from objectivity.authz.policy import decide
from objectivity.core import jinja, typography
from objectivity.core.params import query_text
from objectivity.core.xlsx import write_table, xlsx_response


class KeysFirstPaginator(Paginator):
    """A page of a sorted queryset in two steps: the page's keys (the sort reads narrow rows), then the full rows of
    those keys. Sorting a thousand wide rows (a finding's layer texts) to show fifty cost twice as much."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if not isinstance(self.object_list, QuerySet):
            return self._get_page(self.object_list[bottom:top], number, self)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in _rows_of_keys(self.object_list, keys)}
        return self._get_page([rows[key] for key in keys], number, self)


def _rows_of_keys(qs: QuerySet, keys: list) -> QuerySet:
    """The rows of these keys with what `qs` joins and prefetches. Without `qs`'s filters (the keys came through
    them), so the database looks the keys up instead of planning around the filters again."""
    if qs.query.annotations:  # annotations may need the filtered joins
        return qs.order_by().filter(pk__in=keys)
    rows = qs.model._default_manager.filter(pk__in=keys)
    if qs.query.select_related:
        related = qs.query.select_related
        rows = rows.select_related(*_related_paths(related)) if isinstance(related, dict) else rows.select_related()
    names, deferring = qs.query.deferred_loading
    if names:
        rows = rows.defer(*names) if deferring else rows.only(*names)
    return rows.prefetch_related(*getattr(qs, "_prefetch_related_lookups", ()))


def _related_paths(tree: dict, prefix: str = "") -> list[str]:
    """select_related's nested dict ({"school": {"municipality": {}}}) as paths ("school__municipality")."""
    paths = []
    for name, below in tree.items():
        path = f"{prefix}{name}"
        paths += _related_paths(below, f"{path}__") if below else [path]
    return paths


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any]
    order_by: str | None = None
    link: Callable[[Any], str] | None = None
    numeric: bool = False
    nobreak_numero: bool = False  # a school's name: «№» keeps its number on the page (not in the export)


class TableView(LoginRequiredMixin, View):
    """Subclasses set permission, title, columns and base_queryset(); the rest is shared."""

    permission: str = ""
    title: Any = ""
    columns: list[Column] = []
    filter_form_class: Any = None
    search_fields: tuple[str, ...] = ()
    search_placeholder: Any = ""
    default_order: tuple[str, ...] = ("pk",)
    page_size = 50
    export_name = "table"
    template_name = "core/table.html"
    table_class = ""  # extra CSS class of the <table>, for pages whose columns need their own widths

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def apply_filters(self, qs: QuerySet, data: dict) -> QuerySet:
        return qs

    def extra_context(self) -> dict:
        return {}

    def dispatch(self, request, *args, **kwargs):
        # An empty permission means "any logged-in user"; rows are still gated by visible_to.
        if self.permission and request.user.is_authenticated:
            decision = decide(request.user, self.permission)
            if not decision:
                raise PermissionDenied(decision.reason)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        qs, form = self.filtered_queryset()
        if request.GET.get("format") == "xlsx":
            return self.export(qs)
        page = KeysFirstPaginator(qs, self.page_size).get_page(request.GET.get("page"))
        rows = [self.render_row(obj) for obj in page.object_list]
        context = {
            "title": self.title,
            "table": self,
            "form": form,
            "page": page,
            "rows": rows,
            "rows_html": jinja.render("core/table_rows.html", {"rows": rows}),
            "filters_html": jinja.render("core/table_filters.html", {"filters": filter_fields(form)}),
            "headers": self.headers(),
            "query": query_text(request, "q"),
            "search_placeholder": self.search_placeholder,
            "querystring": self.querystring(exclude=("page",)),
            "sort_querystring": self.querystring(exclude=("page", "sort")),
            **self.extra_context(),
        }
        return render(request, self.template_name, context)

    def filtered_queryset(self):
        qs = self.base_queryset()
        form = self.filter_form_class(self.request.GET or None) if self.filter_form_class else None
        if form is not None and form.is_valid():
            qs = self.apply_filters(qs, form.cleaned_data)
        qs = self.search(qs, query_text(self.request, "q").strip())
        return qs.order_by(*self.ordering()), form

    def search(self, qs: QuerySet, text: str) -> QuerySet:
        if not text or not self.search_fields:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        return qs.filter(condition)

    def ordering(self) -> tuple[str, ...]:
        key = self.request.GET.get("sort", "")
        column = self.column_by_key(key.lstrip("-"))
        if column is None or not column.order_by:
            return self.default_order
        prefix = "-" if key.startswith("-") else ""
        return (prefix + column.order_by, *self.default_order)

    def column_by_key(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def headers(self) -> list[dict]:
        current = self.request.GET.get("sort", "")
        out = []
        for column in self.columns:
            state = "asc" if current == column.key else "desc" if current == f"-{column.key}" else ""
            next_sort = f"-{column.key}" if state == "asc" else column.key
            out.append({"column": column, "state": state, "next_sort": next_sort if column.order_by else ""})
        return out

    def render_row(self, obj) -> list[dict]:
        return [
            {"value": _page_value(c, obj), "link": c.link(obj) if c.link else "", "numeric": c.numeric}
            for c in self.columns
        ]

    def querystring(self, exclude: tuple[str, ...]) -> str:
        params = self.request.GET.copy()
        for key in exclude:
            params.pop(key, None)
        return params.urlencode()

    def export(self, qs: QuerySet):
        headers = [str(c.label) for c in self.columns]
        rows = ([c.value(obj) for c in self.columns] for obj in qs.iterator(chunk_size=2000))
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        return xlsx_response(f"{self.export_name}-{stamp}.xlsx", write_table(headers, rows))


def _page_value(column: Column, obj) -> Any:
    """A cell's value on the page: as exported, school names with «№» bound to the number."""
    value = column.value(obj)
    return typography.nobreak_numero(value) if column.nobreak_numero and isinstance(value, str) else value


def filter_fields(form: forms.Form | None) -> list[dict]:
    """What the filter bar's template (jinja2/core/table_filters.html) lays out of each field: a select's options
    with the chosen ones marked, or an input's type, value and attributes. Not the form's widgets: they render
    through Django's engine at about 0.1 ms per option."""
    if form is None:
        return []
    return [_select_field(f) if isinstance(f.field.widget, forms.Select) else _input_field(f) for f in form]


def _select_field(field: forms.BoundField) -> dict:
    value = field.value()
    chosen = {str(v) for v in (value if isinstance(value, list) else [value]) if v is not None}
    options = []
    for key, label in field.field.choices:  # type: ignore[attr-defined]
        text = "" if key is None else str(getattr(key, "value", key))  # ModelChoiceIteratorValue has .value
        options.append({"value": text, "label": str(label), "selected": text in chosen})
    return {"label": str(field.label), "name": field.html_name, "id": field.auto_id, "options": options}


def _input_field(field: forms.BoundField) -> dict:
    widget = field.field.widget
    value = field.value()
    return {
        "label": str(field.label),
        "name": field.html_name,
        "id": field.auto_id,
        "type": getattr(widget, "input_type", "text"),
        "value": "" if value in (None, "") else str(value),
        "attrs": [(k, str(v)) for k, v in widget.attrs.items() if k != "type"],
        "options": None,
    }


def pk_link(url_name: str) -> Callable[[Any], str]:
    """A link builder for rows: one reverse() per process instead of one per row."""
    return attr_link(url_name, "pk")


def attr_link(url_name: str, *attributes: str) -> Callable[[Any], str]:
    """A link builder from the row's attributes as the URL's arguments (e.g. "run_id", "school_id"): the URL is
    reversed once, with stand-in values, and then filled in per row (reverse() costs 40 µs a call)."""
    template: list[str] = []

    def build(obj) -> str:
        values = [getattr(obj, name) for name in attributes]
        if not template:
            markers = [_marker(value, index) for index, value in enumerate(values)]
            url = reverse(url_name, args=markers)
            for marker in markers:
                url = url.replace(str(marker), "{}", 1)
            template.append(url)
        return template[0].format(*values)

    return build


def _marker(value, index: int):
    number = 987654321 + index
    return uuid.UUID(int=number) if isinstance(value, uuid.UUID) else number
