"""Phone numbers in, E.164 out, through libphonenumber.

The rule that decides which number a recipient is ("a message never goes to someone the sender
didn't mean"):

1. Written with `+` or `00`: the digits are international. Accepted when *possible* for their
   country code (right length, known country code): libphonenumber's range tables lag behind newly
   allocated ranges, and the carrier's delivery report has the last word.
2. Written without `+` or `00`, the digits have two readings: international (as if a `+` were
   written before them) and national (a number of the team's country, its trunk prefix `0` as the
   country writes it). Validity (`is_valid_number`, the country's allocated ranges) decides:
   - both readings give the same number: that number (`37255555555` with team country EE);
   - exactly one reading is valid: that one (`55555555` is the Estonian `+37255555555`,
     `0701234567` the Swedish `+46701234567`, `4915123456789` the German `+4915123456789`);
   - both readings are valid and differ: refused as ambiguous (InvalidNumber), never guessed,
     when the digits are the national number exactly as its country writes it (`3212345678` for a
     US team is both the US `+13212345678` and the Belgian `+3212345678`). A national reading that
     leaves out the trunk prefix the country always writes (`0` in DE, GB, FR, SE...) is no such
     writing: there the digits are international (`376312345` for a German team is Andorra's
     `+376312345`, which a German writes nationally as `0376312345`);
   - neither is valid and the digits begin with a country calling code: the national reading is
     never taken (`3720000` with team country EE is not `+3723720000`); the international reading is
     taken only when the national one is not even possible, otherwise the number is refused;
   - neither is valid and the digits begin with no country calling code (a trunk prefix `0`, an
     unassigned code): the national reading when it is possible.
   Every place that reads a number (sends of every dialect, 2FA PINs, contacts, prices) calls
   `normalize_number`, so this is the one rule.

Speed: a bulk send reads 100,000 numbers, and `phonenumbers.parse` is most of the cost. A number
already written as `+` and digits (the common case) is split into country code and national
number here, with libphonenumber's own tables, and its length checked against the country's
possible lengths, as `is_possible_number` would; whatever this shortcut is not sure about (a
national prefix after the country code, odd lengths) goes through `phonenumbers.parse`. Both give
the same answer for the same input (tests/messaging/test_numbers.py compares them). A number written
without `+` costs both readings and their validity (tests/messaging/test_recipient_numbers.py).
"""

import re

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonemetadata import PhoneMetadata

from core.errors import ValidationFailed

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
    """`+37255555555`, `37255555555`, `0037255555555` or a national `0701234567` -> E.164, by the
    rule of the module docstring; InvalidNumber when no reading, or more than one, is plausible."""
    text = str(raw or "").strip()
    if not text or len(text) > MAX_INPUT:
        raise InvalidNumber("Invalid number", field=field)
    digits = text[1:] if text[0] == "+" and text[1:].isdecimal() else "".join(ch for ch in text if ch.isdecimal())
    if text.startswith("+") or text.startswith("00"):
        number = _parse("+" + digits.removeprefix("00") if text.startswith("00") else "+" + digits, None)
        if number is None:
            raise InvalidNumber("Invalid number", field=field)
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    chosen = _without_plus(digits, default_country.upper())
    if chosen is None:
        raise InvalidNumber("Invalid number", field=field)
    return chosen


def _without_plus(digits: str, region: str) -> str | None:
    """The E.164 number `digits` (written without '+' or '00') unambiguously mean, or None."""
    international = _parse("+" + digits, None) if digits else None
    national = _parse(digits, region) if digits else None
    as_international = _e164(international)
    as_national = _e164(national)
    if as_international is not None and as_international == as_national:
        return as_international
    international_valid = international is not None and phonenumbers.is_valid_number(international)
    national_valid = national is not None and phonenumbers.is_valid_number(national)
    if international_valid and national_valid:
        if _written_nationally(digits, national):
            return None  # two different people: refuse rather than guess
        return as_international
    if international_valid:
        return as_international
    if national_valid:
        return as_national
    if _begins_with_country_code(digits):
        # Not valid either way: never silently the team's own country; the international reading
        # only when the digits cannot be a national number at all.
        return as_international if national is None else None
    return as_national


def _e164(number: PhoneNumber | None) -> str | None:
    return None if number is None else phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _written_nationally(digits: str, number: PhoneNumber) -> bool:
    """Whether the digits are this number as its country writes it nationally (trunk prefix included
    where the country writes one)."""
    written = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return digits == "".join(ch for ch in written if ch.isdigit())


def _begins_with_country_code(digits: str) -> bool:
    """Whether the digits begin with an assigned country calling code (as a '+' would read them)."""
    if not digits or digits[0] == "0":
        return False
    return any(int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE for size in (1, 2, 3) if len(digits) >= size)


_SEPARATORS = re.compile(r"[\r\n,;]+")


def split_numbers(text: str) -> list[str]:
    """The entries of a numbers box: one per line, or separated by commas or semicolons. Spaces stay
    inside an entry (`+372 5555 5555` is one number); `read_entry` decides what an entry holds."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def read_entry(entry: str, *, default_country: str) -> list[str]:
    """The E.164 numbers one entry of a numbers box holds: the entry as one number when it is one
    (`+372 5555 5555`), else each space-separated word when every word is a number (`5555 5556` pasted
    from a space-separated list). InvalidNumber when neither."""
    try:
        return [normalize_number(entry, default_country=default_country, field="numbers")]
    except InvalidNumber:
        words = entry.split()
        if len(words) < 2:
            raise
        return [normalize_number(word, default_country=default_country, field="numbers") for word in words]


def number_country(e164: str) -> str:
    """ISO country of an E.164 number ('' when unknown), for pricing."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
    except NumberParseException:
        return ""


def calling_code_region(head: str) -> tuple[str, str]:
    """The country calling code an E.164 number's first digits begin with, and its main region:
    ("+372", "EE"); ("", "") when none. Calling codes are prefix-free, so the first match is it."""
    digits = head.lstrip("+")
    for size in (1, 2, 3):
        if len(digits) >= size and digits[0] != "0" and int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            code = int(digits[:size])
            return f"+{code}", phonenumbers.region_code_for_country_code(code)
    return "", ""
