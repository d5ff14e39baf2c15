"""The status machine: `message_transition` only moves messages forward, and each move writes the
timeline, the daily counters and the callbacks the new status owes."""

import pytest
from django.db.models import Sum

from messaging.models import Callback, CallbackKind, DailyCount, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.status import message_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queued(*, callbacks=()):
    """A message waiting in the queue (nothing runs on commit inside a test's transaction)."""
    user = UserFactory(credits=10)
    result = message_send(
        actor=user, recipients=[Recipient("+37255555555")], text="Hi", callbacks=callbacks, source="test"
    )
    return result.messages[0]


def counted(status):
    return DailyCount.objects.filter(status=status).aggregate(n=Sum("count"))["n"] or 0


def test_a_move_forward_writes_the_timeline_and_the_counters():
    message = queued()
    assert message_transition(message_ids=[message.pk], to=Status.SENT) == [message.pk]
    assert message_transition(message_ids=[message.pk], to=Status.DELIVRD, detail="ok") == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.DELIVRD
    assert [(e.status, e.detail) for e in message.events.order_by("id")] == [(Status.SENT, ""), (Status.DELIVRD, "ok")]
    assert (counted(Status.QUEUE), counted(Status.SENT), counted(Status.DELIVRD)) == (0, 0, 1)


def test_a_late_report_never_moves_a_message_backwards():
    message = queued()
    message_transition(message_ids=[message.pk], to=Status.DELIVRD)
    assert message_transition(message_ids=[message.pk], to=Status.SENT) == []
    assert message_transition(message_ids=[message.pk], to=Status.ENROUTE) == []
    message.refresh_from_db()
    assert message.status == Status.DELIVRD
    assert [e.status for e in message.events.all()] == [Status.DELIVRD]
    assert (counted(Status.DELIVRD), counted(Status.SENT)) == (1, 0)


def test_only_from_narrows_the_statuses_a_message_may_leave():
    message = queued()
    message_transition(message_ids=[message.pk], to=Status.SENT)
    assert message_transition(message_ids=[message.pk], to=Status.DELETED, only_from=[Status.QUEUE]) == []
    assert Message.objects.get(pk=message.pk).status == Status.SENT


def test_each_status_from_sent_on_owes_the_status_callbacks():
    message = queued(callbacks=["https://example.com/status"])
    message_transition(message_ids=[message.pk], to=Status.DEQUEUED)  # bookkeeping: owes nothing
    assert not Callback.objects.exists()
    message_transition(message_ids=[message.pk], to=Status.SENT)
    message_transition(message_ids=[message.pk], to=Status.DELIVRD)
    callbacks = Callback.objects.filter(message_id=message.pk).order_by("id")
    assert [c.kind for c in callbacks] == [CallbackKind.STATUS_JSON] * 2
    assert ['"SENT"' in c.body for c in callbacks] == [True, False]
    assert '"DELIVRD"' in callbacks[1].body
