"""Which connectors would carry a message, and why: the one answer for the send path (can this
number be routed at all?), the dispatcher (in which order to try the connectors) and the admin's
"test a number" form."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from core.numbers import number_country
from messaging.models import RouteMode
from messaging.routing.table import ConnectorInfo, RouteInfo, routing_table


@dataclass(frozen=True)
class RouteChoice:
    configured: bool  # False: no route exists, the implicit SMS_GATEWAY gateway carries everything
    route: RouteInfo | None  # the first route that matches; None with routes configured: unroutable
    connectors: tuple[ConnectorInfo, ...]  # the enabled connectors, in the order to try them
    country: str
    number: str

    @property
    def routable(self) -> bool:
        return not self.configured or self.route is not None

    @property
    def disabled(self) -> tuple[str, ...]:
        """The route's connectors left out because they are disabled."""
        return tuple(c.name for c, _ in self.route.steps if not c.enabled) if self.route else ()

    @property
    def reason(self) -> str:
        """Why, in English, for support staff (worded only when asked: the dispatcher never does)."""
        if not self.configured:
            return "No routes are configured: the default gateway sends everything."
        if self.route is None:
            return f"No route matches {self.number} for this team and sender."
        return _reason(self.route, self.connectors, self.disabled, self.country)


def route_choose(*, team_id: int, number: str, sender: str = "", key: int = 0) -> RouteChoice:
    """The route and connectors for a message to `number` (E.164) from `team_id`'s `sender`.
    `key` (the message id) fixes the draw of a weighted route."""
    table = routing_table()
    if not table.routes:
        return RouteChoice(False, None, (), "", number)
    country = destination_country(number)
    route = table.match(number=number, country=country, team_id=team_id, sender=sender)
    if route is None:
        return RouteChoice(True, None, (), country, number)
    return RouteChoice(True, route, tuple(route.ordered(country=country, key=key)), country, number)


def route_check(*, team_id: int, sender: str) -> Callable[[str], bool] | None:
    """For the send path: a test of whether a number (E.164) can be routed, or None when no route
    is configured (every number can; no query, no cache read within the refresh interval)."""
    table = routing_table()
    if not table.routes:
        return None

    def routable(number: str) -> bool:
        return (
            table.match(number=number, country=destination_country(number), team_id=team_id, sender=sender) is not None
        )

    return routable


def destination_country(number: str) -> str:
    """number_country for an E.164 number, without parsing it when its calling code belongs to one
    country only (most do: the dispatcher asks this of every routed message)."""
    digits = number[1:4]
    for size in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size])) if digits[:size].isdigit() else None
        if regions:
            return regions[0] if len(regions) == 1 else _shared_code_country(number)
    return ""


@lru_cache(maxsize=65536)
def _shared_code_country(number: str) -> str:
    return number_country(number)


def _reason(route: RouteInfo, connectors: tuple[ConnectorInfo, ...], disabled: tuple[str, ...], country: str) -> str:
    filters = [
        f"prefix {route.prefix}" * bool(route.prefix),
        f"country {route.country}" * bool(route.country),
        "this team" * bool(route.team_id),
        f"sender {route.sender}" * bool(route.sender),
    ]
    matched = ", ".join(f for f in filters if f) or "catch-all"
    order = {
        RouteMode.FAILOVER: "in failover order",
        RouteMode.WEIGHTED: "drawn by weight, the others as failover",
        RouteMode.LEAST_COST: f"cheapest first for {country or 'an unknown country'}",
    }[RouteMode(route.mode)]
    names = " → ".join(c.name for c in connectors) or "none enabled: messages wait until one is"
    skipped = f" Disabled: {', '.join(disabled)}." if disabled else ""
    return f"Route “{route.name}” ({matched}) matches; connectors {order}: {names}.{skipped}"
