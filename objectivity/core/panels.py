"""Panels that an app adds to a page another app owns: the start pages, the school card.

An app registers a panel in its `AppConfig.ready()` for a slot (below); the page renders the slot's panels in
order. A panel's `context(request, obj)` returns the template's context, or None when the panel is not for
this viewer (no permission, nothing to show in its scope): scope checks stay with the app that owns the data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

START_REGION, START_MUNICIPALITY, START_SCHOOL = "start:region", "start:municipality", "start:school"
# The top of a start page, above its overview: what needs the viewer's attention (the list, what is new, what is due).
ATTENTION_REGION, ATTENTION_MUNICIPALITY, ATTENTION_SCHOOL = (
    "attention:region",
    "attention:municipality",
    "attention:school",
)
SCHOOL_CARD = "school-card"  # obj: the school


@dataclass(frozen=True)
class Panel:
    slot: str
    key: str
    order: int
    template: str
    context: Callable[..., dict | None]


PANELS: dict[tuple[str, str], Panel] = {}


def add_panel(slot: str, key: str, *, order: int, template: str, context: Callable[..., dict | None]) -> None:
    """Register a panel (idempotent per slot and key: ready() may run more than once in tests)."""
    PANELS[(slot, key)] = Panel(slot, key, order, template, context)


def render_panels(slot: str, request, obj=None) -> list[SafeString]:
    """The HTML of the slot's panels this viewer may see, in order."""
    shown = sorted((p for p in PANELS.values() if p.slot == slot), key=lambda p: p.order)
    out = []
    for panel in shown:
        context = panel.context(request, obj)
        if context is not None:
            out.append(SafeString(render_to_string(panel.template, context, request=request)))
    return out
