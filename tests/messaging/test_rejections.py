"""Recipients a send refuses come back with a code (what the dialects map), not only English words."""

import pytest

from messaging.models import Message, Status
from messaging.services import Recipient, RejectionCode, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_refused_recipient_carries_its_code_and_status():
    user = UserFactory(credits=100)
    result = message_send(
        actor=user,
        recipients=[
            Recipient("+37255555555"),
            Recipient("12"),
            Recipient("+37255555556", text="   "),
            Recipient("+37255555557", text="Hi {0} {1}", params=["Ann"]),
            Recipient("+37255555558", text="x" * 2000),
        ],
        text="Hello",
        source="test",
    )
    assert [(r.index, r.code, r.status) for r in result.rejected] == [
        (1, RejectionCode.INVALID_NUMBER, Status.INVALID_ROUTING),
        (2, RejectionCode.EMPTY_TEXT, Status.ERROR),
        (3, RejectionCode.MISSING_PARAMS, Status.ERROR),
        (4, RejectionCode.TOO_LONG, Status.SEGMENTS_EXCEEDED),
    ]
    assert [m.recipient for m in Message.objects.all()] == ["+37255555555"]


def test_a_number_the_caller_already_read_is_stored_as_given():
    user = UserFactory(credits=100)
    result = message_send(actor=user, recipients=[Recipient("+37255555555", e164=True)], text="Hi", source="test")
    assert result.messages[0].recipient == "+37255555555" and not result.rejected
