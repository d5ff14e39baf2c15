"""`{0}` placeholders: filled by position, and a placeholder without its value refuses the
recipient (never sent as "Hi {0}") in every caller of message_send."""

from decimal import Decimal

import pytest

from messaging.models import Message, Status
from messaging.personalise import MissingParams, fill_positional
from messaging.services import Recipient, message_send
from tests.factories import UserFactory


def test_fill_positional_fills_by_position_with_json_values():
    assert fill_positional("Hi {0}, ${1} {0} {2}", ["Ann", 10.65, True]) == "Hi Ann, $10.65 Ann true"
    assert fill_positional("No placeholders", []) == "No placeholders"


@pytest.mark.parametrize(
    ("params", "named"), [([], "{0}, {1}"), (["Ann"], "{1}"), (["Ann", None], "{1}"), ([None, 1], "{0}")]
)
def test_a_placeholder_without_a_value_is_refused_naming_it(params, named):
    with pytest.raises(MissingParams) as error:
        fill_positional("Hi {0}, ${1}", params)
    assert f"placeholder {named} has no value" in error.value.message


@pytest.mark.django_db
def test_message_send_refuses_only_the_recipients_missing_params(django_capture_on_commit_callbacks):
    user = UserFactory(credits=100)
    with django_capture_on_commit_callbacks(execute=False):
        result = message_send(
            actor=user,
            recipients=[
                Recipient("+37255555501", params=["Ann"]),
                Recipient("+37255555502", params=[]),
                Recipient("not a number", params=[]),
            ],
            text="Hi {0}",
            source="test",
        )
    assert [m.text for m in result.messages] == ["Hi Ann"]
    assert [(r.index, r.status) for r in result.rejected] == [(1, Status.ERROR), (2, Status.INVALID_ROUTING)]
    assert "{0}" in result.rejected[0].reason
    assert list(Message.objects.values_list("text", flat=True)) == ["Hi Ann"]
    assert result.cost == Decimal(1)
