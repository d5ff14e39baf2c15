"""The inbox as conversations: threads by number, the contact's name, unread counts, replies as sends."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from contacts.services import contact_create
from messaging.gateways.base import InboundSms
from messaging.models import Direction, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.inbound import inbound_receive
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(credits=100, email="owner@conv.test")


def _send(user, number, text):
    return message_send(actor=user, recipients=[Recipient(number=number)], text=text, source="dashboard")


def _receive(number, text):
    return inbound_receive(sms=InboundSms(sender=number, to="", text=text, at=datetime.now(UTC)))


def test_the_inbox_groups_by_number_with_names_and_unread_counts(client, owner):
    contact_create(team=owner.team, number="+37255550001", first_name="Mari", last_name="Maasikas")
    _send(owner, "+37255550001", "Appointment tomorrow?")
    _receive("+37255550001", "Yes please")
    _receive("+37255550001", "At noon")
    _send(owner, "+37255550002", "Nobody answered this one")
    _send(owner, "+37255550003", "Hello")
    _receive("+37255550003", "Who is this?")
    client.force_login(owner)

    page = client.get("/inbox/").content.decode()
    assert page.count('data-testid="thread"') == 2  # the number that never replied is no thread
    assert "Mari Maasikas" in page and "+37255550002" not in page
    assert page.index("+37255550003") < page.index("Mari Maasikas")  # most recent first
    assert '<span class="nav-count">3<span class="visually-hidden"> unread</span>' in page

    thread = client.get("/inbox/+37255550001/").content.decode()
    texts = [thread.index(t) for t in ("Appointment tomorrow?", "Yes please", "At noon")]
    assert texts == sorted(texts)  # oldest first, sent and received together
    assert "Who is this?" not in thread
    assert not Message.objects.filter(sender="+37255550001", is_read=False).exists()
    assert '<span class="nav-count">1<span' in client.get("/inbox/").content.decode()


def test_the_thread_says_statuses_in_words_with_the_code_in_a_tooltip(client, owner):
    delivered = _send(owner, "+37255550001", "Hi").messages[0]
    failed = _send(owner, "+37255550001", "Again").messages[0]
    Message.objects.filter(pk=delivered.pk).update(status=Status.DELIVRD)
    Message.objects.filter(pk=failed.pk).update(status=Status.UNDELIV, is_refunded=True)
    _receive("+37255550001", "Hello back")
    client.force_login(owner)
    thread = client.get("/inbox/+37255550001/").content.decode()
    assert ">Delivered</span>" in thread and 'data-code="DELIVRD"' in thread
    assert ">Failed</span>" in thread and "(refunded)" in thread
    assert "Delivrd" not in thread and "Undeliv" not in thread


def test_a_reply_from_the_thread_is_priced_and_charged_like_any_send(client, owner, django_capture_on_commit_callbacks):
    _send(owner, "+37255550001", "Hi")
    _receive("+37255550001", "Hello back")
    owner.refresh_from_db()
    before = owner.balance
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inbox/+37255550001/", {"text": "Thanks for answering"})
    assert response.status_code == 302 and response.url == "/inbox/+37255550001/"
    reply = Message.objects.get(text="Thanks for answering")
    assert reply.direction == Direction.OUT and reply.recipient == "+37255550001"
    owner.refresh_from_db()
    assert owner.balance == before - reply.price and reply.price > Decimal(0)
    assert "Thanks for answering" in client.get(response.url).content.decode()


def test_a_refused_reply_says_why_on_the_thread(client, owner):
    member = UserFactory(credits=1, email="poor@conv.test", team=owner.team, role=Role.MEMBER)
    _send(member, "+37255550001", "x")  # the member's thread; the balance is now 0
    client.force_login(member)
    response = client.post("/inbox/+37255550001/", {"text": "x"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Message.objects.count() == 1


def test_no_reply_to_a_number_without_a_conversation(client, owner):
    client.force_login(owner)
    assert client.get("/inbox/+37255550009/").status_code == 404
    assert client.post("/inbox/+37255550009/", {"text": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_another_team_sees_no_thread_of_ours(client, owner):
    _send(owner, "+37255550001", "Hi")
    _receive("+37255550001", "Private answer")
    client.force_login(UserFactory(email="other@conv.test"))
    assert "Private answer" not in client.get("/inbox/").content.decode()
    assert "Private answer" not in client.get("/inbox/+37255550001/").content.decode()
