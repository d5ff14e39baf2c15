"""The dashboard while Redis is down: what was committed answers success, once; the login answers."""

from decimal import Decimal

import pytest

from accounts.models import CreditEntry, EntryKind
from messaging.models import Message, Status
from tests.factories import PASSWORD, UserFactory
from tests.outages import cache_down, queue_down


@pytest.mark.django_db(transaction=True)  # real commits: the on-commit enqueue runs inside the request
def test_a_send_committed_while_the_queue_is_down_answers_success_and_is_charged_once(client, caplog):
    owner = UserFactory(credits=10)
    client.force_login(owner)
    with queue_down() as enqueue:
        response = client.post("/send/", {"numbers": "+37255555555", "text": "Hello", "conversion": "0"})
        assert enqueue.called  # the wake-up was tried, and refused
        message = Message.objects.get()
        assert response.status_code == 302 and response.url == f"/messages/{message.uuid}/"
        assert "1 message(s) accepted for 1" in client.get(response.url).content.decode()
    owner.refresh_from_db()
    assert owner.balance == Decimal(9)
    assert CreditEntry.objects.filter(user=owner, kind=EntryKind.CHARGE).count() == 1
    assert message.status == Status.QUEUE
    assert "could not enqueue messaging.tasks.dispatch" in caplog.text

    # The queue is back: the periodic catch-up sends it from the database.
    from messaging.tasks import dispatch_periodic

    dispatch_periodic.call_local()
    message.refresh_from_db()
    assert message.status == Status.DELIVRD
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_login_answers_while_the_cache_is_down(client):
    """Failed logins are counted in the database (django-axes), so the lockout holds without Redis."""
    owner = UserFactory()
    with cache_down():
        wrong = client.post("/login/", {"username": owner.email, "password": "nope"})
        assert wrong.status_code == 200 and b"Please enter a correct" in wrong.content
        right = client.post("/login/", {"username": owner.email, "password": PASSWORD})
        assert right.status_code == 302
