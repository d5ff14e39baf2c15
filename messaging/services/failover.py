"""Submitting claimed messages through their routes' connectors (messaging/routing), in rounds: each
round hands every message still unplaced to the next connector on its list. A message moves on
only when its connector is not bound or refused it for now *without* any part reaching the network
(SubmitResult.untouched): failover never sends a message twice. A refusal for good ends it; a
message whose every connector refused it for now goes back to the queue (record_results); one that
may have reached a connector (it got no answer) is tried again later on that connector only.

Every hand-over is an attempt (SubmitAttempt): the message page and the admin show them, and the
accepted one says which connector carried the message and what it cost (the margins). Each round
first stores its hand-overs as "handed" attempts, which the chunk's outcomes replace: a worker killed
meanwhile leaves them, and its messages, claimed again after the claim timeout, go to those
connectors only (they may be there), never to a second one."""

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from messaging.gateways.base import DeliveryReport, Gateway, LinkGateway, Outbound, SubmitResult
from messaging.models import SubmitAttempt
from messaging.routing.selectors import route_choose
from messaging.routing.status import waiting_publish
from messaging.routing.table import ConnectorInfo, routing_table
from messaging.routing.throughput import throughput_wait
from messaging.services.engine import connector_gateway

log = logging.getLogger(__name__)
_CONNECTOR_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="connector-submit")
READY_SECONDS = 2.0  # how long a connector with a successor on the route gets to bind
NO_ROUTE = "No route to this number"
_ZERO = Decimal(0)
# After these a retried message stays with that connector: it may be there.
_MAY_BE_THERE = (SubmitAttempt.Outcome.ACCEPTED, SubmitAttempt.Outcome.UNCERTAIN, SubmitAttempt.Outcome.HANDED)


@dataclass
class Placed:
    """What the rounds came to: one result per message, the attempts, the receipts the gateways
    already hold, and the gateways to tell once the results are stored."""

    results: dict[int, SubmitResult] = field(default_factory=dict)
    attempts: list["Attempt"] = field(default_factory=list)
    reports: list[DeliveryReport] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    handed_at: datetime = field(default_factory=timezone.now)  # the time of its "handed" attempts


@dataclass(frozen=True, slots=True)
class Attempt:
    """A SubmitAttempt row to store (a model instance per message cost more than the insert)."""

    message_id: int
    connector_id: int
    connector_name: str
    outcome: str
    error: str
    country: str
    cost: Decimal


@dataclass
class _Plan:
    message: Outbound
    connectors: list[ConnectorInfo]
    country: str


def routed_submit(*, claimed: Sequence[dict], outbound: Sequence[Outbound]) -> Placed:
    """Hand each message to the connectors of its route until one takes it (see the module doc)."""
    placed = Placed()
    waiting = _plans(claimed, outbound, placed)
    while waiting:
        by_connector: dict[ConnectorInfo, list[_Plan]] = defaultdict(list)
        for plan in waiting:
            by_connector[plan.connectors[0]].append(plan)
        handed = [_attempt(connector, plan, None) for connector, plans in by_connector.items() for plan in plans]
        _attempts_add(handed, at=placed.handed_at)
        waiting = []
        for connector, plans, results in _round(by_connector, placed):
            for plan, result in zip(plans, results, strict=True):
                placed.attempts.append(_attempt(connector, plan, result))
                if result.accepted or result.permanent or not result.untouched or len(plan.connectors) == 1:
                    placed.results[plan.message.message_id] = result
                else:
                    plan.connectors.pop(0)
                    waiting.append(plan)
    return placed


