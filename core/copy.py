"""Rows into PostgreSQL with a binary COPY: for 100,000 rows, a fraction of the client work of
bulk_create (which builds and dumps parameter arrays value by value)."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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


def unnest_insert(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: str = ""
) -> list[tuple]:
    """INSERT a few rows as one array per column, `INSERT ... SELECT * FROM unnest(%s::type[], ...)`:
    the statement's text is the same however many rows, so the driver converts it once and the
    server plans it once per connection (a multi-row VALUES is a new statement for every row count).
    `columns`: the model's column names, each array typed as its field. Returns the `returning`
    column(s) of each row, in order."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    arrays = ", ".join(f"%s::{fields[name].db_type(connection)}[]" for name in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 - names from the model
    if returning:
        sql += f" RETURNING {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values) for values in zip(*rows, strict=True)] if rows else [[]] * len(columns))
        return cursor.fetchall() if returning else []
