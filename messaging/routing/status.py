"""The connectors' live status for support staff: each consumer process publishes its binds (state,
since when, last error) to the shared cache as it sends; the status page reads them with the
throughput counters, the queue and the last hour's receipts."""

import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from messaging.gateways.base import BindStatus
from messaging.models import Connector, Message, Status, SubmitAttempt
from messaging.routing.throughput import throughput_now

PUBLISHED_FOR = 60  # seconds a process's report counts without a newer one
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def binds_publish(*, connector_id: int, binds: list[BindStatus]) -> None:
    """Report this process's binds of a connector."""
    rows = [{**asdict(b), "since": b.since.isoformat(), "process": PROCESS} for b in binds]
    cache.set(f"routing:binds:{connector_id}:{PROCESS}", rows, timeout=PUBLISHED_FOR)
    _register(connector_id)


def _register(connector_id: int) -> None:
    """List this process among those reporting on the connector (the status page reads them all)."""
    index_key = f"routing:binds:{connector_id}"
    processes = cache.get(index_key) or []
    if PROCESS not in processes:
        cache.set(index_key, [*processes[-50:], PROCESS], timeout=None)


def waiting_publish(*, connector_id: int, count: int) -> None:
    """Report how many claimed messages this process holds for a connector, not handed over yet
    (held back by its throughput cap, or waiting for a window): the connector's own queue."""
    try:
        cache.set(f"routing:waiting:{connector_id}:{PROCESS}", count, timeout=PUBLISHED_FOR)
        _register(connector_id)
    except Exception:  # a status figure: never worth failing a send for
        return


@dataclass(frozen=True)
class ConnectorStatus:
    id: int
    name: str
    kind: str
    enabled: bool
    throughput_cap: int
    binds: list[dict] = field(default_factory=list)
    per_second: float = 0.0
    in_flight: int = 0  # submit_sm awaiting an answer, over every bind
    waiting: int = 0  # claimed for it in the consumers, not handed over yet
    sent_last_hour: int = 0
    delivered_last_hour: int = 0

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered_last_hour / self.sent_last_hour if self.sent_last_hour else None

    def as_dict(self) -> dict:
        return {**asdict(self), "delivery_rate": self.delivery_rate}


def _binds_of(connector_id: int) -> list[dict]:
    processes = cache.get(f"routing:binds:{connector_id}") or []
    published = cache.get_many([f"routing:binds:{connector_id}:{p}" for p in processes])
    return [{**row, "since": datetime.fromisoformat(row["since"])} for rows in published.values() for row in rows]


def _waiting_for(connector_id: int) -> int:
    processes = cache.get(f"routing:binds:{connector_id}") or []
    return sum(cache.get_many([f"routing:waiting:{connector_id}:{p}" for p in processes]).values())


def connector_status_list() -> list[ConnectorStatus]:
    since = timezone.now() - timedelta(hours=1)
    hour = dict(
        (row["connector_id"], (row["sent"], row["delivered"]))
        for row in SubmitAttempt.objects.filter(at__gte=since, outcome=SubmitAttempt.Outcome.ACCEPTED)
        .values("connector_id")
        .annotate(sent=Count("id"), delivered=Count("id", filter=Q(message__status=Status.DELIVRD)))
    )
    statuses = []
    for c in Connector.objects.order_by("name"):
        binds = _binds_of(c.pk)
        sent, delivered = hour.get(c.pk, (0, 0))
        statuses.append(
            ConnectorStatus(
                id=c.pk,
                name=c.name,
                kind=c.kind,
                enabled=c.enabled,
                throughput_cap=c.throughput,
                binds=binds,
                per_second=throughput_now(connector_id=c.pk),
                in_flight=sum(b["pending"] for b in binds),
                waiting=_waiting_for(c.pk),
                sent_last_hour=sent,
                delivered_last_hour=delivered,
            )
        )
    return statuses


def queue_depth() -> int:
    """Messages waiting to be sent (due now or later), over every connector."""
    return Message.objects.filter(status=Status.QUEUE).count()