def _round(by_connector: dict[ConnectorInfo, list[_Plan]], placed: Placed) -> list[tuple]:
    """Each connector's share of a round: at the same time on connectors whose gateways submit
    without the database (SMPP, HTTP), one after the other on the others (the simulator's)."""

    def share(connector: ConnectorInfo, plans: list[_Plan]) -> tuple:
        last = all(len(plan.connectors) == 1 for plan in plans)
        return connector, plans, _submit_to(connector, [plan.message for plan in plans], last=last, placed=placed)

    groups = list(by_connector.items())
    apart = [g for g in groups if not getattr(_gateway_of(g[0]), "uses_database", True)][1:]
    elsewhere = [_CONNECTOR_THREADS.submit(share, *g) for g in apart]
    here = [share(*g) for g in groups if g not in apart]
    return here + [future.result() for future in elsewhere]


def _plans(claimed: Sequence[dict], outbound: Sequence[Outbound], placed: Placed) -> list[_Plan]:
    """Each message's connectors in the order to try; a message with none gets its result now."""
    rows = {row["pk"]: row for row in claimed}
    pinned = _pinned_connectors([row["pk"] for row in claimed if row["attempts"] > 1])
    connectors = routing_table().connectors
    plans = []
    for m in outbound:
        choice = route_choose(team_id=rows[m.message_id]["team_id"], number=m.to, sender=m.sender, key=m.message_id)
        keep = connectors.get(pinned.get(m.message_id, 0))
        if not choice.routable:  # the routes changed since it was accepted: refunded
            placed.results[m.message_id] = SubmitResult(m.message_id, False, error=NO_ROUTE, permanent=True)
        elif keep is not None and keep.enabled:  # it may be there already: never on another connector
            plans.append(_Plan(m, [keep], choice.country))
        elif choice.connectors:
            plans.append(_Plan(m, list(choice.connectors), choice.country))
        else:
            error = "no enabled connector on its route"
            placed.results[m.message_id] = SubmitResult(m.message_id, False, error=error, permanent=False)
    return plans


def _pinned_connectors(message_ids: list[int]) -> dict[int, int]:
    """The connector each retried message may be at already, if any (by message id): the last one
    that gave no answer, or that took it or was handed it before its worker was killed."""
    if not message_ids:
        return {}
    rows = SubmitAttempt.objects.filter(message_id__in=message_ids, outcome__in=_MAY_BE_THERE)
    return dict(rows.order_by("at", "id").values_list("message_id", "connector_id"))


def _submit_to(connector: ConnectorInfo, messages: list[Outbound], *, last: bool, placed: Placed) -> list[SubmitResult]:
    """One connector's share of a round. While the messages have somewhere else to go, a connector
    not bound within READY_SECONDS refuses them for now, untouched, so they move on; and one whose
    link drops during the submit hands back at once what it had not written, instead of waiting
    for the link (a carrier that died held every dispatcher for CONNECTOR_OUTAGE_SECONDS)."""
    gateway = _gateway_of(connector)
    if gateway is None:
        return _untouched(messages, error=f"{connector.name} cannot be set up (see the log)")
    if gateway not in placed.gateways:
        placed.gateways.append(gateway)
    send: Callable[[list[Outbound]], list[SubmitResult]] = gateway.submit
    if not last and isinstance(gateway, LinkGateway):
        if not gateway.ready(READY_SECONDS):
            return _untouched(messages, error=f"{connector.name} not bound")
        send = functools.partial(gateway.submit, outage_timeout=0)
    results: list[SubmitResult] = []
    while len(results) < len(messages):
        waiting_publish(connector_id=connector.id, count=len(messages) - len(results))
        share = _within_cap(connector, messages[len(results) :])
        results += _submit(send, connector, share)
    waiting_publish(connector_id=connector.id, count=0)
    take_reports = getattr(gateway, "take_reports", None)
    placed.reports += take_reports() if take_reports is not None else []
    return results


def _gateway_of(connector: ConnectorInfo) -> Gateway | None:
    """The connector's gateway, or None when it cannot be built (a password no key opens): its
    messages move on instead of failing the whole chunk."""
    try:
        return connector_gateway(connector)
    except Exception:
        log.exception("Connector %s cannot be set up", connector.name)
        return None


