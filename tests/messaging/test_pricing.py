"""Pricing: segments times the destination's price per segment, one rule for the quote and the send."""

from decimal import Decimal

import pytest

from messaging.models import PriceRule
from messaging.pricing import PriceBook, quote
from messaging.services import Recipient, message_send

pytestmark = pytest.mark.django_db

ONE_SEGMENT = "Hello"
TWO_SEGMENTS = "x" * 161  # GSM 7-bit: 160 fit in one SMS, 153 per part beyond


def test_without_rules_every_destination_costs_the_default_per_segment(user, settings):
    settings.SMS_DEFAULT_PRICE_PER_SEGMENT = "0.7"
    assert quote(team=user.team, text=ONE_SEGMENT, recipient="+37255555555").credits == Decimal("0.7")
    assert quote(team=user.team, text=TWO_SEGMENTS, recipient="+4915112345678").credits == Decimal("1.4")


def test_a_country_rule_prices_its_numbers_and_the_default_rule_the_others(user):
    PriceRule.objects.create(country="EE", credits_per_segment=Decimal("0.5"))
    PriceRule.objects.create(country="", credits_per_segment=Decimal("2"))
    book = PriceBook()
    assert book.per_segment("+37255555555") == Decimal("0.5")
    assert book.per_segment("+4915112345678") == Decimal(2)
    assert quote(team=user.team, text=TWO_SEGMENTS, recipient="+37255555555").credits == Decimal(1)
    assert quote(team=user.team, text=TWO_SEGMENTS, recipient="+4915112345678").credits == Decimal(4)
    assert quote(team=user.team, text=ONE_SEGMENT).credits == Decimal(2)  # no number: the default


@pytest.mark.parametrize("with_rules", [False, True])
def test_a_send_charges_what_the_quote_says(user, with_rules):
    if with_rules:
        PriceRule.objects.create(country="EE", credits_per_segment=Decimal("0.5"))
    numbers = ["+37255555555", "+4915112345678"]
    result = message_send(
        actor=user, recipients=[Recipient(n) for n in numbers], text=TWO_SEGMENTS, source="test"
    )  # fmt: skip
    quoted = [quote(team=user.team, text=TWO_SEGMENTS, recipient=n).credits for n in numbers]
    assert [m.price for m in result.messages] == quoted
    assert result.cost == sum(quoted)
    user.refresh_from_db()
    assert user.balance == 100 - sum(quoted)
