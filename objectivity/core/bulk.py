"""Inserting many rows of one model at once, fast on both databases.

On PostgreSQL, Django's bulk_create sends multi-row statements that psycopg composes on the client
and the server then parses: 7 of 13 seconds of a 40,000-school registry import went to the audit
rows alone. COPY streams the same rows in a fraction of that. SQLite keeps bulk_create.
"""

from collections.abc import Sequence

from django.db import connections, models, router


def bulk_insert(objs: Sequence[models.Model], *, batch_size: int = 2000) -> None:
    """Insert new objects (primary keys are not set on them afterwards)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return
    _copy_rows(connection, model, objs)


def _copy_rows(connection, model: type[models.Model], objs: Sequence[models.Model]) -> None:
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([_db_value(connection, field, obj) for field in fields])


def _db_value(connection, field: models.Field, obj: models.Model):
    value = field.pre_save(obj, add=True)
    return field.get_db_prep_save(value, connection=connection)
