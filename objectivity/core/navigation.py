"""The menu: every app adds its sections in its AppConfig.ready(); the kernel knows none of them.

A section is shown to a user who holds any of its permissions (none named: every logged-in user). Reference pages
that everyone may open but few need every day (the production calendar) go to the footer instead, the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse

from objectivity.authz.policy import can


@dataclass(frozen=True)
class Section:
    order: int  # position in the menu, ascending
    label: object  # a lazy translation
    url_name: str
    permissions: Sequence[str] = ()


SECTIONS: dict[str, Section] = {}
FOOTER_LINKS: dict[str, Section] = {}


def add_section(order: int, label, url_name: str, *permissions: str) -> None:
    """Register a menu section (idempotent per URL name: ready() may run more than once in tests)."""
    SECTIONS[url_name] = Section(order, label, url_name, permissions)


def add_footer_link(order: int, label, url_name: str, *permissions: str) -> None:
    """Register a link of the footer, as add_section does a section of the menu."""
    FOOTER_LINKS[url_name] = Section(order, label, url_name, permissions)


def sections_for(user, registry: dict[str, Section] | None = None) -> list[tuple[str, str]]:
    """(label, URL) of the sections (or of `registry`'s links) the user may open, in menu order."""
    shown = sorted((SECTIONS if registry is None else registry).values(), key=lambda s: s.order)
    return [
        (str(s.label), reverse(s.url_name))
        for s in shown
        if not s.permissions or any(can(user, permission) for permission in s.permissions)
    ]
