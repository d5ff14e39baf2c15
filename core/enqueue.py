"""The one seam between services and the huey queue: work handed over once the transaction commits.

A service names the task by its dotted path (services don't import tasks) and passes ids or plain
values. Whatever happens here happens after the commit, so the request has already succeeded: the
messages are stored and charged, the callback rows written, the import queued. Enqueueing is only
a wake-up: a periodic task finds the same work in the database (`dispatch_periodic`,
`callbacks_due`, `contact_imports_tidy`). A failed wake-up (Redis unreachable, the SQLite queue
locked) is therefore logged and never raised into the request, which would answer 500 for work
that was done, and invite a retry that does it twice.
"""

import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def enqueue_now(task: str, calls: Iterable[Sequence[object]] = ((),)) -> int:
    """Enqueue `task` once per argument tuple in `calls`; the number enqueued. Stops at the first
    failure (the queue is down: the rest would fail too) and logs it once."""
    calls = list(calls)
    done = 0
    try:
        function = import_string(task)
        for args in calls:
            function(*args)
            done += 1
    except Exception:
        log.exception(
            "could not enqueue %s (%d of %d not queued); the periodic catch-up will pick the work up from the database",
            task,
            len(calls) - done,
            len(calls),
        )
    return done


def enqueue_later(task: str, *args: object, delay: float) -> bool:
    """Enqueue `task(*args)` to run in `delay` seconds (a retry, a receipt the network sends later).
    Not tied to a transaction: the caller has committed what the task will look for. False, and
    logged, when the queue is down; the periodic catch-up finds the work in the database."""
    try:
        import_string(task).schedule(args=args, delay=delay)
    except Exception:
        log.exception("could not schedule %s in %ss; the periodic catch-up will pick the work up", task, delay)
        return False
    return True


def enqueue_on_commit(task: str, *args: object) -> None:
    """Enqueue `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue_now(task, [args]))


def enqueue_each_on_commit(task: str, calls: Iterable[Sequence[object]]) -> None:
    """Enqueue `task` once per argument tuple, once the current transaction commits."""
    calls = [tuple(args) for args in calls]
    transaction.on_commit(lambda: enqueue_now(task, calls))
