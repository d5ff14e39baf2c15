"""One request with 100,000 recipients: every message and the single charge land together."""

from decimal import Decimal

import pytest

from accounts.models import CreditEntry, EntryKind
from accounts.selectors import credit_drift_list
from messaging.models import Batch, Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
N = 100_000


def test_a_100000_recipient_batch_is_stored_and_charged_once():
    user = UserFactory(credits=N + 5)
    recipients = [Recipient(f"+3725{i:07d}") for i in range(N - 1)] + [Recipient("bad")]  # the most a request takes
    result = message_send(actor=user, recipients=recipients, text="Hello everyone", source="test")
    assert len(result.messages) == N - 1 and [r.number for r in result.rejected] == ["bad"]
    batch = Batch.objects.get()
    assert batch.total == N - 1 and batch.cost == Decimal(N - 1)
    assert Message.objects.filter(batch=batch, status=Status.QUEUE).count() == N - 1
    charge = CreditEntry.objects.get(kind=EntryKind.CHARGE)
    assert charge.amount == Decimal(1 - N) and charge.batch_id == batch.pk
    user.refresh_from_db()
    assert user.balance == Decimal(6)
    assert credit_drift_list() == []
