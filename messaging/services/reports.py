"""What the network tells us: delivery reports (per part) and mobile-originated replies (stored by
messaging.services.inbound)."""

import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from core.group_commit import GroupCommit
from messaging.gateways.base import REPORT_STATES, DeliveryReport, InboundSms
from messaging.models import EarlyReport, MessagePart, Status, rank, statuses_below
from messaging.services.inbound import inbound_part_receive, inbound_receive
from messaging.services.status import message_transition
from messaging.vocabulary import is_final


class EngineSink:
    """The ReportSink every gateway is given. Gateways call it from their own long-lived threads,
    where no request cycle replaces a database connection that broke (a database restart): each
    call does that first, as each request would (the receipts writer, for its own connection).

    Receipts are stored by the process's one receipts writer (`RECEIPTS`, a group commit) on
    PostgreSQL: whatever every gateway thread (each SMPP bind has one) has waiting goes in one
    group, a few statements for all of them, and each call returns once its receipts are stored.
    In a caller's transaction (a request's, a test's) they are stored in it instead."""

    def reports(self, reports: Sequence[DeliveryReport]) -> None:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            RECEIPTS.submit(list(reports))
            return
        _replace_broken_connection()
        report_apply(reports=reports)

    def inbound(self, messages: Sequence[InboundSms]) -> None:
        _replace_broken_connection()
        for sms in messages:
            if sms.concat is None:
                inbound_receive(sms=sms)
            else:
                inbound_part_receive(sms=sms)

    def thread_done(self) -> None:
        """Close the thread's database connection: a gateway thread that ends (a reconnect starts
        a new one) would otherwise leave it open."""
        if not connection.in_atomic_block:
            connection.close()


def _replace_broken_connection() -> None:
    """Close this thread's connection if it failed (the next query opens a new one); never inside
    a caller's transaction, which must see its own connection through. CONN_MAX_AGE=0 means "one
    connection per request": a gateway thread serves no requests, and a new connection (a server
    process forked) for each batch of receipts cost more than storing them, so its connection is
    kept until it fails (a set CONN_MAX_AGE still applies)."""
    if connection.in_atomic_block:
        return
    if not connection.settings_dict["CONN_MAX_AGE"]:
        connection.close_at = None
    connection.close_if_unusable_or_obsolete()


def _receipts_store(batches: Sequence[Sequence[DeliveryReport]]) -> list[None]:
    """The receipts writer's work (in its own thread): the gateway threads' batches as one. If it
    fails, the group commit stores each batch alone, so one bad batch fails only its own call."""
    _replace_broken_connection()
    _plan_each_time()
    report_apply(reports=[report for batch in batches for report in batch])
    return [None] * len(batches)


RECEIPTS: GroupCommit[Sequence[DeliveryReport], None] = GroupCommit(_receipts_store, name="receipts")
_PLANNED_EACH_TIME: weakref.WeakSet = weakref.WeakSet()  # the writer's connections told so


def _plan_each_time() -> None:
    """Plan each statement of this connection for its own arrays. The receipts' statements look
    parts up by one to thousands of network ids; on a long-lived connection PostgreSQL kept the generic plan
    it chose for them while messagepart was small (a sequential scan comparing every row with every
    id) after the table grew: 50-500 ms a statement, most of the database's time."""
    with connection.cursor() as cursor:  # a connection that died is replaced first (health check)
        if connection.connection not in _PLANNED_EACH_TIME:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
            _PLANNED_EACH_TIME.add(connection.connection)


def combined_status(states: Sequence[str]) -> str:
    """A multipart message is delivered when every part is; it failed when any part failed for good;
    otherwise it is as far along as its slowest part."""
    if all(is_final(s) for s in states):
        return next((s for s in states if s != Status.DELIVRD), Status.DELIVRD)
    return min((s for s in states if not is_final(s)), key=rank)


@dataclass(frozen=True)
class Outcome:
    """Where reported messages go: one guarded transition per target status."""

    status: str
    message_ids: list[int]
    at: datetime  # the latest report among them
    error: str  # the first error reported among them ("" when none)

    @property
    def fields(self) -> dict:
        """The message fields this outcome sets besides the status."""
        return {"error": self.error[:255], **({"done_at": self.at} if is_final(self.status) else {})}


def outcomes(*, part_states: dict[int, list[str]], latest: dict[int, DeliveryReport]) -> list[Outcome]:
    """Group messages by the status their parts' states add up to (see `combined_status`).
    `part_states`: message id -> the state of each of its parts; `latest`: message id -> its
    latest report. The one rule for the report path and for receipts that come with the submit."""
    by_target: dict[str, list[int]] = defaultdict(list)
    for message_id, states in part_states.items():
        by_target[combined_status(states)].append(message_id)
    result = []
    for status, ids in by_target.items():
        last = max((latest[i] for i in ids), key=lambda r: r.at)
        error = next((latest[i].error for i in ids if latest[i].error), "")
        result.append(Outcome(status, ids, last.at, error))
    return result


