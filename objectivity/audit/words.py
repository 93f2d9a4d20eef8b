"""The audit log in words: an object type as its Russian name, each changed value on its own line
«Поле: было → стало», with the field's verbose_name, choices' labels, dates in Russian, «да/нет», another object's
label for its id, lists joined. What an app records beyond its model's fields it words through the kernel's
register_audit_words (core.auditing); this module knows no app.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from objectivity.core import typography
from objectivity.core.auditing import AuditWords, audit_words

ARROW = " → "
NOT_SHOWN = {"id"}  # an object's own id is no change (the row names the object)
NOTHING = "—"

# Keys of a file's summary that any import records.
SUMMARY_KEYS = {
    "file": _l("file"),
    "rows": _l("rows"),
    "created": _l("created"),
    "updated": _l("changed"),
    "unchanged": _l("unchanged"),
    "versions": _l("versions"),
    "version": _l("version"),
    "page": _l("page"),
    "created_at": _l("created"),
    "updated_at": _l("changed"),
}


def model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def type_name(object_type: str) -> str:
    """«Загрузка результатов» for "results.ResultImport"; the code itself for a type nobody named."""
    registered = audit_words(object_type).name
    model = model_of(object_type)
    name = registered if registered is not None else model._meta.verbose_name if model else object_type
    return capfirst(str(name))


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field
    return None


def field_label(field: models.Field) -> str | None:
    """A field's verbose_name. Where Django made one up from the field's name ("municipality", "created at"), a
    foreign key takes its model's name and another field a word shared by every type (None when there is none)."""
    if str(field.verbose_name) != field.name.replace("_", " "):
        return str(field.verbose_name)
    if field.is_relation:
        return str(field.related_model._meta.verbose_name)  # type: ignore[union-attr]
    return _shared_label(field.name)


def _shared_label(key: str):
    return (audit_words("").keys or {}).get(key)


class AuditWording:
    """Words of audit rows; one per page or export, so each referenced object is looked up once."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, Any], str] = {}

    def lines(self, object_type: str, before, after, hidden: Iterable[str] = (), hidden_text: str = "") -> list[str]:
        """One line per key: «Поле: было → стало» for a change, «Поле: значение» for a creation or a deletion;
        values of `hidden` keys are `hidden_text`."""
        before, after = _as_dict(before), _as_dict(after)
        words, model, hidden = audit_words(object_type), model_of(object_type), set(hidden)
        out = []
        for key in _ordered([k for k in {*after, *before} if k not in NOT_SHOWN], model):
            values = [
                hidden_text if key in hidden else self.value(words, model, key, side[key])
                for side in (before, after)
                if key in side
            ]
            out.append(f"{self.label(words, model, key)}: {ARROW.join(values)}")
        return out

    def label(self, words: AuditWords, model, key: str) -> str:
        field = _field(model, key)
        label = (words.keys or {}).get(key) or (field_label(field) if field else None) or _shared_label(key)
        return capfirst(str(label if label is not None else key.replace("_", " ")))

    def value(self, words: AuditWords, model, key: str, value) -> str:
        if value is None or value == "" or value == []:
            return NOTHING
        render = (words.values or {}).get(key)
        if render is not None:
            return render(value)
        field = _field(model, key)
        target = (words.refs or {}).get(key) or _target_of(field, key)
        if target:
            return self._referenced(target, value)
        if field is not None and field.choices:
            return _choices_label(field, value)
        if field is not None and isinstance(value, str):
            return _date_text(field, value)
        return plain(value)

    def _referenced(self, target: str, value) -> str:
        if isinstance(value, list):
            return ", ".join(self._referenced(target, item) for item in value)
        if not isinstance(value, int) or isinstance(value, bool):
            return plain(value)  # recorded as a label already (a login, a work's name)
        key = (target, value)
        if key not in self._labels:
            model = model_of(target)
            found = model._default_manager.filter(pk=value).first() if model else None
            self._labels[key] = str(found) if found is not None else _("№ %(id)s (deleted)") % {"id": value}
        return self._labels[key]


def _ordered(keys: list[str], model) -> list[str]:
    """Keys in the model's field order, others after them by name: the same lines on every database (PostgreSQL's
    jsonb keeps keys in its own order, not in the order they were written)."""
    fields = model._meta.get_fields() if model is not None else []
    position = {name: i for i, f in enumerate(fields) for name in {f.name, getattr(f, "attname", f.name)}}
    return sorted(keys, key=lambda k: (position.get(k, len(position)), k))


def _target_of(field: models.Field | None, key: str) -> str:
    """A foreign key recorded by its id ("municipality_id") names the model whose label to show."""
    if field is None or not field.is_relation or key != field.attname:
        return ""
    return field.related_model._meta.label  # type: ignore[union-attr]


def _choices_label(field: models.Field, value) -> str:
    labels = {str(k): str(v) for k, v in field.flatchoices}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), plain(value))


def _date_text(field: models.Field, value: str) -> str:
    """Dates were recorded as ISO text; shown as «2 декабря 2026 г.» (a moment in the region's time zone)."""
    try:
        if isinstance(field, models.DateTimeField):
            return typography.ru_datetime(datetime.datetime.fromisoformat(value))
        if isinstance(field, models.DateField):
            return typography.ru_date(datetime.date.fromisoformat(value))
    except ValueError:
        pass
    return value


def plain(value) -> str:
    """A value no field describes: «да/нет», numbers in Russian notation, lists joined, a list of records counted."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return typography.number(value)
    if isinstance(value, float):
        return typography.threshold(value)
    if isinstance(value, list):
        return _joined(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def _joined(items: list) -> str:
    if items and all(isinstance(item, dict) for item in items):
        return ngettext("%(n)s entry", "%(n)s entries", len(items)) % {"n": typography.number(len(items))}
    return ", ".join(plain(item) for item in items) or NOTHING


def _as_dict(values) -> dict:
    if isinstance(values, dict):
        return values
    return {} if values in (None, "") else {"": values}
