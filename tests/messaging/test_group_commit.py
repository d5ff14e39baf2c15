"""Single sends stored by group commit (messaging/services/intake.py, core/group_commit.py)."""

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import CreditEntry, Role
from accounts.selectors import credit_drift_list
from core.errors import InsufficientCredits
from core.group_commit import GroupCommit
from messaging.models import Message
from messaging.services import Recipient, message_send
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_single_sends_share_transactions_and_each_is_charged_exactly_once():
    owner = UserFactory(credits=40)
    members = [UserFactory(team=owner.team, role=Role.MEMBER, credits=5) for _ in range(2)]
    senders = [owner] * 6 + members * 3  # 12 threads; 50 credits for 120 attempts
    start, accepted, refused, errors = threading.Barrier(len(senders)), [], [], []

    def send(user, index):
        try:
            start.wait()
            for i in range(10):
                try:
                    result = message_send(
                        actor=user, recipients=[Recipient(f"+37255{index:02d}{i:04d}")], text="Hi", source="test"
                    )
                    accepted.append((user.pk, result.messages[0].pk))
                except InsufficientCredits:
                    refused.append(user.pk)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(user, n)) for n, user in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(accepted) == 50 and len(refused) == 70  # every credit spent, not one more
    for user in [owner, *members]:
        user.refresh_from_db()
        assert user.balance == 0
    stored = set(Message.objects.values_list("pk", flat=True))
    assert stored == {pk for _, pk in accepted}  # a refused send stored nothing
    charges = list(CreditEntry.objects.filter(kind="charge").values_list("message_id", "amount"))
    assert sorted(pk for pk, _ in charges) == sorted(stored)  # one charge row per message
    assert all(amount == Decimal(-1) for _, amount in charges)
    assert credit_drift_list() == []
    call_command("audit_credits")
    with connection.cursor() as cursor:  # rows written by one transaction share its xmin
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM messaging_message")
        transactions = cursor.fetchone()[0]
    assert transactions < len(stored), "concurrent sends should have been stored in shared transactions"


def test_a_group_that_fails_is_stored_again_one_by_one_and_only_the_bad_item_fails():
    stored_groups = []

    def store(items):
        if len(items) > 1 and "bad" in items:
            raise ValueError("the group can't be stored")
        if items == ["bad"]:
            raise ValueError("bad item")
        stored_groups.append(list(items))
        return [item.upper() for item in items]

    writer = GroupCommit(store, name="test")
    results, start = {}, threading.Barrier(6)

    def submit(item):
        start.wait()
        try:
            results[item] = writer.submit(item)
        except ValueError as exc:
            results[item] = str(exc)

    items = ["a", "b", "bad", "c", "d", "e"]
    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.stop()
    assert results == {"a": "A", "b": "B", "bad": "bad item", "c": "C", "d": "D", "e": "E"}
    assert sorted(item for group in stored_groups for item in group) == ["a", "b", "c", "d", "e"]


class WriterKilled(BaseException):
    """Not an Exception: what the store's own error handling lets through."""


def test_a_group_that_breaks_the_writer_answers_its_requests_and_the_writer_goes_on():
    calls = []

    def store(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise WriterKilled()
        return [f"stored {item}" for item in items]

    writer = GroupCommit(store, name="test-dies")
    with pytest.raises(RuntimeError, match="writer stopped"):
        writer.submit("first")
    assert writer.submit("second") == "stored second"
    writer.stop()
