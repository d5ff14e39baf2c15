"""Handing queued messages to the gateway.

Messages are claimed with a status change (QUEUE -> DEQUEUED) in a short transaction, submitted
outside any transaction, and the gateway's answers are recorded afterwards. Two workers never
claim the same row (SKIP LOCKED on PostgreSQL; SQLite serialises writers).

Speed: a chunk costs a handful of statements, not a handful per message. On PostgreSQL the claim
is one `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`; parts go in with one
`INSERT ... SELECT unnest(...)`; each distinct text is split once per chunk; and receipts the
gateway already holds when it answers (the simulator with no latency) are recorded with the
submit, in the same guarded write (SENT and the receipt's status, both on the timeline)."""

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import credit_refund
from core import metrics
from messaging import segments
from messaging.gateways.base import REPORT_STATES, DeliveryReport, Gateway, Outbound, SubmitResult
from messaging.models import Message, MessagePart, Status, rank
from messaging.routing.table import routing_table
from messaging.secrets import secret_texts
from messaging.services.failover import attempts_record, routed_submit
from messaging.services.reports import early_reports_apply, early_reports_take, outcomes, report_apply
from messaging.services.status import Step, message_transition

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CLAIM_FIELDS = (
    "pk",
    "sender",
    "recipient",
    "text",
    "request_dlr",
    "silent",
    "attempts",
    "user_id",
    "team_id",  # routes may be per team
    "batch_id",
    "price",
    "has_secret",
    "created_at",
    "scheduled_at",
    "encoding",  # as the send analysed the text: the dispatcher splits it but does not analyse it again
)


