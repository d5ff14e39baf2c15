"""Phone numbers in, E.164 out, through libphonenumber.

A number is accepted when it is *possible* for its country (right length, known country code).
Full range validation (`is_valid_number`) is used only to choose between readings: libphonenumber's
range tables lag behind newly allocated ranges, and the carrier's delivery report has the last word.
"""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from accounts.errors import ValidationFailed

MAX_INPUT = 32


class InvalidNumber(ValidationFailed):
    pass


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def normalize_number(raw: object, *, default_country: str, field: str = "number") -> str:
    """`+37255555555`, `37255555555`, `0037255555555` or a national `0701234567` -> E.164."""
    text = str(raw or "").strip()
    if not text or len(text) > MAX_INPUT:
        raise InvalidNumber("Invalid number", field=field)
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+") or text.startswith("00"):
        readings = [_parse("+" + digits.removeprefix("00") if text.startswith("00") else "+" + digits, None)]
    else:
        # Without a '+' the digits may be international or national: prefer whichever is a valid
        # number, then whichever is merely possible, international first.
        readings = [_parse("+" + digits, None), _parse(digits, default_country.upper())]
    readings = [r for r in readings if r is not None]
    if not readings:
        raise InvalidNumber("Invalid number", field=field)
    best = next((r for r in readings if phonenumbers.is_valid_number(r)), readings[0])
    return phonenumbers.format_number(best, PhoneNumberFormat.E164)


def number_country(e164: str) -> str:
    """ISO country of an E.164 number ('' when unknown), for pricing."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
    except NumberParseException:
        return ""
