"""Storing single sends: the message row, its daily counter deltas and its charge with the ledger row.

One implementation on every database. On PostgreSQL, outside a caller's transaction, concurrent
single sends of a web process are stored together by group commit (core/group_commit.py): one
transaction and five statements for the whole group (messages, balances, ledger rows, counters,
commit) instead of a transaction and five statements each, which is what lets one process accept
thousands of messages a second. Every request still answers after its own rows are committed, and
is charged exactly: a user whose balance can't pay all their messages of a group has them charged
one at a time, so only the ones the balance can't pay are refused."""

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import structlog
from django.conf import settings
from django.db import connection, transaction

from accounts.services.credits import ChargeLine, ShortOfCredits, credit_charge_many
from core.copy import instances_insert, rows_insert
from core.counters import flag_lower, flag_raise
from core.enqueue import enqueue_now
from core.errors import InsufficientCredits
from core.group_commit import GroupCommit
from messaging.models import DailyCount, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingSend:
    """One accepted single send, built and priced, not yet stored."""

    message: Message  # every value final but its id
    counts: list[DailyCount]
    cost: Decimal
    memo: str
    on_store: Callable[[Message], None] | None = None  # more rows stored with the message (message_send)
    log_context: dict = field(default_factory=structlog.contextvars.get_contextvars)  # the request's (its id)


def grouped() -> bool:
    """Whether a single send made now is stored by group commit: on PostgreSQL, unless the caller
    holds a transaction open (its send must commit or roll back with the caller's work)."""
    return settings.SMS_GROUP_COMMIT and connection.vendor == "postgresql" and not connection.in_atomic_block


def send_store(pending: PendingSend) -> Decimal | None:
    """Store one accepted single send (by group commit when `grouped()`); the balance its charge left,
    or None when it cost nothing. InsufficientCredits, with nothing stored, when the balance can't pay."""
    if grouped():
        return INTAKE.submit(pending)
    outcome = _store([pending])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _store(items: Sequence[PendingSend]) -> list[Decimal | Exception | None]:
    try:
        with transaction.atomic():
            return list(_store_group(items))
    except ShortOfCredits as short:
        if len(items) == 1:
            return [InsufficientCredits(f"Insufficient credits: this costs {items[0].cost}.", field="credits")]
        # The others are stored as a group; the short users' sends one at a time, in order.
        outcome: dict[int, Decimal | Exception | None] = {}
        others = [i for i, item in enumerate(items) if item.message.user_id not in short.user_ids]
        for i, result in zip(others, _store([items[i] for i in others]), strict=True):
            outcome[i] = result
        for i, item in enumerate(items):
            if i not in outcome:
                outcome[i] = _store([item])[0]
        return [outcome[i] for i in range(len(items))]


def _store_group(items: Sequence[PendingSend]) -> list[Decimal | None]:
    instances_insert([item.message for item in items])
    _counts_insert([count for item in items for count in item.counts])
    for item in items:
        if item.on_store is not None:
            item.on_store(item.message)
    # The charge last: it locks each user's balance row until the commit, and a user's concurrent
    # sends wait on that lock (inside a caller's transaction, for the rest of it: see otp.services).
    paid = [item for item in items if item.cost > 0]
    lines = [
        ChargeLine(
            user_id=item.message.user_id,
            team_id=item.message.team_id,
            amount=item.cost,
            memo=item.memo,
            message_id=item.message.pk,
        )
        for item in paid
    ]
    balances = dict(zip(map(id, paid), credit_charge_many(lines=lines), strict=True)) if lines else {}
    # One wake-up for the group, queued with the first request's log context: the dispatch task's log
    # lines carry that request's id (a group of one: exactly its own).
    transaction.on_commit(functools.partial(dispatch_wake, items[0].log_context))
    return [balances.get(id(item)) for item in items]


_COUNT_COLUMNS = ("team_id", "user_id", "day", "direction", "status", "campaign", "count", "credits")


def _counts_insert(counts: Sequence[DailyCount]) -> None:
    """The group's daily counter deltas, those of one key added up first (one row per key)."""
    summed: dict[tuple, list] = {}
    for c in counts:
        key = (c.team_id, c.user_id, c.day, c.direction, c.status, c.campaign)
        row = summed.setdefault(key, [*key, 0, Decimal(0)])
        row[6] += c.count
        row[7] += c.credits
    if connection.vendor != "postgresql":
        DailyCount.objects.bulk_create(
            [DailyCount(**dict(zip(_COUNT_COLUMNS, row, strict=True))) for row in summed.values()]
        )
        return
    rows_insert(DailyCount, _COUNT_COLUMNS, list(summed.values()))


# Up while a dispatch wake-up waits in the queue: the dispatch task lowers it as it starts, before it
# claims anything, so a send committed while it is up is claimed by that waiting task.
WAKE_WAITING = "dispatch:wake-waiting"
WAKE_WAITING_SECONDS = 10  # a wake-up lost with a consumer stops no later one for longer


def dispatch_wake(log_context: dict | None = None) -> None:
    """Wake the dispatcher (after a commit) unless a wake-up is already waiting, in `log_context` when
    given: its log lines carry that id. Hundreds of group commits a second then queue a few tasks, not
    hundreds that each find nothing left to claim."""
    if not _wake_flag_raised():
        return
    with structlog.contextvars.bound_contextvars(**(log_context or {})):
        if not enqueue_now("messaging.tasks.dispatch"):  # logged: dispatch_periodic catches up
            dispatch_woken()  # nothing waits: the next commit tries again


def _wake_flag_raised() -> bool:
    try:
        return flag_raise(WAKE_WAITING, timeout=WAKE_WAITING_SECONDS)
    except Exception as exc:  # the cache is out of reach: wake anyway (the queue may be elsewhere)
        log.warning("dispatch wake-up flag unknown (cache unreachable): %r", exc)
        return True


def dispatch_woken() -> None:
    """A dispatch run has started (or its wake-up never reached the queue): lower the flag."""
    try:
        flag_lower(WAKE_WAITING)
    except Exception as exc:
        log.warning("dispatch wake-up flag not lowered (cache unreachable): %r", exc)


INTAKE: GroupCommit[PendingSend, Decimal | None] = GroupCommit(_store, name="intake")
