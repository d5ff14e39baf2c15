"""What a text costs to a number: segments (from the text analysis) times the destination's price.

One `quote` serves the analyse endpoints, the dashboard's live counter and the send path."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from accounts.models import Team
from core.numbers import normalize_number, number_country
from messaging import segments
from messaging.conversion import convert
from messaging.models import PriceRule


class PriceBook:
    """The price table, read once per send: a batch of 100,000 prices without 100,000 queries."""

    def __init__(self) -> None:
        rules = dict(PriceRule.objects.values_list("country", "credits_per_segment"))
        self.default = rules.pop("", Decimal(settings.SMS_DEFAULT_PRICE_PER_SEGMENT))
        self.by_country = rules

    def per_segment(self, e164: str) -> Decimal:
        if not self.by_country:
            return self.default
        return self.by_country.get(number_country(e164), self.default)


@dataclass(frozen=True)
class Quote:
    text: str  # after conversion
    analysis: segments.TextAnalysis
    recipient: str  # E.164, or "" when no number was given
    price_per_segment: Decimal
    credits: Decimal


def quote(*, team: Team, text: str, recipient: str = "", conversion: int = 0, prices: PriceBook | None = None) -> Quote:
    converted = convert(text, conversion)
    analysis = segments.analyse(converted)
    e164 = (
        normalize_number(recipient, default_country=team.default_country, field="recipientNumber") if recipient else ""
    )
    per_segment = (prices or PriceBook()).per_segment(e164) if e164 else (prices or PriceBook()).default
    return Quote(converted, analysis, e164, per_segment, per_segment * analysis.segments)