def _untouched(messages: list[Outbound], *, error: str) -> list[SubmitResult]:
    """Refused for now, nothing sent: free to go to the next connector."""
    return [SubmitResult(m.message_id, False, error=error, permanent=False, untouched=True) for m in messages]


def _within_cap(connector: ConnectorInfo, messages: list[Outbound]) -> list[Outbound]:
    """The first messages whose parts the connector's throughput cap lets go now (at least one)."""
    want = sum(len(m.parts) for m in messages)
    granted = throughput_wait(connector_id=connector.id, cap=connector.throughput, want=want)
    share: list[Outbound] = []
    parts = 0
    for m in messages:
        if share and parts + len(m.parts) > granted:
            break
        share.append(m)
        parts += len(m.parts)
    return share


def _submit(
    send: Callable[[list[Outbound]], list[SubmitResult]], connector: ConnectorInfo, messages: list[Outbound]
) -> list[SubmitResult]:
    try:
        return send(messages)
    except Exception as exc:  # we cannot know what reached the network: no failover for these
        log.exception("Connector %s failed to submit %d messages", connector.name, len(messages))
        return [SubmitResult(m.message_id, False, error=str(exc)[:200], permanent=False) for m in messages]


def _attempt(connector: ConnectorInfo, plan: _Plan, result: SubmitResult | None) -> Attempt:
    """The attempt as it ended, or (no result yet) as it starts: handed over."""
    outcome = SubmitAttempt.Outcome
    if result is None:
        return Attempt(plan.message.message_id, connector.id, connector.name, outcome.HANDED, "", plan.country, _ZERO)
    if result.accepted:
        kind = outcome.ACCEPTED
    elif result.permanent:
        kind = outcome.REFUSED
    else:
        kind = outcome.TEMPORARY if result.untouched else outcome.UNCERTAIN
    cost = (connector.cost_to(plan.country) or _ZERO) * len(plan.message.parts) if result.accepted else _ZERO
    return Attempt(
        message_id=plan.message.message_id,
        connector_id=connector.id,
        connector_name=connector.name,
        outcome=kind,
        error=result.error[:255],
        country=plan.country,
        cost=cost,
    )


def attempts_record(placed: Placed) -> None:
    """Store how a chunk's attempts ended, in place of its "handed" ones, in one transaction (a crash
    leaves one set or the other). Before the results: a message whose results a killed worker did
    not store stays pinned to the connector that took it."""
    with transaction.atomic():
        SubmitAttempt.objects.filter(  # found by the (connector, at) index; the ids: only this chunk's
            connector_id__in={attempt.connector_id for attempt in placed.attempts},  # each was handed one
            at=placed.handed_at,
            outcome=SubmitAttempt.Outcome.HANDED,
            message_id__in=list(placed.results),
        ).delete()
        _attempts_add(placed.attempts)


def _attempts_add(attempts: Sequence[Attempt], *, at: datetime | None = None) -> None:
    """Store attempts (at `at`, else now): one statement (on PostgreSQL, one array per column)."""
    if not attempts:
        return
    now = at or timezone.now()
    if connection.vendor != "postgresql":
        SubmitAttempt.objects.bulk_create([SubmitAttempt(**asdict(a), at=now) for a in attempts])
        return
    columns = (
        [a.message_id for a in attempts],
        [a.connector_id for a in attempts],
        [a.connector_name for a in attempts],
        [a.outcome for a in attempts],
        [a.error for a in attempts],
        [a.country for a in attempts],
        [a.cost for a in attempts],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO messaging_submitattempt (message_id, connector_id, connector_name, outcome, error, country, "
            "cost, at) SELECT m, c, n, o, e, k, p, %s FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], "
            "%s::varchar[], %s::varchar[], %s::varchar[], %s::numeric[]) AS t(m, c, n, o, e, k, p)",
            [now, *columns],
        )
