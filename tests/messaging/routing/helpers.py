"""Connectors and routes as support staff make them in the admin (rows; the routing snapshot hears of
each change by itself)."""

from decimal import Decimal

from messaging.models import Connector, ConnectorCost, Message, Route, RouteConnector
from messaging.routing.secrets import secret_seal
from messaging.services import Recipient, message_send
from tests.factories import UserFactory


def connector(name: str, kind: str = "simulator", *, costs: dict[str, str] | None = None, **fields) -> Connector:
    password = fields.pop("password", "")
    made = Connector.objects.create(name=name, kind=kind, secret=secret_seal(password), **fields)
    for country, cost in (costs or {}).items():
        ConnectorCost.objects.create(connector=made, country=country, cost=Decimal(cost))
    return made


def smpp_connector(name: str, port: int, **fields) -> Connector:
    settings = {"host": "127.0.0.1", "port": port, "system_id": "test", "window": 5, **fields.pop("settings", {})}
    return connector(name, "smpp", settings=settings, password="secret-pw", **fields)


def route(*connectors: Connector, position: int = 100, weights: tuple[int, ...] = (), **fields) -> Route:
    made = Route.objects.create(position=position, **fields)
    for i, c in enumerate(connectors):
        RouteConnector.objects.create(route=made, connector=c, position=i + 1, weight=weights[i] if weights else 1)
    return made


def send(*numbers: str, user=None, text: str = "Hi", **fields) -> list[Message]:
    user = user or UserFactory(credits=100)
    recipients = [Recipient(n) for n in numbers]
    return message_send(actor=user, recipients=recipients, text=text, source="test", **fields).messages


def statuses(messages: list[Message]) -> list[str]:
    found = dict(Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("pk", "status"))
    return [found[m.pk] for m in messages]
