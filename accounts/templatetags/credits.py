"""`{{ amount|credits }}`: credits as people read them: two decimals, or up to four when the amount needs
them (a price of 0.035), never rounded away."""

from decimal import Decimal

from django import template

register = template.Library()
CENTS, QUANTUM = Decimal("0.01"), Decimal("0.0001")


@register.filter
def credits(value: object) -> str:
    amount = Decimal(str(value))
    two = amount.quantize(CENTS)
    return str(two) if two == amount else str(amount.quantize(QUANTUM).normalize())
