"""The huey queue's own hygiene: what it keeps, its locks, and how callbacks share the consumer."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from messaging.locks import task_lock
from messaging.models import Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_task_results_are_not_kept(django_capture_on_commit_callbacks):
    """Nothing reads a task's return value, so none is stored (in Redis they stayed forever)."""
    HUEY.storage.flush_results()
    user = UserFactory(credits=10)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test")
    assert Message.objects.get().status == Status.DELIVRD  # dispatch ran (inline) and returned a count
    assert HUEY.storage.result_store_size() == 0


def test_a_periodic_lock_left_by_a_hung_or_killed_run_expires(settings):
    """A run that never ends (its consumer was killed) holds the lock until SMS_TASK_LOCK_SECONDS,
    not forever; meanwhile other runs are skipped, and a run that ends releases it at once."""
    settings.SMS_TASK_LOCK_SECONDS = 300
    started, release, runs = threading.Event(), threading.Event(), []

    @task_lock("test-periodic")
    def periodic(hang: bool) -> str:
        runs.append(hang)
        if hang:
            started.set()
            release.wait()
        return "ran"

    with time_machine.travel(datetime(2026, 1, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        hung = threading.Thread(target=periodic, args=(True,), daemon=True)
        hung.start()
        assert started.wait(10)
        assert periodic(False) is None  # skipped: the hung run holds the lock
        clock.shift(timedelta(seconds=299))
        assert periodic(False) is None
        clock.shift(timedelta(seconds=2))
        assert periodic(False) == "ran"  # the dead run's lock expired
        assert periodic(False) == "ran"  # and a finished run released its own
    release.set()
    hung.join(10)
    assert runs == [True, False, False]
