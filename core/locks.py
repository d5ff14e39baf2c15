"""Locks on a name: until the transaction ends, for rules that count rows before adding one (a
receiver's PIN caps, the parts of a long reply) without locking a whole table or team; and for
periodic tasks, in the cache with an expiry, so that no run waits behind a dead consumer."""

import functools
import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


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


def task_lock_key(name: str) -> str:
    return f"task-lock:{name}"


def task_lock(name: str) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """At most one run of the decorated (periodic) task at a time; a run that finds it held is
    skipped. The lock lives in the cache (Redis in production: SET NX EX) and expires after
    SMS_TASK_LOCK_SECONDS, so a consumer killed while holding it stops the task for at most that
    long; huey's own lock_task never expires. A run lasting longer than that may overlap
    the next one: every task locked so is safe to run twice at once; the lock only avoids piling up."""

    def decorate(task: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(task)
        def locked(*args: P.args, **kwargs: P.kwargs) -> R | None:
            key, token = task_lock_key(name), uuid.uuid4().hex
            if not cache.add(key, token, timeout=settings.SMS_TASK_LOCK_SECONDS):
                log.info("%s skipped: the previous run still holds its lock", name)
                return None
            try:
                return task(*args, **kwargs)
            finally:
                # Only our own: past the expiry another run may hold it now (a rare race between
                # the get and the delete at worst lets the next run start early, which is harmless).
                if cache.get(key) == token:
                    cache.delete(key)

        return locked

    return decorate
