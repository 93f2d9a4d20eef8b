"""Which values in audit rows are personal data (152-ФЗ): names and contacts of people.

Apps register, per object type, the fields of a person their audit rows carry (in `AppConfig.ready()`); the
audit log hides those values from viewers whose role may not see people and records a personal-data view for
those who see them.
"""

PERSON_FIELDS: dict[str, frozenset[str]] = {}


def register_person_fields(object_type: str, fields: tuple[str, ...]) -> None:
    PERSON_FIELDS[object_type] = PERSON_FIELDS.get(object_type, frozenset()) | frozenset(fields)


def personal_keys(object_type: str, values: dict | None) -> set[str]:
    """The keys of `values` holding a person's name or contact (empty values are no data)."""
    fields = PERSON_FIELDS.get(object_type)
    if not fields or not isinstance(values, dict):
        return set()
    return {k for k, v in values.items() if k in fields and v not in ("", None)}
