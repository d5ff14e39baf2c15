"""The bulk shortcut takes exactly what DRF's serializer takes, and gives the same data or errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from api.items import validated_items
from api.rest_v1.sms import SendInput

NAMES = list(SendInput().fields)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "  ", " +37255555555 ", "\x00", "\ud800", "x" * 33, "Привет 🎉"]),
    st.integers(),
    st.none(),
)
ITEM = st.dictionaries(st.sampled_from([*NAMES, "unknown"]), VALUES, max_size=6)


def _drf(items):
    serializer = SendInput(data=items, many=True, allow_empty=False)
    if serializer.is_valid():
        return serializer.validated_data, None
    return None, {"sendSmsRequests": serializer.errors}


def _ours(items):
    try:
        return validated_items(SendInput, items, field="sendSmsRequests"), None
    except serializers.ValidationError as exc:
        return None, exc.detail


@given(st.lists(ITEM, max_size=4) | st.one_of(st.text(max_size=3), st.integers(), st.just({})))
def test_same_data_and_errors_as_the_serializer(items):
    data, errors = _ours(items)
    expected_data, expected_errors = _drf(items)
    assert errors == expected_errors
    assert [dict(item) for item in data or []] == [dict(item) for item in expected_data or []]


def test_plain_items_are_trimmed_and_defaulted_as_drf_does():
    data, _ = _ours([{"recipientNumber": " +37255555555 ", "message": " Hi "}])
    assert data == [
        {"message": " Hi ", "recipientNumber": "+37255555555", "campaign": "", "dateToSend": "", "dataField": ""}
    ]


def test_a_missing_list_is_a_required_field():
    with pytest.raises(serializers.ValidationError) as caught:
        validated_items(SendInput, None, field="sendSmsRequests")
    assert caught.value.detail == {"sendSmsRequests": ["This field is required."]}
