"""Statuses in words on every page, failures explained from one table, inbound without an outbound status."""

import pytest

from messaging.models import Direction, Message, Status
from messaging.services import Recipient, message_send
from messaging.vocabulary import STATUS_WORDS, error_explained, failure_reason, status_words
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(owner, number="+37255555501"):
    return message_send(actor=owner, recipients=[Recipient(number)], text="Hi", source="test").messages[0]


def test_every_status_has_a_word():
    assert set(STATUS_WORDS) == set(Status)
    assert [status_words(s).word for s in ("QUEUE", "SENT", "DELIVRD", "UNDELIV", "EXPIRED", "DELETED")] == [
        "Queued",
        "Sent",
        "Delivered",
        "Failed",
        "Expired",
        "Cancelled",
    ]
    assert status_words("BLACKLISTED").word == "Blocked"


def test_gateway_errors_are_explained_from_one_table():
    assert error_explained("err:001") == error_explained("1") == "Unknown subscriber: the number is not in service."
    assert error_explained("ESME_RINVDSTADR") == "Invalid destination number."
    assert error_explained("SMSC unavailable: timed out") == "The carrier's system could not be reached."
    assert error_explained("XYZ-42") == "The carrier said: XYZ-42"
    assert failure_reason(Status.DELIVRD, "") == ""
    assert failure_reason(Status.UNDELIV, "") == "The carrier could not deliver it."


def test_a_failed_message_shows_the_word_the_reason_and_the_code_in_a_tooltip(page, owner):
    message = send(owner)
    Message.objects.filter(pk=message.pk).update(status=Status.UNDELIV, error="006")
    html = page.get(f"/messages/{message.uuid}/").content.decode()
    assert ">Failed</span>" in html and 'data-code="UNDELIV"' in html and "Code: UNDELIV" in html
    assert "Absent subscriber: the phone is off or out of coverage." in html and "(code 006)" in html
    listing = page.get("/messages/").content.decode()
    assert ">Failed</span>" in listing and ">UNDELIV<" not in listing


def test_a_refunded_message_shows_the_refund(page, owner):
    message = send(owner)
    Message.objects.filter(pk=message.pk).update(status=Status.REJECTD, is_refunded=True)
    html = page.get(f"/messages/{message.uuid}/").content.decode()
    assert ">Rejected</span>" in html and 'data-testid="refunded">refunded' in html
    assert "refunded" in page.get("/messages/").content.decode()


def test_inbound_messages_show_no_outbound_status(page, owner):
    reply = Message.objects.create(
        team=owner.team,
        user=owner,
        direction=Direction.IN,
        sender="+37255555501",
        recipient="Me",
        text="Thanks",
        status=Status.DELIVRD,
    )
    html = page.get(f"/messages/{reply.uuid}/").content.decode()
    assert "Received" in html and "Delivered" not in html and "data-message-poll" not in html
    listing = page.get("/messages/").content.decode()
    assert "Received" in listing and ">Delivered</span>" not in listing


def test_the_message_page_polls_until_the_status_is_final(page, owner):
    message = send(owner)
    html = page.get(f"/messages/{message.uuid}/").content.decode()
    assert "data-message-poll" in html and 'data-status="QUEUE"' in html
    data = page.get(f"/messages/{message.uuid}/", {"format": "json"}).json()
    assert data == {"status": "QUEUE", "word": "Queued", "final": False, "reason": "", "refunded": False}
    Message.objects.filter(pk=message.pk).update(status=Status.DELIVRD)
    assert page.get(f"/messages/{message.uuid}/", {"format": "json"}).json()["final"] is True
    assert "data-message-poll" not in page.get(f"/messages/{message.uuid}/").content.decode()


def test_another_teams_message_status_is_404(page):
    theirs = send(UserFactory(credits=5))
    assert page.get(f"/messages/{theirs.uuid}/", {"format": "json"}).status_code == 404


def test_empty_statistics_and_overview_say_what_to_do_next(page):
    assert "send a message</a>" in page.get("/statistics/").content.decode()
    assert "Send your first message" in page.get("/").content.decode()


@pytest.mark.parametrize(
    ("url", "next_step"),
    [
        ("/contacts/", "Add one with “New contact”, or import a CSV."),
        ("/groups/", "Name one below"),
        ("/templates/", "make one with “New template”"),
        ("/batches/", "A send to more than one recipient makes a batch"),
        ("/keys/", "Create one below"),
        ("/blacklist/", "text an opt-out word"),
        ("/inbox/", "When someone answers a message you sent"),
        ("/scheduled/", "pick a “Send at” time"),
    ],
)
def test_empty_lists_say_what_to_do_next(page, url, next_step):
    assert next_step in page.get(url).content.decode()
