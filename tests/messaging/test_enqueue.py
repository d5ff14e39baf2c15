"""The enqueue seam: every on-commit hand-over to huey survives the queue being down (the work is
in the database, and a periodic task picks it up once the queue is back)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import csv_import
from contacts.models import Contact, ImportStatus
from messaging.callbacks.delivery import callback_resend
from messaging.models import Callback, Status
from messaging.services import Recipient, message_send
from messaging.services.status import message_transition
from tests.factories import UserFactory
from tests.outages import queue_down

pytestmark = pytest.mark.django_db


def test_status_callbacks_made_while_the_queue_is_down_are_delivered_by_the_catch_up(
    django_capture_on_commit_callbacks, caplog
):
    user = UserFactory(credits=5)
    with queue_down() as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            [message] = message_send(
                actor=user,
                recipients=[Recipient("+37255555555")],
                text="Hi",
                callbacks=["http://127.0.0.1:9/cb"],
                source="test",
            ).messages
        with django_capture_on_commit_callbacks(execute=True):
            message_transition(message_ids=[message.pk], to=Status.SENT)
        assert enqueue.call_count == 2  # the dispatcher's wake-up and the callback: both refused
    callback = Callback.objects.get()
    assert callback.state == Callback.State.PENDING and callback.attempts == 0
    assert "could not enqueue messaging.tasks.callback_deliver (1 of 1 not queued)" in caplog.text

    from messaging.tasks import callbacks_due

    callbacks_due.call_local()
    callback.refresh_from_db()
    assert callback.attempts == 1  # tried (loopback is refused as a callback target, so it failed)


def test_a_callback_resent_while_the_queue_is_down_stays_due(django_capture_on_commit_callbacks, caplog):
    user = UserFactory(credits=5)
    with django_capture_on_commit_callbacks(execute=True):
        [message] = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="t").messages
    callback = Callback.objects.create(
        team=user.team, message=message, kind="status_json", method="POST", url="http://127.0.0.1:9/", body="{}"
    )
    Callback.objects.filter(pk=callback.pk).update(state=Callback.State.FAILED, attempts=5)
    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        callback = callback_resend(callback=callback)
    assert callback.state == Callback.State.PENDING and callback.next_attempt_at <= timezone.now()
    assert "could not enqueue messaging.tasks.callback_deliver" in caplog.text


def test_an_import_started_while_the_queue_is_down_is_run_by_the_tidy(
    django_capture_on_commit_callbacks, time_machine, caplog
):
    user = UserFactory(team__default_country="EE")
    imp = csv_import.contact_import_create(actor=user, data=b"number\n+37255550001\n", filename="c.csv")
    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        csv_import.contact_import_start(actor=user, contact_import=imp)
    imp.refresh_from_db()
    assert imp.status == ImportStatus.QUEUED
    assert "could not enqueue contacts.tasks.contact_import_task" in caplog.text

    from contacts.tasks import contact_imports_tidy

    contact_imports_tidy.call_local()  # too early: its task may still be waiting in the queue
    imp.refresh_from_db()
    assert imp.status == ImportStatus.QUEUED
    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    contact_imports_tidy.call_local()
    imp.refresh_from_db()
    assert imp.status == ImportStatus.DONE and Contact.objects.filter(number="+37255550001").exists()
