"""Rows into PostgreSQL with a binary COPY: for 100,000 rows, a fraction of the client work of
bulk_create (which builds and dumps parameter arrays value by value)."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection
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