def claim_due(*, limit: int, now: datetime | None = None) -> list[dict]:
    """Claim up to `limit` due messages (scheduled ones first, then in id order); their rows."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Due scheduled messages by time, then unscheduled ones by id: two range scans of the
        # partial index msg_queue that stop at `limit`, whatever the statistics say.
        returned = ", ".join(f"m.{'id' if name == 'pk' else name}" for name in CLAIM_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                # A WITH query runs only as far as it is read: the second locks only what the first lacked.
                "WITH scheduled AS (SELECT id FROM messaging_message "  # noqa: S608 - only column names are interpolated
                "WHERE status = %(queue)s AND scheduled_at <= %(now)s "
                "ORDER BY scheduled_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED), "
                "unscheduled AS (SELECT id FROM messaging_message WHERE status = %(queue)s AND scheduled_at IS NULL "
                "ORDER BY scheduled_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED), "  # the index's order: no sort
                "due AS (SELECT id FROM scheduled UNION ALL SELECT id FROM unscheduled LIMIT %(limit)s) "
                "UPDATE messaging_message AS m "
                "SET status = %(dequeued)s, claimed_at = %(now)s, status_at = %(now)s, attempts = m.attempts + 1 "
                f"FROM due WHERE m.id = due.id RETURNING {returned}",
                {"queue": Status.QUEUE.value, "dequeued": Status.DEQUEUED.value, "now": now, "limit": limit},
            )
            rows = [dict(zip(CLAIM_FIELDS, row, strict=True)) for row in cursor.fetchall()]
        rows.sort(key=lambda row: row["pk"])
        return rows
    due = Q(status=Status.QUEUE) & (Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("scheduled_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Message.objects.filter(pk__in=ids, status=Status.QUEUE).update(
            status=Status.DEQUEUED, claimed_at=now, status_at=now, attempts=F("attempts") + 1
        )
        return list(
            Message.objects.filter(pk__in=ids, status=Status.DEQUEUED, claimed_at=now)
            .order_by("pk")
            .values(*CLAIM_FIELDS)
        )


def next_due_at() -> datetime | None:
    """When the next scheduled message falls due (None when nothing waits)."""
    return (
        Message.objects.filter(status=Status.QUEUE, scheduled_at__gt=timezone.now())
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
        .first()
    )


def dispatch_due(*, gateway: Gateway, limit: int) -> int:
    """Claim, submit and record one chunk; returns how many messages were claimed."""
    claimed = claim_due(limit=limit)
    if claimed:
        submit(gateway=gateway, claimed=claimed)
    return len(claimed)


def submit(*, gateway: Gateway, claimed: Sequence[dict]) -> None:
    """Hand claimed messages (rows as `claim_due` returns them) to the gateway and record its answers.
    A message stored with a masked text (a PIN's) goes with its real text (messaging/secrets.py).
    With routes configured, each message goes to the connectors of its route instead (failover.py)."""
    texts = secret_texts(claimed)
    submitted_at = timezone.now()
    lost = [row for row in claimed if row["has_secret"] and row["pk"] not in texts]
    if lost:  # a masked text nobody can rebuild any more fails for good: sent masked it is useless
        refused = [SubmitResult(row["pk"], False, error="Masked text unknown", permanent=True) for row in lost]
        record_results(claimed=lost, results=refused, now=submitted_at)
        claimed = [row for row in claimed if not (row["has_secret"] and row["pk"] not in texts)]
    outbound = _outbound(claimed, texts)
    if not outbound:
        return
    if routing_table().routes:
        _submit_routed(claimed=claimed, outbound=outbound, now=submitted_at)
        return
    try:
        results = gateway.submit(outbound)
    except Exception as exc:  # the network failed us: everything claimed goes back to the queue
        log.exception("Gateway %s failed to submit %d messages", getattr(gateway, "name", "?"), len(outbound))
        results = [SubmitResult(o.message_id, False, error=str(exc)[:200], permanent=False) for o in outbound]
    # Receipts the gateway already holds for what it just accepted (optional: the simulator's).
    take_reports = getattr(gateway, "take_reports", None)
    reports = take_reports() if take_reports is not None else []
    _record_with_receipts([gateway], claimed=claimed, results=results, now=submitted_at, reports=reports)
    gateway.recorded()


def _submit_routed(*, claimed: Sequence[dict], outbound: Sequence[Outbound], now: datetime) -> None:
    placed = routed_submit(claimed=claimed, outbound=outbound)
    results = [placed.results[o.message_id] for o in outbound]
    attempts_record(placed)
    _record_with_receipts(placed.gateways, claimed=claimed, results=results, now=now, reports=placed.reports)
    for gateway in placed.gateways:
        gateway.recorded()


def _record_with_receipts(
    gateways: Sequence[Gateway],
    *,
    claimed: Sequence[dict],
    results: Sequence[SubmitResult],
    now: datetime,
    reports: Sequence[DeliveryReport],
) -> None:
    """record_results, with the receipts that came with the results (SubmitResult.reports); then the
    gateways that handed those over hear whether they are stored: they answer the network only then."""
    handed = [report for result in results for report in result.reports]
    stored = False
    try:
        record_results(claimed=claimed, results=results, now=now, reports=[*reports, *handed])
        stored = True
    finally:
        if handed:
            for gateway in gateways:
                receipts_stored = getattr(gateway, "receipts_stored", None)
                if receipts_stored is not None:
                    receipts_stored(handed, stored=stored)


def _outbound(claimed: Sequence[dict], texts: Mapping[int, str]) -> list[Outbound]:
    outbound = []
    parts_of: dict[str, tuple[str, ...]] = {}  # a bulk text is split once
    for row in claimed:
        text = texts.get(row["pk"], row["text"])
        parts = parts_of.get(text)
        if parts is None:
            parts = parts_of[text] = tuple(segments.split(text))
        outbound.append(
            Outbound(
                message_id=row["pk"],
                sender=row["sender"],
                to=row["recipient"],
                parts=parts,
                encoding=row["encoding"],
                request_dlr=row["request_dlr"],
                silent=row["silent"],
            )
        )
    return outbound


def record_results(
    *,
    claimed: Sequence[dict],
    results: Sequence[SubmitResult],
    now: datetime,
    reports: Sequence[DeliveryReport] = (),
) -> None:
    """Store what the gateway answered. `reports`: receipts it already has for these parts; a
    message whose every part is reported goes from DEQUEUED through SENT to the reported status in
    one write, the others are reported the usual way once their parts are stored."""
    accepted = [r for r in results if r.accepted]
    rows = {row["pk"]: row for row in claimed}
    if accepted:
        _record_accepted(accepted=accepted, reports=reports, now=now)
        dues = (_due(rows[r.message_id]) for r in accepted)
        metrics.dispatch_lag(seconds=[(now - due).total_seconds() for due in dues if due])
    refused, retry = _judge_refusals([r for r in results if not r.accepted], rows=rows)
    for (status, error), ids in refused.items():
        with transaction.atomic():
            moved = message_transition(message_ids=ids, to=status, at=now, detail=error, error=error[:255], done_at=now)
            message_charges_refund(rows=[rows[i] for i in moved], reason=error)
    if retry:
        _requeue_later(retry, rows=rows, now=now)


def _record_accepted(*, accepted: Sequence[SubmitResult], reports: Sequence[DeliveryReport], now: datetime) -> None:
    """Accepted messages go to SENT (or through it to their receipts' status) with their parts stored."""
    part_ids = [p for r in accepted for p in r.part_ids]
    with transaction.atomic():
        # Receipts that came before this write (a fast SMSC's) are recorded in it too.
        reports = [*reports, *early_reports_take(network_ids=part_ids)]
        reported = _complete_reports(accepted, reports)
        leftover = [r for r in reports if r.part_id not in reported]
        sent = [r.message_id for r in accepted if r.message_id not in reported.messages]
        moved = set(message_transition(message_ids=sent, to=Status.SENT, at=now, sent_at=now))
        via = [Step(Status.SENT, now, fields={"sent_at": now})]
        for outcome in reported.outcomes():
            moved.update(
                message_transition(
                    message_ids=outcome.message_ids,
                    to=outcome.status,
                    at=outcome.at,
                    detail=outcome.error,
                    via=via,
                    **outcome.fields,
                )
            )
        _parts_add(
            [
                (r.message_id, i, part_id, reported.state_of(part_id))
                for r in accepted
                if r.message_id in moved
                for i, part_id in enumerate(r.part_ids)
            ]
        )
    # Receipts of a message that did not move (it was no longer claimed) go the usual way too.
    leftover += [report for m, reports in reported.by_message.items() if m not in moved for report in reports]
    early_reports_apply(network_ids=part_ids)  # those that came meanwhile (see report_apply)
    if leftover:
        report_apply(reports=leftover)


def _judge_refusals(
    refusals: Sequence[SubmitResult], *, rows: dict[int, dict]
) -> tuple[dict[tuple[str, str], list[int]], list[int]]:
    """The refused messages that fail for good, by (status, error), and those retried later."""
    refused: dict[tuple[str, str], list[int]] = defaultdict(list)
    retry: list[int] = []
    for r in refusals:
        row = rows[r.message_id]
        if not r.permanent and row["attempts"] < MAX_ATTEMPTS:
            retry.append(r.message_id)
        else:
            # Refused for good by the network, or out of retries: refunded either way.
            status = Status.REJECTD if r.permanent else Status.ERROR
            refused[(status, r.error or "Refused by the network")].append(r.message_id)
    return refused, retry


def _requeue_later(ids: Sequence[int], *, rows: dict[int, dict], now: datetime) -> None:
    """Back in the queue after a pause that grows with each attempt."""
    for attempts, group in _group(ids, key=lambda i: rows[i]["attempts"]).items():
        Message.objects.filter(pk__in=group, status=Status.DEQUEUED).update(
            status=Status.QUEUE, scheduled_at=now + timedelta(seconds=30 * 2 ** (attempts - 1)), status_at=now
        )


def _due(row: dict) -> datetime | None:
    """When a claimed message fell due: its scheduled time (also a retry's), else its acceptance."""
    return row.get("scheduled_at") or row.get("created_at")


class _Reported:
    """Receipts that came with the submit, for the messages whose every part has exactly one."""

    def __init__(self, by_message: dict[int, list[DeliveryReport]]) -> None:
        self.by_message = by_message
        self.messages = set(by_message)
        self._states = {report.part_id: report.state for reports in by_message.values() for report in reports}

    def __contains__(self, part_id: str) -> bool:
        return part_id in self._states

    def state_of(self, part_id: str) -> str:
        return self._states.get(part_id, Status.SENT)

    def outcomes(self):
        return outcomes(
            part_states={m: [r.state for r in reports] for m, reports in self.by_message.items()},
            latest={m: max(reports, key=lambda r: r.at) for m, reports in self.by_message.items()},
        )


def _complete_reports(accepted: Sequence[SubmitResult], reports: Sequence[DeliveryReport]) -> _Reported:
    if not reports:
        return _Reported({})
    by_part: dict[str, list[DeliveryReport]] = defaultdict(list)
    for report in reports:
        by_part[report.part_id].append(report)
    complete = {}
    for r in accepted:
        found = [by_part.get(part_id, []) for part_id in r.part_ids]
        if r.part_ids and all(
            len(f) == 1 and f[0].state in REPORT_STATES and rank(f[0].state) > rank(Status.SENT) for f in found
        ):
            complete[r.message_id] = [f[0] for f in found]
    return _Reported(complete)


def _parts_add(parts: list[tuple[int, int, str, str]]) -> None:
    """Store (message id, index, network id, state) rows."""
    if not parts:
        return
    if connection.vendor != "postgresql":
        MessagePart.objects.bulk_create(
            [MessagePart(message_id=m, index=i, network_id=n, state=s) for m, i, n, s in parts]
        )
        return
    message_ids, indexes, network_ids, states = (list(column) for column in zip(*parts, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO messaging_messagepart (message_id, "index", network_id, state) '
            "SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::varchar[], %s::varchar[])",
            [message_ids, indexes, network_ids, states],
        )


def message_charges_refund(*, rows: Iterable[Mapping[str, Any]], reason: str, actor: User | None = None) -> Decimal:
    """Give back what these messages cost, once each (their `is_refunded` flag, set under a row
    lock), one ledger row per user and batch (`credit_refund`). Returns the credits given back.

    The one way to refund messages: the engine's failures, cancellations and support's
    `message_refund` all call it. `rows`: mappings with pk, user_id, batch_id and price."""
    prices = {row["pk"]: row for row in rows if row["price"] > 0}
    with transaction.atomic():
        # Locked and filtered on the flag: a concurrent second refund waits, then finds nothing.
        fresh = list(
            Message.objects.select_for_update().filter(pk__in=prices, is_refunded=False).values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=fresh).update(is_refunded=True)
        groups: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for pk in fresh:
            groups[(prices[pk]["user_id"], prices[pk]["batch_id"])].append(pk)
        total = Decimal(0)
        for (user_id, batch_id), ids in groups.items():
            amount = sum((prices[pk]["price"] for pk in ids), Decimal(0))
            credit_refund(
                user=User(pk=user_id),
                amount=amount,
                memo=f"Refund of {len(ids)} message(s): {reason}"[:255],
                actor=actor,
                batch_id=batch_id,
                message_id=ids[0] if len(ids) == 1 else None,
            )
            total += amount
    return total


def requeue_stale_claims(*, now: datetime | None = None) -> int:
    """Claims a crashed worker left behind go back to the queue. The hand-off to the gateway is
    at-least-once; a gateway that knows our message id (the simulator, HTTP upstreams with an
    idempotency key) makes the effect exactly-once. See the README's reliability section."""
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.SMS_CLAIM_TIMEOUT_SECONDS)
    stale = Message.objects.filter(status=Status.DEQUEUED, claimed_at__lt=now - timeout)
    return stale.update(status=Status.QUEUE, status_at=now)


def _group(items, *, key) -> dict:
    groups: dict = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups
