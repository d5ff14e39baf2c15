"""Numbers: the shortcut for `+digits` answers as libphonenumber's parse does, and every written
form of a number comes out as the same E.164."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumberFormat

from core.numbers import InvalidNumber, _parse, normalize_number


def _reference(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException:
        return None
    return (
        phonenumbers.format_number(number, PhoneNumberFormat.E164) if phonenumbers.is_possible_number(number) else None
    )


def _ours(text: str) -> str | None:
    number = _parse(text, None)
    return None if number is None else phonenumbers.format_number(number, PhoneNumberFormat.E164)


INTERNATIONAL = st.builds(
    lambda code, national: f"+{code}{national}",
    st.sampled_from(sorted(COUNTRY_CODE_TO_REGION_CODE)),
    st.text("0123456789", min_size=1, max_size=16),
)


@settings(max_examples=3000)
@given(INTERNATIONAL)
def test_plus_digits_read_as_libphonenumber_reads_them(text):
    assert _ours(text) == _reference(text)


@pytest.mark.parametrize(
    "written",
    ["+37255555555", "37255555555", "0037255555555", "55555555", " +372 5555 5555 ", "+372-5555-5555"],
)
def test_written_forms_of_one_estonian_number(written):
    assert normalize_number(written, default_country="EE") == "+37255555555"


def test_national_numbers_take_the_team_country():
    assert normalize_number("0701234567", default_country="SE") == "+46701234567"
    assert normalize_number("07911123456", default_country="GB") == "+447911123456"


def test_italian_leading_zero_is_kept():
    assert normalize_number("+390612345678", default_country="EE") == "+390612345678"


@pytest.mark.parametrize("written", ["", "+", "+3", "+372", "+37255", "hello", "+9991234567", "+1" + "2" * 20])
def test_impossible_numbers_are_refused(written):
    with pytest.raises(InvalidNumber):
        normalize_number(written, default_country="EE")
