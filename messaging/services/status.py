"""The one place where message statuses change.

Every change is a guarded UPDATE (only from a lower rank, see messaging.models), and in the same
transaction it writes the timeline event, the daily counter deltas and the customer notifications
(queued on commit).

Speed: the dispatcher moves 500 messages at a time through here, twice per message. On PostgreSQL
the lock, the guard and the update are one statement (`UPDATE ... FROM (SELECT ... FOR UPDATE)
RETURNING`, ids passed as one array), timeline rows are one `INSERT ... SELECT unnest(...)`, and
notifications are only looked up for messages that asked for some. Other databases take the same
steps through the ORM."""

import json
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team
from core import metrics
from messaging.callbacks.notify import NOTIFY_ROW_FIELDS, notifications_for, wants_notification
from messaging.models import FINAL_RANK, DailyCount, Message, Status, StatusEvent, rank, statuses_below

ROW_FIELDS = ("pk", "team_id", "user_id", "status", "created_at", "campaign", "price", "direction")
# DEQUEUED is the dispatcher's bookkeeping: no timeline row, no notification, and counted as QUEUE
# (the claim, the dispatcher's hottest write, then needs no counter rows).
SILENT = frozenset({Status.DEQUEUED})
COUNTED_AS: dict[str, str] = {Status.DEQUEUED: Status.QUEUE}


@dataclass(frozen=True)
class Step:
    """A status passed through on the way to the target of one transition (a gateway that answers
    the submit and the receipt together): it gets its timeline row and its notifications, but no
    counter rows, since it is entered and left in the same write."""

    status: str
    at: datetime
    detail: str = ""
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _TeamInfo:
    zone: zoneinfo.ZoneInfo
    dlr_url: str


def _teams(team_ids: Iterable[int]) -> dict[int, _TeamInfo]:
    rows = Team.objects.filter(pk__in=set(team_ids)).values_list("pk", "time_zone", "dlr_url")
    return {pk: _TeamInfo(zoneinfo.ZoneInfo(name), dlr_url) for pk, name, dlr_url in rows}


def count_deltas(
    rows: Sequence[dict], *, status: str, sign: int, zones: dict[int, zoneinfo.ZoneInfo] | None = None
) -> list[DailyCount]:
    """Daily counter delta rows for messages (dicts with ROW_FIELDS) entering (+1) or leaving (-1) a
    status. A row may stand for several messages of the same key: `count` of them costing `price`
    together (default: one message). `zones` (team id -> time zone) saves the lookup when known."""
    status = COUNTED_AS.get(status, status)
    if zones is None:
        zones = {pk: info.zone for pk, info in _teams(r["team_id"] for r in rows).items()}
    counts: Counter = Counter()
    credits: dict[tuple, Decimal] = {}
    days: dict[tuple, object] = {}  # (team, created_at) -> day: a bulk send shares one timestamp
    for r in rows:
        when = (r["team_id"], r["created_at"])
        day = days.get(when)
        if day is None:
            day = days[when] = timezone.localtime(r["created_at"], zones[r["team_id"]]).date()
        key = (r["team_id"], r["user_id"], day, r["direction"], r["campaign"])
        counts[key] += sign * r.get("count", 1)
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
    via: Sequence[Step] = (),
    **fields: object,
) -> list[int]:
    """Move these messages to `to` where the state machine allows it (narrowed by `only_from`);
    returns the ids that moved. With `via`, they pass through those statuses first (ranks rising),
    in the same guarded write: the guard is that of the first step."""
    at = at or timezone.now()
    first = via[0].status if via else to
    sources = [s for s in statuses_below(first) if only_from is None or s in only_from]
    if not message_ids or not sources:
        return []
    values: dict[str, object] = {}
    for step in via:
        values.update(step.fields)
    values.update(fields, status=to, status_at=at)
    # No savepoint inside a caller's transaction: a failure here fails the caller's work too.
    with transaction.atomic(savepoint=False):
        rows = _lock_and_move(message_ids, sources, values)
        if not rows:
            return []
        moved = [r["pk"] for r in rows]
        teams = _teams(r["team_id"] for r in rows)
        zones = {pk: info.zone for pk, info in teams.items()}
        deltas = []
        for old, group in _by_status(rows).items():
            deltas += count_deltas(group, status=old, sign=-1, zones=zones)
        deltas += count_deltas(rows, status=to, sign=+1, zones=zones)
        DailyCount.objects.bulk_create(deltas)
        if rank(to) == FINAL_RANK:
            metrics.messages_finished(status=to, count=len(moved))
        steps = [*via, Step(to, at, detail)] if to not in SILENT else list(via)
        for step in steps:
            _timeline_add(moved, status=step.status, detail=step.detail[:255], at=step.at)
            wanted = [
                r["pk"]
                for r in rows
                if wants_notification(r, status=step.status, team_dlr_url=teams[r["team_id"]].dlr_url)
            ]
            if wanted:
                notifications_for(message_ids=wanted, status=step.status, at=step.at)
    return moved


_MOVE_FIELDS = (*ROW_FIELDS, *NOTIFY_ROW_FIELDS)


def _lock_and_move(ids: Sequence[int], sources: Sequence[str], values: dict[str, object]) -> list[dict]:
    """Lock the messages still in `sources` (in id order, so two movers cannot deadlock), set
    `values` on them and return their rows (ROW_FIELDS with the status they had), in id order."""
    if connection.vendor != "postgresql":
        rows = list(
            Message.objects.select_for_update()
            .filter(pk__in=ids, status__in=sources)
            .order_by("pk")
            .values(*_MOVE_FIELDS)
        )
        if rows:
            Message.objects.filter(pk__in=[r["pk"] for r in rows]).update(**values)
        return rows
    concrete = {f.name: f for f in Message._meta.concrete_fields}  # `values` names columns only; each has a `column`
    fields = [concrete[name] for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(cast(str, f.column))} = %s" for f in fields)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    returned = ", ".join(
        "old.status" if name == "status" else f"m.{'id' if name == 'pk' else name}" for name in _MOVE_FIELDS
    )
    # The rows are found and locked by id only (the primary key, whatever the statistics say about
    # statuses: OFFSET 0 keeps the status guard from being pushed into the lookup), then guarded
    # on their status once locked. Only column names are interpolated.
    sql = (
        f"UPDATE messaging_message AS m SET {assignments} "  # noqa: S608
        "FROM (SELECT id, status FROM messaging_message WHERE id = ANY(%s::bigint[]) "
        "ORDER BY id OFFSET 0 FOR UPDATE) AS old "
        f"WHERE m.id = old.id AND old.status = ANY(%s::varchar[]) RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(ids), list(sources)])
        rows = [dict(zip(_MOVE_FIELDS, row, strict=True)) for row in cursor.fetchall()]
    for r in rows:
        if isinstance(r["callbacks"], str):  # jsonb arrives as text on a raw cursor
            r["callbacks"] = json.loads(r["callbacks"])
    rows.sort(key=lambda r: r["pk"])
    return rows


def _timeline_add(message_ids: Sequence[int], *, status: str, detail: str, at: datetime) -> None:
    if connection.vendor != "postgresql":
        StatusEvent.objects.bulk_create(
            [StatusEvent(message_id=pk, status=status, detail=detail, at=at) for pk in message_ids]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO messaging_statusevent (message_id, status, detail, at) "
            "SELECT unnest(%s::bigint[]), %s, %s, %s",
            [list(message_ids), status, detail, at],
        )


def _by_status(rows: Sequence[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["status"], []).append(r)
    return groups
