"""Which callbacks a status owes: status callbacks from SENT on, a `dlruri` and the team's DLR URL
only for a final status, nothing for a message that asked for no reports."""

import pytest
from django.utils import timezone

from messaging.callbacks.notify import notifications_for, wants_notification
from messaging.models import Callback, CallbackKind, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROW = {"request_dlr": True, "dlr_url": "", "callbacks": []}


@pytest.mark.parametrize(
    ("row", "status", "team_url", "owed"),
    [
        ({**ROW, "callbacks": ["https://a"]}, Status.SENT, "", True),
        ({**ROW, "callbacks": ["https://a"]}, Status.DEQUEUED, "", False),  # before the network: nothing
        ({**ROW, "dlr_url": "https://d"}, Status.SENT, "", False),  # a dlruri waits for the final status
        ({**ROW, "dlr_url": "https://d"}, Status.DELIVRD, "", True),
        (ROW, Status.UNDELIV, "https://team", True),  # the team's DLR URL: final statuses
        (ROW, Status.ENROUTE, "https://team", False),
        ({**ROW, "request_dlr": False, "callbacks": ["https://a"]}, Status.DELIVRD, "https://team", False),
        (ROW, Status.DELIVRD, "", False),  # nowhere to tell
    ],
)
def test_which_statuses_owe_a_callback(row, status, team_url, owed):
    assert wants_notification(row, status=status, team_dlr_url=team_url) is owed


def sent_message(user, **kwargs):
    result = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test", **kwargs)
    return result.messages[0]


def test_a_final_status_owes_the_dlruri_with_the_receipt_filled_in_and_the_status_callbacks():
    user = UserFactory(credits=10)
    message = sent_message(
        user, dlr_url="https://example.com/dlr?id=%smsid%&dlr=%dlr%", callbacks=["https://example.com/status"]
    )
    notifications_for(message_ids=[message.pk], status=Status.DELIVRD, at=timezone.now())
    owed = {c.kind: c for c in Callback.objects.filter(message_id=message.pk)}
    assert set(owed) == {CallbackKind.DLR_URI, CallbackKind.STATUS_JSON}
    assert owed[CallbackKind.DLR_URI].url == f"https://example.com/dlr?id={message.uuid}&dlr=1"
    assert owed[CallbackKind.DLR_URI].method == "GET" and owed[CallbackKind.STATUS_JSON].method == "POST"


def test_the_team_dlr_url_is_told_of_final_statuses_only():
    user = UserFactory(credits=10)
    user.team.dlr_url = "https://example.com/team-dlr"
    user.team.save(update_fields=["dlr_url"])
    message = sent_message(user)
    notifications_for(message_ids=[message.pk], status=Status.SENT, at=timezone.now())
    assert not Callback.objects.exists()
    notifications_for(message_ids=[message.pk], status=Status.UNDELIV, at=timezone.now())
    [callback] = Callback.objects.all()
    assert callback.kind == CallbackKind.DLR_FORWARD and callback.url == "https://example.com/team-dlr"
    assert f"messageId={message.uuid}" in callback.body


def test_a_message_that_asked_for_no_reports_owes_nothing():
    user = UserFactory(credits=10)
    message = sent_message(user, request_dlr=False, callbacks=["https://example.com/status"])
    assert notifications_for(message_ids=[message.pk], status=Status.DELIVRD, at=timezone.now()) == []
    assert not Callback.objects.exists()
