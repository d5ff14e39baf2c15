"""Reads of messages, batches and the blacklist, always scoped to a team: another team's id is simply not found."""

import uuid as uuid_lib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from accounts.models import Team, User
from accounts.permissions import Action, scope
from core.errors import NotFound
from core.generations import ProcessCache
from core.lookups import numbers_in, pk_of
from core.numbers import calling_code_region
from messaging.models import FAILED, Batch, BlacklistEntry, Direction, Message, Status


def message_list(*, team: Team, actor: User | None, include_deleted: bool = False) -> QuerySet[Message]:
    """The team's messages `actor` may read (members: their own and the replies to them);
    `actor=None` is the platform itself (tasks, commands, support)."""
    messages = Message.objects.filter(team=team)
    if actor is not None:
        messages = scope(messages, actor=actor, action=Action.MESSAGE_READ)
    return messages if include_deleted else messages.filter(is_deleted=False)


def message_sent_list(
    *,
    team: Team,
    actor: User | None,
    statuses: Sequence[str] = (),
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    client_ref: str = "",
    client_id: str = "",
) -> QuerySet[Message]:
    """The team's outbound messages the actor may read, newest first (deleted ones left out),
    narrowed by what is given: statuses, sent in [created_from, created_before), the client
    reference (seed 003's externalId) and seed 003's clientId (kept in `extras`)."""
    messages = message_list(team=team, actor=actor).filter(direction=Direction.OUT)
    if statuses:
        messages = messages.filter(status__in=statuses)
    if created_from is not None:
        messages = messages.filter(created_at__gte=created_from)
    if created_before is not None:
        messages = messages.filter(created_at__lt=created_before)
    if client_ref:
        messages = messages.filter(client_ref=client_ref)
    if client_id:
        messages = messages.filter(extras__client_id=client_id)
    return messages.order_by("-created_at", "-id")


def scheduled_list(*, team: Team, actor: User | None) -> QuerySet[Message]:
    """Outbound messages the actor may read that wait for their send time, soonest first."""
    messages = message_list(team=team, actor=actor).filter(
        direction=Direction.OUT, status=Status.QUEUE, scheduled_at__isnull=False
    )
    return messages.select_related("batch").order_by("scheduled_at", "id")


def scheduled_cancelled_list(*, team: Team, actor: User | None) -> QuerySet[Message]:
    """Scheduled messages that were cancelled before their time, latest first, with their refund."""
    messages = message_list(team=team, actor=actor, include_deleted=True).filter(
        direction=Direction.OUT, status=Status.DELETED, scheduled_at__isnull=False
    )
    return messages.order_by("-status_at", "-id")


def message_get(*, team: Team, actor: User | None, message_id: object) -> Message:
    """By public id (UUID); another team's message, one the actor may not read, or a malformed id
    is not found."""
    try:
        key = uuid_lib.UUID(str(message_id))
    except ValueError:
        raise NotFound("Message not found.", field="message_id") from None
    messages = message_list(team=team, actor=actor, include_deleted=True)
    message = messages.filter(uuid=key).select_related("user", "batch", "reply_to").first()
    if message is None:
        raise NotFound("Message not found.", field="message_id")
    return message


def batch_list(*, team: Team, actor: User | None) -> QuerySet[Batch]:
    batches = Batch.objects.filter(team=team).select_related("user")
    return batches if actor is None else scope(batches, actor=actor, action=Action.MESSAGE_READ)


def batch_get(*, team: Team, actor: User | None, batch_id: object) -> Batch:
    try:
        return batch_list(team=team, actor=actor).get(pk=int(str(batch_id)))
    except (Batch.DoesNotExist, ValueError):
        raise NotFound("Batch not found.", field="batch_id") from None


