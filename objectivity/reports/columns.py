"""The columns of the list, by registration: the reports app adds its own; the follow-up apps to come (response,
interview, plan, observers, recheck) add theirs from their AppConfig.ready() without editing this app.

A column's value takes the list's row (objectivity.reports.listing.ListRow) and returns a cell: text, a number,
or None (shown as a dash in documents, empty in XLSX).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: Any  # a lazy translation, or a function of the list's year (a column about an earlier year names it)
    value: Callable[[Any], Any]
    order: int  # position, ascending
    in_documents: bool = True  # also a column of the DOCX/PDF list (the XLSX has every column)
    width: float = 1.0  # relative width in documents

    def header(self, year: int) -> str:
        return str(self.label(year) if callable(self.label) else self.label)


COLUMNS: dict[str, ListColumn] = {}


def add_list_column(column: ListColumn) -> None:
    """Register a column (idempotent per key: ready() may run more than once in tests)."""
    COLUMNS[column.key] = column


def list_columns(*, documents: bool = False) -> list[ListColumn]:
    shown = (c for c in COLUMNS.values() if c.in_documents or not documents)
    return sorted(shown, key=lambda c: c.order)


def register_builtin() -> None:
    for column in (
        ListColumn("municipality", _("Municipality"), lambda r: r.school.municipality.name, 10, in_documents=False),
        ListColumn("school", _("School"), lambda r: r.school.short_name, 20, width=2.2),
        ListColumn("login", _("Login"), lambda r: r.school.login, 30, width=1.1),
        ListColumn("ours", _("Signs (combination of layers)"), lambda r: r.ours_text, 40, width=2.4),
        ListColumn("fioco", _("Markers of the published method (ФИОКО)"), lambda r: r.fioco_text, 50, width=2.4),
        ListColumn("risk", _("Risk of non-objectivity"), lambda r: r.risk_text, 60, width=1.0),
        ListColumn("reasons", _("What was seen"), lambda r: r.reasons_text, 70, width=4.0),
        ListColumn("listed_1", _listed_header(1), lambda r: r.listed_before(1), 80, width=0.9),
        ListColumn("listed_2", _listed_header(2), lambda r: r.listed_before(2), 81, width=0.9),
    ):
        add_list_column(column)


def _listed_header(years_back: int) -> Callable[[int], str]:
    return lambda year: _("In the list of %(year)d") % {"year": year - years_back}
