"""A message never goes to someone the sender didn't mean: digits written without '+' are read by
the rule of core/numbers.py, checked here differentially against libphonenumber's own answers
over every region's example numbers, in several team countries, written with their country code
(no '+'), nationally, shortened and lengthened, plus random digits."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import _extract_country_code  # libphonenumber's own reading of a code

from core.numbers import InvalidNumber, normalize_number
from tests.factories import UserFactory, issue_key

TEAM_COUNTRIES = ["EE", "US", "GB", "DE", "SE", "FR", "IN", "BR", "AU", "RU", "IT", "NG", "JP", "AR", "CH", "KE"]
TYPES = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE]


def _ours(digits: str, country: str) -> str | None:
    try:
        return normalize_number(digits, default_country=country)
    except InvalidNumber:
        return None


def _reading(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """A reading as libphonenumber makes it, possible numbers only."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def _e164(number) -> str | None:
    return None if number is None else phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _valid(number) -> bool:
    return number is not None and phonenumbers.is_valid_number(number)


def _national_writing(number) -> str:
    return "".join(ch for ch in phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if ch.isdigit())


def _check(digits: str, country: str, meant: str | None) -> str | None:
    """Assert the rule's promises for `digits` written without '+' by a team in `country`; `meant`
    is the number the digits were made from (None: made up). Returns what the rule answered."""
    got = _ours(digits, country)
    international = _reading("+" + digits, None)
    national = _reading(digits, country)
    readings = {_e164(n) for n in (international, national) if _valid(n)}
    if len(readings) == 2 and _national_writing(national) == digits:
        assert got is None, f"{digits} ({country}) is ambiguous {readings} but was read as {got}"
    if got is not None:
        # Never a number the digits don't mean: one of the two readings, valid unless the only one.
        assert got in {_e164(international), _e164(national)}, (digits, country, got)
        number = phonenumbers.parse(got)
        if not phonenumbers.is_valid_number(number):
            assert len({_e164(n) for n in (international, national) if n is not None}) == 1, (digits, country, got)
            if got != _e164(international):  # an invalid national reading: only without a country code
                assert _extract_country_code(digits)[0] == 0, (digits, country, got)
    if meant is not None and got != meant:
        # The number meant is only ever refused, and only when another valid reading competes.
        assert got is None, f"{digits} ({country}) meant {meant}, read as {got}"
        assert len(readings) == 2 and _national_writing(national) == digits, (digits, country, meant)
    return got


def _examples():
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and phonenumbers.is_valid_number(example):
                yield region, example


EXAMPLES = list(_examples())


@pytest.mark.parametrize("country", TEAM_COUNTRIES)
def test_example_numbers_written_without_plus_are_the_number_meant_or_refused(country):
    kept = 0
    for _region, example in EXAMPLES:
        e164 = _e164(example)
        kept += _check(e164[1:], country, meant=e164) == e164
    # Most: the refusals are the ambiguous ones (_check), a few percent, 13% for Italy (no trunk
    # prefix; mobiles begin with 3, as do most European country codes).
    assert kept > 0.85 * len(EXAMPLES)


@pytest.mark.parametrize("country", TEAM_COUNTRIES)
def test_national_numbers_of_the_team_country_are_the_number_meant_or_refused(country):
    written = 0
    for region, example in EXAMPLES:
        if region != country:
            continue
        national = _national_writing(example)
        assert _check(national, country, meant=_e164(example)) in (_e164(example), None)
        assert _ours(national, country) == _e164(example) or _valid(_reading("+" + national, None))
        written += 1
    assert written >= 1


@pytest.mark.parametrize("country", TEAM_COUNTRIES)
def test_shortened_and_lengthened_numbers_never_become_a_national_number_silently(country):
    for _region, example in EXAMPLES:
        digits = _e164(example)[1:]
        for changed in (digits[:-1], digits[:-2], digits[:-3], digits[:-4], digits + "1", digits + "12"):
            if len(changed) >= 3:  # (never '00'-first: that is the written international form)
                _check(changed, country, meant=None)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(TEAM_COUNTRIES), st.text("0123456789", min_size=3, max_size=16).filter(lambda d: d[:2] != "00"))
def test_random_digits_follow_the_rule(country, digits):
    _check(digits, country, meant=None)


def test_the_grid_has_ambiguous_inputs_and_refuses_them():
    """Not vacuous: some digits are valid numbers both ways (the team's and another country's)."""
    ambiguous = []
    for country in TEAM_COUNTRIES:
        for region, example in EXAMPLES:
            if region != country:
                continue
            national = _national_writing(example)
            other = _reading("+" + national, None)
            if _valid(other) and _e164(other) != _e164(example):
                ambiguous.append((national, country))
    assert ambiguous
    for national, country in ambiguous:
        assert _ours(national, country) is None


@pytest.mark.parametrize(
    ("written", "country", "e164"),
    [
        ("3720000", "EE", None),  # +372 and four digits: not a number, and never +3723720000
        ("3725555", "EE", None),
        ("4912345", "EE", None),  # a German number too short, and not an Estonian one either
        ("55555555", "EE", "+37255555555"),
        ("37255555555", "EE", "+37255555555"),
        ("0701234567", "SE", "+46701234567"),
        ("4915123456789", "EE", "+4915123456789"),
        ("2025550123", "US", "+12025550123"),
        ("+3725555", "EE", None),
        ("003725555", "EE", None),
    ],
)
def test_issue_examples(written, country, e164):
    assert _ours(written, country) == e164


# ---- Through the services that read numbers ---------------------------------------------------


@pytest.mark.django_db
def test_a_short_number_with_the_country_code_is_refused_by_the_send_api(api):
    from messaging.models import Message

    key = issue_key(UserFactory(credits=100))
    response = api.post("/api", {"api_token": key, "smstext": "Hi", "receiver": "3720000", "sender": "Bar"})
    assert response.status_code == 422
    assert response.json() == {"message": "Problem with validating numbers", "error": "Invalid number"}
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_short_number_with_the_country_code_gets_no_pin(api):
    from otp.models import Pin

    key = issue_key(UserFactory(credits=100))
    response = api.post("/api/2fa/send", {"api_token": key, "receiver": "3725555"})
    assert response.status_code == 422
    assert response.json() == {"message": "The given data was invalid.", "errors": {"receiver": ["Invalid number"]}}
    assert not Pin.objects.exists()
