"""Writing audit events. Call inside the same transaction as the change it records."""

import datetime
import decimal
import uuid
from collections.abc import Iterable

from django.db import models

from objectivity.audit.models import Action, AuditEvent
from objectivity.core.bulk import bulk_insert


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
) -> AuditEvent:
    """Build (unsaved) an audit event; `scope` is an object with scope_chain() when obj has none."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEvent(
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


def record(**kwargs) -> AuditEvent:
    entry = event(**kwargs)
    entry.save()
    return entry


def record_many(entries: list[AuditEvent]) -> None:
    bulk_insert(entries)


__all__ = ["Action", "changed", "event", "record", "record_many", "snapshot"]
