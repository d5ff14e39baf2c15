"""What a text costs to a number: segments (from the text analysis) times the destination's price
per segment (its country's PriceRule, else the default rule, else SMS_DEFAULT_PRICE_PER_SEGMENT).

The rule lives in `PriceBook.credits`: `quote` (the analyse endpoints, the dashboard's live counter)
and `message_send` both price with it."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from accounts.models import Team
from core.generations import ProcessCache
from core.numbers import normalize_number, number_country
from messaging import segments
from messaging.conversion import convert
from messaging.models import PriceRule


class PriceBook:
    """The price table, read once per send: a batch of 100,000 prices without 100,000 queries."""

    def __init__(self) -> None:
        rules = dict(_price_rules.get("rules", _read_rules))
        self.default = rules.pop("", Decimal(settings.SMS_DEFAULT_PRICE_PER_SEGMENT))
        self.by_country = rules

    def per_segment(self, e164: str) -> Decimal:
        """The price of one segment to `e164` (the default price when no number is given)."""
        if not self.by_country or not e164:
            return self.default
        return self.by_country.get(number_country(e164), self.default)

    def credits(self, *, analysis: segments.TextAnalysis, e164: str = "") -> Decimal:
        """What a text of this analysis costs to `e164`: its segments at the destination's price."""
        return self.per_segment(e164) * analysis.segments

    def uniform_price(self, analysis: segments.TextAnalysis) -> Decimal | None:
        """What a text of this analysis costs to any destination, or None when that depends on the
        destination's country (a bulk send prices each distinct text once when it does not)."""
        return None if self.by_country else self.credits(analysis=analysis)

    @property
    def cheapest(self) -> Decimal:
        """The lowest price per segment of any destination."""
        return min([self.default, *self.by_country.values()])


_price_rules: ProcessCache[list[tuple[str, Decimal]]] = ProcessCache()


def _read_rules() -> list[tuple[str, Decimal]]:
    return list(PriceRule.objects.values_list("country", "credits_per_segment"))


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
    prices = prices or PriceBook()
    return Quote(converted, analysis, e164, prices.per_segment(e164), prices.credits(analysis=analysis, e164=e164))
