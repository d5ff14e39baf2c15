"""Sends from many threads at once (PostgreSQL): nobody overdraws, nothing is charged without a
message, and the ledger audit stays clean."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Role
from accounts.selectors import credit_drift_list
from core.errors import InsufficientCredits
from messaging.models import Message
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sub_users_sending_at_once_never_overdraw():
    owner = UserFactory(credits=7)
    members = [UserFactory(team=owner.team, role=Role.MEMBER, credits=3) for _ in range(3)]
    senders = [owner, owner, owner, *members, *members]  # the owner from three threads at once
    start, refused, errors = threading.Barrier(len(senders)), [], []

    def send(user, index):
        try:
            start.wait()
            for i in range(4):
                try:
                    message_send(
                        actor=user, recipients=[Recipient(f"+372555{index:02d}{i:03d}")], text="x" * 200, source="test"
                    )
                except InsufficientCredits:
                    refused.append(user.pk)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(u, n)) for n, u in enumerate(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert refused, "the threads should have run out of credits"
    everyone = [owner, *members]
    for user in everyone:
        user.refresh_from_db()
        assert user.balance >= 0
    # Two segments (two credits) per message; every credit spent is a stored message.
    assert Message.objects.count() * 2 == 7 + 3 * 3 - sum(u.balance for u in everyone)
    assert all(u.balance < 2 for u in everyone)
    assert credit_drift_list() == []
    assert Decimal(0) <= sum(u.balance for u in everyone)