def report_apply(*, reports: Sequence[DeliveryReport]) -> None:
    """Apply delivery reports. One for a part not stored yet (a fast network answers before the
    dispatcher has recorded the submit) is kept as an EarlyReport, applied once the part exists."""
    valid = [r for r in reports if r.state in REPORT_STATES]
    if not valid:
        return
    parts = _known_parts(valid)
    known = [r for r in valid if r.part_id in parts]
    if known:
        _apply_known(known, parts)
    waiting = [r.part_id for r in valid if r.part_id not in parts]
    if waiting and not transaction.get_connection().in_atomic_block:
        # The dispatcher looks for early reports after it commits the parts; this looks for the
        # parts after committing the early reports. One of the two sees the other's rows.
        arrived = _stored_parts(waiting)
        if arrived:
            early_reports_apply(network_ids=arrived)


def _stored_parts(network_ids: list[str]) -> list[str]:
    if connection.vendor != "postgresql":
        return list(MessagePart.objects.filter(network_id__in=network_ids).values_list("network_id", flat=True))
    with connection.cursor() as cursor:  # the ORM's own work would double the cost of a receipt here
        cursor.execute(
            "SELECT network_id FROM messaging_messagepart WHERE network_id = ANY(%s::varchar[])", [network_ids]
        )
        return [row[0] for row in cursor.fetchall()]


def _known_parts(reports: Sequence[DeliveryReport]) -> dict[str, int]:
    """network id -> message id of the reported parts that are stored; the reports of the others
    are kept as EarlyReports (one statement on PostgreSQL: a receipt at a time is the SMPP case)."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            parts = dict(
                MessagePart.objects.filter(network_id__in={r.part_id for r in reports}).values_list(
                    "network_id", "message_id"
                )
            )
            EarlyReport.objects.bulk_create(
                [
                    EarlyReport(network_id=r.part_id, state=r.state, at=r.at, error=r.error[:255])
                    for r in reports
                    if r.part_id not in parts
                ]
            )
        return parts
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH incoming AS (
                SELECT * FROM unnest(%(ids)s::varchar[], %(states)s::varchar[], %(ats)s::timestamptz[],
                    %(errors)s::varchar[]) AS t(network_id, state, at, error)
            ), known AS (
                SELECT network_id, message_id FROM messaging_messagepart WHERE network_id = ANY(%(ids)s::varchar[])
            ), early AS (
                INSERT INTO messaging_earlyreport (network_id, state, at, error, received_at)
                SELECT network_id, state, at, error, %(now)s FROM incoming
                WHERE network_id NOT IN (SELECT network_id FROM known)
            )
            SELECT network_id, message_id FROM known
            """,
            {
                "ids": [r.part_id for r in reports],
                "states": [r.state for r in reports],
                "ats": [r.at for r in reports],
                "errors": [r.error[:255] for r in reports],
                "now": timezone.now(),
            },
        )
        return dict(cursor.fetchall())


def _apply_known(reports: Sequence[DeliveryReport], parts: dict[str, int]) -> None:
    with transaction.atomic():
        touched: dict[int, DeliveryReport] = {}
        by_state: dict[str, list[DeliveryReport]] = defaultdict(list)
        for r in reports:
            by_state[r.state].append(r)
            message_id = parts[r.part_id]
            touched[message_id] = max(r, touched.get(message_id, r), key=lambda x: x.at)
        # One guarded UPDATE per state, lowest rank first: a late ENROUTE never overwrites DELIVRD,
        # and a duplicate changes nothing (the message transition below is guarded too).
        for state in sorted(by_state, key=rank):
            ids = [r.part_id for r in by_state[state]]
            MessagePart.objects.filter(network_id__in=ids, state__in=statuses_below(state)).update(state=state)
        states: dict[int, list[str]] = defaultdict(list)
        for message_id, state in MessagePart.objects.filter(message_id__in=touched).values_list("message_id", "state"):
            states[message_id].append(state)
        for outcome in outcomes(part_states=states, latest=touched):
            message_transition(
                message_ids=outcome.message_ids,
                to=outcome.status,
                at=outcome.at,
                detail=outcome.error,
                **outcome.fields,
            )


def early_reports_apply(*, network_ids: Sequence[str]) -> None:
    """Apply reports that arrived before these parts were stored."""
    early = early_reports_take(network_ids=network_ids)
    if early:
        report_apply(reports=early)


def early_reports_take(*, network_ids: Sequence[str]) -> list[DeliveryReport]:
    """Remove and return the reports kept for these parts. Inside the transaction that stores the
    parts, their outcome is written with them (see dispatch.record_results)."""
    if connection.vendor != "postgresql":
        early = list(EarlyReport.objects.filter(network_id__in=network_ids))
        if early:
            EarlyReport.objects.filter(pk__in=[e.pk for e in early]).delete()
        return [DeliveryReport(e.network_id, e.state, e.at, e.error) for e in early]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM messaging_earlyreport WHERE network_id = ANY(%s::varchar[]) "
            "RETURNING network_id, state, at, error",
            [list(network_ids)],
        )
        return [DeliveryReport(*row) for row in cursor.fetchall()]
