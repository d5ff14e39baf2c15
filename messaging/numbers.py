"""Phone numbers in, E.164 out, through libphonenumber.

A number is accepted when it is *possible* for its country (right length, known country code).
Full range validation (`is_valid_number`) is used only to choose between readings: libphonenumber's
range tables lag behind newly allocated ranges, and the carrier's delivery report has the last word.

Speed: a bulk send reads 100,000 numbers, and `phonenumbers.parse` is most of the cost. A number
already written as `+` and digits (the common case) is split into country code and national
number here, with libphonenumber's own tables, and its length checked against the country's
possible lengths, as `is_possible_number` would; whatever this shortcut is not sure about (a
national prefix after the country code, odd lengths) goes through `phonenumbers.parse`. Both give
the same answer for the same input (tests/messaging/test_numbers.py compares them).
"""

import re

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonemetadata import PhoneMetadata

from accounts.errors import ValidationFailed

MAX_INPUT = 32
_MIN_NSN, _MAX_NSN = 2, 17  # libphonenumber's bounds of a national significant number
_UNKNOWN = re.compile("")  # matches anything: no shortcut for this country code
_prefix_patterns: dict[int, re.Pattern | None] = {}  # country code -> its national prefix, for parsing
_lengths: dict[int, frozenset[int]] = {}  # country code -> possible national number lengths


class InvalidNumber(ValidationFailed):
    pass


def _national_prefix(country_code: int) -> re.Pattern | None:
    if country_code not in _prefix_patterns:
        region = phonenumbers.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is None:
            _prefix_patterns[country_code] = _UNKNOWN
        else:
            pattern = metadata.national_prefix_for_parsing
            _prefix_patterns[country_code] = re.compile(pattern) if pattern else None
    return _prefix_patterns[country_code]


def _split_international(digits: str) -> PhoneNumber | None:
    """`digits` (ASCII, after a '+') as libphonenumber's parse reads them, or None when only the
    full parse can tell (then the caller parses)."""
    if len(digits) <= _MIN_NSN or digits[0] == "0":
        return None
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    prefix = _national_prefix(country_code)
    if prefix is not None and prefix.match(national):
        return None  # parse may strip a national prefix (or a carrier code) here
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    if national[0] == "0":  # as parse records leading zeros (Italy and a few others)
        number.italian_leading_zero = True
        zeros = len(national) - len(national.lstrip("0"))
        zeros = min(zeros, len(national) - 1)
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number


def _possible_lengths(country_code: int) -> frozenset[int]:
    """The national number lengths `is_possible_number` accepts for this country code."""
    if country_code not in _lengths:
        region = phonenumbers.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        lengths = () if metadata is None else metadata.general_desc.possible_length or ()
        local = () if metadata is None else metadata.general_desc.possible_length_local_only or ()
        _lengths[country_code] = frozenset() if -1 in lengths else frozenset((*lengths, *local))
    return _lengths[country_code]


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    if region is None and text.startswith("+") and text[1:].isdigit() and text.isascii():
        number = _split_international(text[1:])
        if number is not None:
            national_length = len(text) - 1 - len(str(number.country_code))
            return number if national_length in _possible_lengths(number.country_code) else None
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
    digits = text[1:] if text[0] == "+" and text[1:].isdigit() else "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+") or text.startswith("00"):
        number = _parse("+" + digits.removeprefix("00") if text.startswith("00") else "+" + digits, None)
        if number is None:
            raise InvalidNumber("Invalid number", field=field)
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    # Without a '+' the digits may be international or national: prefer whichever is a valid
    # number, then whichever is merely possible, international first (a valid international
    # reading settles it without reading the digits as national).
    international = _parse("+" + digits, None)
    if international is not None and phonenumbers.is_valid_number(international):
        return phonenumbers.format_number(international, PhoneNumberFormat.E164)
    national = _parse(digits, default_country.upper())
    if national is not None and (international is None or phonenumbers.is_valid_number(national)):
        return phonenumbers.format_number(national, PhoneNumberFormat.E164)
    if international is None:
        raise InvalidNumber("Invalid number", field=field)
    return phonenumbers.format_number(international, PhoneNumberFormat.E164)


def number_country(e164: str) -> str:
    """ISO country of an E.164 number ('' when unknown), for pricing."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
    except NumberParseException:
        return ""
