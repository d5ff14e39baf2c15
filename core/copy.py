"""Rows into PostgreSQL without the ORM's per-value work: a binary COPY for many (100,000 rows in a
fraction of the client work of bulk_create), one JSON statement for a few (a group commit's)."""

import functools
import json
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.db.models import Model
from psycopg import Copy


@contextmanager
def binary_copy(table: str, columns: Sequence[str]) -> Iterator[Copy]:
    """A COPY into `table`'s `columns` (unquoted names) that takes `write_row`; the binary types
    come from the table itself. Errors are Django's, as for any query. Yields inside the cursor,
    so the caller may run more statements on `connection` afterwards as usual."""
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.execute(f"SELECT {names} FROM {table} LIMIT 0")  # noqa: S608 - names from the models
        types = [column.type_code for column in raw.description]
        with raw.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            yield copy


def instances_insert(instances: Sequence[Model]) -> None:
    """Store new instances of one model in one statement and set their primary keys: on PostgreSQL
    through `rows_insert` (the statement's text cached, no per-value ORM work: a fraction of a
    `create()`), elsewhere with bulk_create. Values are taken as they are, defaults included (what
    the model's constructor set)."""
    if not instances:
        return
    model = type(instances[0])
    if connection.vendor != "postgresql":
        for instance in instances:
            instance._state.adding = True
        model._default_manager.bulk_create(instances)
        return
    values, columns, pk = row_layout(model)
    ids = rows_insert(model, columns, [values(instance.__dict__) for instance in instances], returning=pk.column)
    for instance, (value,) in zip(instances, ids, strict=True):  # in the order given, as bulk_create relies on
        instance.__dict__[pk.attname] = value
        instance._state.adding = False


@functools.cache
def row_layout(model: type[Model]):
    """How an instance of `model` is written as a row: a function from its __dict__ to its column
    values (every concrete field but the primary key, in order), those columns' names, and the
    primary key field."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    values = operator.itemgetter(*names) if len(names) > 1 else (lambda d, name=names[0]: (d[name],))
    return values, tuple(f.column for f in fields), model._meta.pk


def rows_insert(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: str = ""
) -> list[tuple]:
    """INSERT a few rows in one statement whose text is the same however many rows: the rows travel as
    one JSON array, read by `json_populate_recordset` as records of the table's own row type (so each
    value is typed as its column, with no type written here). Dumping one JSON document is a single
    C call; the arrays of an `unnest` insert took the driver a Python call per value, which made this
    the costliest step of a group commit. `columns`: the model's column names, in the order of each
    row's values; datetimes, dates, decimals and UUIDs go as their text forms, JSON values as they
    are. Returns the `returning` column(s) of each row, in order."""
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, tuple(columns), returning), [_json_rows(columns, rows)])
        return cursor.fetchall() if returning else []


@functools.cache
def _insert_sql(model: type[Model], columns: tuple[str, ...], returning: str) -> str:
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table}, %s::json)"  # noqa: S608 - names from the model
    return sql + (f" RETURNING {returning}" if returning else "")


def _json_rows(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_text_form, ensure_ascii=False)


def _text_form(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")
