"""The one place where message statuses change.

Every change is a guarded UPDATE (only from a lower rank, see messaging.models), and in the same
transaction it writes the timeline event, the daily counter deltas and the customer notifications
(queued on commit)."""

import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Team
from messaging.models import DailyCount, Message, Status, StatusEvent, statuses_below
from messaging.notify import notifications_for

ROW_FIELDS = ("pk", "team_id", "user_id", "status", "created_at", "campaign", "price", "direction")
# DEQUEUED is the dispatcher's bookkeeping: no timeline row, no notification, and counted as QUEUE
# (the claim, the dispatcher's hottest write, then needs no counter rows).
SILENT = frozenset({Status.DEQUEUED})
COUNTED_AS = {Status.DEQUEUED: Status.QUEUE}


def _zones(team_ids: Iterable[int]) -> dict[int, zoneinfo.ZoneInfo]:
    zones = dict(Team.objects.filter(pk__in=set(team_ids)).values_list("pk", "time_zone"))
    return {pk: zoneinfo.ZoneInfo(name) for pk, name in zones.items()}


def count_deltas(rows: Sequence[dict], *, status: str, sign: int) -> list[DailyCount]:
    """Daily counter delta rows for messages (dicts with ROW_FIELDS) entering (+1) or leaving (-1) a status."""
    status = COUNTED_AS.get(status, status)
    zones = _zones(r["team_id"] for r in rows)
    counts: Counter = Counter()
    credits: dict[tuple, Decimal] = {}
    for r in rows:
        day = timezone.localtime(r["created_at"], zones[r["team_id"]]).date()
        key = (r["team_id"], r["user_id"], day, r["direction"], r["campaign"])
        counts[key] += sign
        credits[key] = credits.get(key, Decimal(0)) + sign * r["price"]
    return [
        DailyCount(
            team_id=t,
            user_id=u,
            day=d,
            direction=dr,
            campaign=c,
            status=status,
            count=n,
            credits=credits[(t, u, d, dr, c)],
        )
        for (t, u, d, dr, c), n in counts.items()
    ]


def message_transition(
    *,
    message_ids: Sequence[int],
    to: str,
    at: datetime | None = None,
    detail: str = "",
    only_from: Sequence[str] | None = None,
    **fields: object,
) -> list[int]:
    """Move these messages to `to` where the state machine allows it (narrowed by `only_from`);
    returns the ids that moved."""
    at = at or timezone.now()
    sources = [s for s in statuses_below(to) if only_from is None or s in only_from]
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update()
            .filter(pk__in=message_ids, status__in=sources)
            .order_by("pk")
            .values(*ROW_FIELDS)
        )
        if not rows:
            return []
        moved = [r["pk"] for r in rows]
        Message.objects.filter(pk__in=moved).update(status=to, status_at=at, **fields)
        deltas = []
        for old, group in _by_status(rows).items():
            deltas += count_deltas(group, status=old, sign=-1)
        deltas += count_deltas(rows, status=to, sign=+1)
        DailyCount.objects.bulk_create(deltas)
        if to not in SILENT:
            StatusEvent.objects.bulk_create(
                [StatusEvent(message_id=pk, status=to, detail=detail[:255], at=at) for pk in moved]
            )
            notifications_for(message_ids=moved, status=to, at=at)
    return moved


def _by_status(rows: Sequence[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["status"], []).append(r)
    return groups