@dataclass(frozen=True)
class BatchProgress:
    total: int
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.delivered + self.failed + self.cancelled

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def batch_progress(*, batch: Batch) -> BatchProgress:
    """Counted from the batch's messages in one grouped query (index msg_batch_status)."""
    counts = dict(
        Message.objects.filter(batch=batch, direction=Direction.OUT)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    queued = counts.get(Status.QUEUE, 0) + counts.get(Status.DEQUEUED, 0)
    sent = sum(counts.get(s, 0) for s in (Status.SENT, Status.ENROUTE, Status.ACCEPTD, Status.UNKNOWN))
    failed = sum(n for s, n in counts.items() if s in FAILED or s == Status.BLACKLISTED)
    return BatchProgress(
        total=sum(counts.values()),
        queued=queued,
        sent=sent,
        delivered=counts.get(Status.DELIVRD, 0),
        failed=failed,
        cancelled=counts.get(Status.DELETED, 0),
    )


@dataclass(frozen=True)
class CountryInsight:
    country: str  # ISO code ("" when unknown)
    calling_code: str  # "+372"
    delivered: int
    failed: int
    pending: int

    @property
    def rate(self) -> int | None:
        finished = self.delivered + self.failed
        return round(100 * self.delivered / finished) if finished else None


@dataclass(frozen=True)
class ErrorInsight:
    status: str
    error: str  # as the gateway reported it ("" when none)
    count: int


@dataclass(frozen=True)
class DeliveryInsights:
    countries: list[CountryInsight]  # most messages first
    errors: list[ErrorInsight]  # most frequent first
    delivered: int
    failed: int

    @property
    def rate(self) -> int | None:
        finished = self.delivered + self.failed
        return round(100 * self.delivered / finished) if finished else None


def delivery_insights(*, team: Team, actor: User | None, start, end) -> DeliveryInsights:
    """Delivery rate and failures by destination country and by error, for outbound messages the
    actor may read created from `start` to `end` (dates, inclusive). One grouped query: by the
    first digits of the number (its country calling code is among them) and the status, and one for
    the errors of failed messages."""
    messages = message_list(team=team, actor=actor).filter(
        direction=Direction.OUT, created_at__date__gte=start, created_at__date__lte=end
    )
    by_country: dict[str, dict] = {}
    rows = messages.annotate(head=Substr("recipient", 1, 4)).values("head", "status").annotate(n=Count("id"))
    for row in rows:
        code, country = calling_code_region(row["head"])
        cell = by_country.setdefault(code, {"country": country, "delivered": 0, "failed": 0, "pending": 0})
        if row["status"] == Status.DELIVRD:
            cell["delivered"] += row["n"]
        elif row["status"] in FAILED:
            cell["failed"] += row["n"]
        elif row["status"] not in (Status.DELETED, Status.BLACKLISTED):
            cell["pending"] += row["n"]
    countries = sorted(
        (CountryInsight(calling_code=code, **cell) for code, cell in by_country.items()),
        key=lambda c: (-(c.delivered + c.failed + c.pending), c.calling_code),
    )
    errors = [
        ErrorInsight(status=r["status"], error=r["error"], count=r["n"])
        for r in messages.filter(status__in=FAILED)
        .values("status", "error")
        .annotate(n=Count("id"))
        .order_by("-n", "status", "error")
    ]
    return DeliveryInsights(
        countries=countries,
        errors=errors,
        delivered=sum(c.delivered for c in countries),
        failed=sum(c.failed for c in countries),
    )


def blacklisted_numbers(*, team: Team, numbers: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are on the team's blacklist (in chunks: the list may be 100,000 long)."""
    if not blacklist_exists(team=team):
        return set()
    return numbers_in(BlacklistEntry, team=team, numbers=numbers)


_blacklist_exists: ProcessCache[bool] = ProcessCache()


def blacklist_exists(*, team: Team) -> bool:
    """Whether the team has any blacklist entry (cached: most teams have none, and every send asks)."""
    return _blacklist_exists.get(team.pk, lambda: BlacklistEntry.objects.filter(team=team).exists())


def blacklist_list(*, team: Team, search: str = "") -> QuerySet[BlacklistEntry]:
    entries = BlacklistEntry.objects.filter(team=team)
    search = search.strip().lstrip("+")
    return entries.filter(number__contains=search) if search else entries


def blacklist_get(*, team: Team, entry_id: object) -> BlacklistEntry:
    try:
        return blacklist_list(team=team).get(pk=pk_of(entry_id))
    except (BlacklistEntry.DoesNotExist, ValueError):
        raise NotFound("Blacklist entry not found.", field="id") from None
