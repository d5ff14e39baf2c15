"""The whole engine over SMPP: message_send -> dispatcher -> SmppGateway -> a real SMSC process
(tests/smsc.py) -> delivery receipts, stored in batches by the gateway's storing thread ->
DELIVRD / UNDELIV, replies stored. A fast SMSC's receipts come before the dispatcher has stored
the parts: kept as early reports, they are recorded in the same write as the submit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.gateways.base import DeliveryReport, SubmitResult
from messaging.models import Direction, EarlyReport, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import claim_due, dispatch_due, record_results
from messaging.services.engine import get_gateway
from messaging.services.reports import EngineSink, report_apply
from tests.factories import UserFactory
from tests.smsc import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smsc(engine_smsc):
    return engine_smsc("--reject-prefix", "+3725999", "--fail-prefix", "+3725888")  # real-looking numbers


def status_of(message) -> str:
    return Message.objects.values_list("status", flat=True).get(pk=message.pk)


def test_messages_reach_delivered_and_failed_through_smpp(smsc):
    user = UserFactory(credits=100)
    sent = message_send(
        actor=user,
        recipients=[Recipient("+37255555555"), Recipient("+37258881234")],
        text="Hello SMPP " * 20,
        source="test",
    ).messages
    dispatch_due(gateway=get_gateway(), limit=100)
    wait_for(lambda: status_of(sent[0]) == Status.DELIVRD, timeout=10)
    wait_for(lambda: status_of(sent[1]) == Status.UNDELIV, timeout=10)  # the SMSC fails +3725888...
    assert sent[0].segments == 2 and Message.objects.get(pk=sent[0].pk).parts.count() == 2
    assert len(smsc.events("submit")) == 4  # two parts each, each submitted once


def test_a_refused_destination_is_refunded(smsc):
    user = UserFactory(credits=10)
    message = message_send(actor=user, recipients=[Recipient("+37259991234")], text="x", source="test").messages[0]
    dispatch_due(gateway=get_gateway(), limit=10)
    message.refresh_from_db()
    assert message.status == Status.REJECTD and message.is_refunded
    user.refresh_from_db()
    assert user.balance == 10


def test_a_reply_from_the_network_is_stored(smsc):
    user = UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient("+37255555555")], text="PING", sender="+37250000000", source="test")
    dispatch_due(gateway=get_gateway(), limit=10)
    wait_for(lambda: Message.objects.filter(direction=Direction.IN).exists(), timeout=10)
    reply = Message.objects.get(direction=Direction.IN)
    assert reply.sender == "+37255555555" and reply.reply_to is not None and reply.created_at <= timezone.now()


def test_a_burst_of_messages_all_end_delivered_each_step_once(smsc):
    user = UserFactory(credits=100)
    sent = message_send(
        actor=user, recipients=[Recipient(f"+372555{i:05d}") for i in range(60)], text="Hi", source="test"
    ).messages
    dispatch_due(gateway=get_gateway(), limit=100)
    delivered = Message.objects.filter(pk__in=[m.pk for m in sent], status=Status.DELIVRD)
    wait_for(lambda: delivered.count() == 60, timeout=10)
    assert not EarlyReport.objects.exists()
    for message in Message.objects.filter(pk__in=[m.pk for m in sent]):
        assert [e.status for e in message.events.order_by("id")] == [Status.SENT, Status.DELIVRD]


def claimed_messages(user, count: int) -> list[dict]:
    """Messages claimed by the dispatcher (DEQUEUED), not submitted yet."""
    message_send(
        actor=user,
        recipients=[Recipient(f"+372556{i:05d}") for i in range(count)],
        text="Hi",
        source="test",
        scheduled_at=timezone.now() + timedelta(hours=1),  # not dispatched on commit
    )
    Message.objects.update(scheduled_at=timezone.now() - timedelta(seconds=1))
    return claim_due(limit=count)


def test_receipts_that_came_before_the_parts_are_recorded_with_them(django_assert_max_num_queries):
    claimed = claimed_messages(UserFactory(credits=100), 20)
    now = timezone.now()
    EngineSink().reports([DeliveryReport(f"net-{row['pk']}", "DELIVRD", now) for row in claimed])
    assert EarlyReport.objects.count() == 20
    results = [SubmitResult(row["pk"], True, part_ids=(f"net-{row['pk']}",)) for row in claimed]

    with django_assert_max_num_queries(12):  # one guarded write for SENT and DELIVRD, whatever the count
        record_results(claimed=claimed, results=results, now=now)

    assert not EarlyReport.objects.exists()
    for message in Message.objects.filter(pk__in=[row["pk"] for row in claimed]):
        assert message.status == Status.DELIVRD
        assert [e.status for e in message.events.order_by("id")] == [Status.SENT, Status.DELIVRD]


def test_a_batch_of_receipts_costs_the_same_queries_as_one(django_assert_max_num_queries):
    claimed = claimed_messages(UserFactory(credits=100), 30)
    now = timezone.now()
    results = [SubmitResult(row["pk"], True, part_ids=(f"net-{row['pk']}",)) for row in claimed]
    record_results(claimed=claimed, results=results, now=now)
    reports = [DeliveryReport(f"net-{row['pk']}", "DELIVRD", now) for row in claimed]
    early = [DeliveryReport(f"unknown-{i}", "DELIVRD", now) for i in range(10)]  # parts not stored yet

    with django_assert_max_num_queries(20) as one:
        report_apply(reports=[reports[0], early[0]])
    with django_assert_max_num_queries(len(one)):
        report_apply(reports=reports[1:] + early[1:])

    assert Message.objects.filter(status=Status.DELIVRD).count() == 30
    assert EarlyReport.objects.count() == 10
