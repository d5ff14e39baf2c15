"""Margins for support staff: per destination country and connector, what the customers were
charged for the messages a connector accepted, what the connector costs for them (its cost per
country when it took them, SubmitAttempt.cost), and the difference. Refunded messages charge nothing."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from messaging.models import SubmitAttempt

ZERO = Decimal(0)


@dataclass(frozen=True)
class MarginRow:
    country: str
    connector: str
    messages: int
    charged: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.charged - self.cost


def margin_list(*, since: datetime, until: datetime) -> list[MarginRow]:
    """One row per (country, connector) that carried messages in [since, until), by country."""
    rows = (
        SubmitAttempt.objects.filter(outcome=SubmitAttempt.Outcome.ACCEPTED, at__gte=since, at__lt=until)
        .values("country", "connector_name")
        .annotate(
            messages=Count("id"),
            charged=Coalesce(Sum("message__price", filter=Q(message__is_refunded=False)), ZERO),
            cost=Coalesce(Sum("cost"), ZERO),
        )
        .order_by("country", "connector_name")
    )
    return [
        MarginRow(r["country"], r["connector_name"], r["messages"], Decimal(r["charged"]), Decimal(r["cost"]))
        for r in rows
    ]
