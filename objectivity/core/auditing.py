"""Audit hooks of the kernel: what every app calls to record a change, without importing the audit app.

Apps build and record events here; the audit app registers where they go (its model) in `AppConfig.ready()`.
Call inside the same transaction as the change recorded. Apps also register here which fields of their audit
rows hold a person's name or contact (152-ФЗ), so the audit log can hide them from who may not see people.
"""

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")
    VIEW_PERSONAL = "view_personal", _("viewed personal data")
    LOGIN = "login", _("logged in")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOGOUT = "logout", _("logged out")
    PASSWORD = "password", _("password changed or reset")


@dataclass(frozen=True)
class Sink:
    """Where events go: `build(**fields)` makes an unsaved event, `save_many(events)` stores events at once."""

    build: Callable[..., Any]
    save_many: Callable[[list], None]


_sink: list[Sink] = []


def register_sink(sink: Sink) -> None:
    _sink[:] = [sink]


def _the_sink() -> Sink:
    if not _sink:  # a change nobody records must not happen silently
        raise RuntimeError("No audit sink is registered: is the audit app in INSTALLED_APPS?")
    return _sink[0]


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """JSON-safe values of a model's concrete fields (foreign keys as ids)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _jsonable(getattr(obj, name)) for name in names if name not in _NEVER_LOGGED}


_NEVER_LOGGED = {"password"}


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, uuid.UUID, decimal.Decimal)):
        return str(value)
    return value


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _scope_ids(obj) -> dict:
    """Scope columns for filtering; a user is placed where their first role is held."""
    if obj is not None and not hasattr(obj, "scope_chain") and hasattr(obj, "active_memberships"):
        memberships = obj.active_memberships()
        obj = memberships[0].scope_object if memberships else None
    chain = obj.scope_chain() if obj is not None and hasattr(obj, "scope_chain") else {}
    return {
        "region_id": chain.get("region"),
        "municipality_id": chain.get("municipality"),
        "school_id": chain.get("school"),
    }


def event(
    *,
    by,
    action: str,
    obj=None,
    before=None,
    after=None,
    note: str = "",
    scope=None,
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> Any:
    """Build (unsaved) an audit event; `scope` is an object with scope_chain() when obj has none."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return _the_sink().build(
        actor=actor,
        actor_username=getattr(by, "username", "") or "",
        ip=ip or getattr(by, "_request_ip", None),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or str(obj or ""))[:300],
        before=before,
        after=after,
        note=note,
        **_scope_ids(scope if scope is not None else obj),
    )


def record(**kwargs) -> Any:
    entry = event(**kwargs)
    entry.save()
    return entry


def record_many(entries: list) -> None:
    _the_sink().save_many(entries)


PERSON_FIELDS: dict[str, frozenset[str]] = {}


def register_person_fields(object_type: str, fields: tuple[str, ...]) -> None:
    PERSON_FIELDS[object_type] = PERSON_FIELDS.get(object_type, frozenset()) | frozenset(fields)


def personal_keys(object_type: str, values: dict | None) -> set[str]:
    """The keys of `values` holding a person's name or contact (empty values are no data)."""
    fields = PERSON_FIELDS.get(object_type)
    if not fields or not isinstance(values, dict):
        return set()
    return {k for k, v in values.items() if k in fields and v not in ("", None)}


@dataclass(frozen=True)
class AuditWords:
    """How the audit log words an object type's rows: the type's name where it is no model (or the model's
    verbose_name does not fit), labels of the keys that are no model field, the keys holding ids of another model
    (`refs`: key → "app.Model", shown as that object's label), and renderers of values no rule covers."""

    name: Any = None
    keys: dict[str, Any] | None = None
    refs: dict[str, str] | None = None
    values: dict[str, Callable[[Any], str]] | None = None


AUDIT_WORDS: dict[str, AuditWords] = {}


def register_audit_words(
    object_type: str,
    *,
    name: Any = None,
    keys: dict[str, Any] | None = None,
    refs: dict[str, str] | None = None,
    values: dict[str, Callable[[Any], str]] | None = None,
) -> None:
    """Add to what the audit log knows of `object_type` ("app.Model", or a name of a summary row like
    "orgs.Registry"); "" holds keys shared by every type (a file's summary: rows, created, unchanged)."""
    known = AUDIT_WORDS.get(object_type, AuditWords())
    AUDIT_WORDS[object_type] = AuditWords(
        name=name if name is not None else known.name,
        keys={**(known.keys or {}), **(keys or {})},
        refs={**(known.refs or {}), **(refs or {})},
        values={**(known.values or {}), **(values or {})},
    )


def audit_words(object_type: str) -> AuditWords:
    return AUDIT_WORDS.get(object_type, AuditWords())
