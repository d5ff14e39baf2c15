"""A lock on a name until the transaction ends, for rules that count rows before adding one (a
receiver's PIN caps, the parts of a long reply) without locking a whole table or team."""

import hashlib

from django.db import connection


def transaction_lock(name: str) -> None:
    """Wait until no other transaction holds `name`, then hold it until this one ends. PostgreSQL:
    an advisory lock on a 64-bit hash of the name (a clash only makes two unrelated writers wait
    for each other). SQLite needs none: its write transactions are serial (transaction_mode
    IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
