"""The huey queue's own hygiene: what it keeps, its locks, and how callbacks share the consumer."""

import pytest
from huey.contrib.djhuey import HUEY

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
