"""The routing table in memory: one snapshot per process of the connectors and routes, rebuilt when
they change. A change bumps a version counter in the shared cache (Redis, or the file cache); each
process compares its snapshot's version with it at most every SMS_ROUTING_REFRESH_SECONDS, so an
edit in the admin reaches running consumers within about a second, and the send path of a platform
with no routes pays no query at all (usually not even a cache read).

With the cache unreachable, sending goes on: the snapshot is read from the database again once a
minute at most (MAX_AGE_SECONDS), so a change still arrives, later."""

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from messaging.models import Connector, Route, RouteMode

VERSION_KEY = "routing:version"
MAX_AGE_SECONDS = 60.0  # a snapshot older than this is read again whatever the version says
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    id: int
    name: str
    kind: str
    enabled: bool
    throughput: int  # SMS parts per second over all consumers; 0: no cap
    options: tuple[tuple[str, Any], ...]  # the kind's settings, as stored
    sealed_secret: str  # the encrypted password (messaging.routing.secrets opens it)
    costs: tuple[tuple[str, Decimal], ...] = ()  # (country or "", cost per part)

    def cost_to(self, country: str) -> Decimal | None:
        costs = dict(self.costs)
        return costs.get(country, costs.get(""))

    @property
    def fingerprint(self) -> tuple:
        """What its gateway is built from: a gateway whose fingerprint changed is built again."""
        return (self.kind, self.options, self.sealed_secret)


@dataclass(frozen=True, slots=True)
class RouteInfo:
    id: int
    name: str
    prefix: str
    country: str
    team_id: int | None
    sender: str
    mode: str
    steps: tuple[tuple[ConnectorInfo, int], ...]  # (connector, weight) in failover order

    def matches(self, *, number: str, country: str, team_id: int, sender: str) -> bool:
        return (
            number.startswith(self.prefix)
            and (not self.country or self.country == country)
            and (self.team_id is None or self.team_id == team_id)
            and (not self.sender or self.sender == sender)
        )

    def ordered(self, *, country: str, key: int) -> list[ConnectorInfo]:
        """Its enabled connectors in the order to try them for one message (`key` seeds the draw
        of a weighted route, so a message draws the same order every time it is asked)."""
        steps = [(c, w) for c, w in self.steps if c.enabled]
        if self.mode == RouteMode.LEAST_COST:
            ranked = sorted(enumerate(steps), key=lambda s: _cost_rank(s[1][0].cost_to(country), s[0]))
            return [c for _, (c, _) in ranked]
        if self.mode == RouteMode.WEIGHTED:
            order, draws = [], _draws(key)
            while steps:
                weights = [max(w, 0) or 0.0001 for _, w in steps]
                point, pick = next(draws) * sum(weights), 0
                while pick < len(steps) - 1 and point >= weights[pick]:
                    point -= weights[pick]
                    pick += 1
                order.append(steps.pop(pick)[0])
            return order
        return [c for c, _ in steps]


_MASK = 2**64 - 1


def _draws(key: int) -> Iterator[float]:
    """Numbers in [0, 1), evenly spread and fixed by `key` (splitmix64): the same message draws the
    same order every time. Seeding a random.Random per message cost the dispatcher a twelfth of its
    time."""
    state = key & _MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        yield (z ^ (z >> 31)) / 2**64


def _cost_rank(cost: Decimal | None, position: int) -> tuple:
    return (cost is None, cost or 0, position)  # a connector with no known cost comes last


@dataclass(frozen=True)
class Table:
    version: int
    routes: tuple[RouteInfo, ...] = ()
    connectors: dict[int, ConnectorInfo] = field(default_factory=dict)

    def match(self, *, number: str, country: str, team_id: int, sender: str) -> RouteInfo | None:
        for route in self.routes:
            if route.matches(number=number, country=country, team_id=team_id, sender=sender):
                return route
        return None


class _Snapshot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.table: Table | None = None
        self.checked_at = 0.0
        self.loaded_at = 0.0


_snapshot = _Snapshot()


def routing_table() -> Table:
    """This process's snapshot, rebuilt when another process (or this one) changed the routing."""
    now = time.monotonic()
    table = _snapshot.table
    if table is not None and now - _snapshot.checked_at < settings.SMS_ROUTING_REFRESH_SECONDS:
        return table
    with _snapshot.lock:
        try:
            version = cache.get(VERSION_KEY, 0)
        except Exception as exc:  # the cache is down: keep sending with what the database says
            log.warning("Routing version unreadable (cache unreachable): %r", exc)
            version = -1
        stale = _snapshot.table is None or _snapshot.table.version != version
        table = _snapshot.table
        if table is None or (stale and (version != -1 or now - _snapshot.loaded_at > MAX_AGE_SECONDS)):
            table = _snapshot.table = _load(version)  # read after the version: a later change bumps it again
            _snapshot.loaded_at = now
        _snapshot.checked_at = now
        return table


def routing_changed() -> None:
    """Connectors or routes changed: every process rebuilds its snapshot. Bumped now (this process,
    tests inside one transaction) and again once the change is committed, so a process that read
    the rows between the two cannot keep the old ones."""
    _bump()
    transaction.on_commit(_bump)


def routing_forget(*, known_empty: bool = False) -> None:
    """Drop this process's snapshot. `known_empty`: the caller knows nothing is configured (a fresh
    test database), so the next send reads nothing, as in a process that has been running."""
    with _snapshot.lock:
        _snapshot.table = Table(version=0) if known_empty else None
        _snapshot.checked_at = _snapshot.loaded_at = time.monotonic() if known_empty else 0.0


def _bump() -> None:
    routing_forget()
    try:
        if not cache.add(VERSION_KEY, 1, timeout=None):
            try:
                cache.incr(VERSION_KEY)
            except ValueError:  # evicted meanwhile
                cache.set(VERSION_KEY, 1, timeout=None)
    except Exception as exc:  # the change is saved; other processes read it within MAX_AGE_SECONDS
        log.warning("Routing change not announced (cache unreachable): %r", exc)


def _load(version: int) -> Table:
    rows = list(Route.objects.prefetch_related("steps"))
    if not rows:  # the usual case: one query, and nothing routed
        return Table(version=version)
    connectors = {
        c.pk: ConnectorInfo(
            id=c.pk,
            name=c.name,
            kind=c.kind,
            enabled=c.enabled,
            throughput=c.throughput,
            options=tuple(sorted(c.settings.items())),
            sealed_secret=c.secret,
            costs=tuple((cost.country, cost.cost) for cost in c.costs.all()),
        )
        for c in Connector.objects.prefetch_related("costs")
    }
    routes = tuple(
        RouteInfo(
            id=r.pk,
            name=str(r),
            prefix=r.prefix,
            country=r.country,
            team_id=r.team_id,
            sender=r.sender,
            mode=r.mode,
            steps=tuple((connectors[s.connector_id], s.weight) for s in r.steps.all()),
        )
        for r in rows
    )
    return Table(version=version, routes=routes, connectors=connectors)
