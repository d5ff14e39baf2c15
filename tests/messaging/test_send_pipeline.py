"""The send pipeline end to end (huey runs inline, the simulator answers at once): accept, charge,
dispatch, receipts, refunds, scheduling, batches, replies."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import CreditEntry, EntryKind
from accounts.selectors import credit_drift_list
from core.errors import InsufficientCredits, ValidationFailed
from messaging.gateways.base import DeliveryReport, InboundSms
from messaging.models import (
    Batch,
    BlacklistEntry,
    Callback,
    DailyCount,
    Direction,
    EarlyReport,
    Message,
    MessagePart,
    PriceRule,
    Status,
)
from messaging.services import Recipient, batch_cancel, message_delete, message_send
from messaging.services.reports import EngineSink, report_apply
from messaging.tasks import dispatch_periodic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    """Run what the code queues on commit (dispatch, callbacks) when each send returns."""
    global committing
    committing = django_capture_on_commit_callbacks
    yield


def send(user, numbers, text="Hello there", **kwargs):
    with committing(execute=True):
        return message_send(actor=user, recipients=[Recipient(n) for n in numbers], text=text, source="test", **kwargs)


def test_single_message_goes_from_queue_to_delivered_and_is_charged_once(user):
    result = send(user, ["+37255555555"], sender="Acme")
    message = Message.objects.get()
    assert result.messages[0].pk == message.pk and result.batch is None and result.rejected == []
    assert message.status == Status.DELIVRD
    assert [e.status for e in message.events.all()] == [Status.SENT, Status.DELIVRD]
    assert message.sender == "Acme" and message.price == Decimal(1)
    charge = CreditEntry.objects.get(kind=EntryKind.CHARGE)
    assert charge.amount == Decimal(-1) and charge.message_id == message.pk
    user.refresh_from_db()
    assert user.balance == Decimal(99)
    assert credit_drift_list() == []


@pytest.mark.parametrize("count", [1, 3])  # one INSERT, or the bulk path (COPY on PostgreSQL)
def test_stored_rows_read_back_as_sent(user, count):
    numbers = [f"+3725555555{i}" for i in range(count)]
    callbacks = ["https://example.com/cb?a=1"]
    result = send(user, numbers, text="Tab\tand\nnewline \\ Привет", callbacks=callbacks, campaign="Autumn")
    stored = Message.objects.filter(pk__in=[m.pk for m in result.messages]).order_by("pk")
    assert [(m.uuid, m.recipient) for m in stored] == [(m.uuid, m.recipient) for m in result.messages]
    for message in stored:
        assert message.text == "Tab\tand\nnewline \\ Привет" and message.callbacks == callbacks
        assert message.campaign == "Autumn" and message.price == Decimal(1) and message.created_at is not None


def test_price_is_per_segment_and_per_destination_country(user):
    PriceRule.objects.create(country="KE", credits_per_segment=Decimal("0.5"))
    PriceRule.objects.create(country="", credits_per_segment=Decimal("2"))
    result = send(user, ["+254712345678", "+37255555555"], text="x" * 161)
    assert [m.segments for m in result.messages] == [2, 2]
    assert [m.price for m in result.messages] == [Decimal(1), Decimal(4)]
    assert result.cost == Decimal(5) and result.batch.cost == Decimal(5)
    assert MessagePart.objects.filter(message=result.messages[0]).count() == 2
    user.refresh_from_db()
    assert user.balance == Decimal(95)


def test_national_numbers_use_the_team_country(user):
    user.team.default_country = "KE"
    user.team.save()
    result = send(user, ["0712345678"])
    assert result.messages[0].recipient == "+254712345678"


def test_bad_numbers_and_overlong_texts_are_rejected_and_change_nothing(user):
    result = send(user, ["12", "not a number"])
    assert [(r.index, r.status) for r in result.rejected] == [(0, Status.INVALID_ROUTING), (1, Status.INVALID_ROUTING)]
    too_long = send(user, ["+37255555555"], text="a" * 1601)
    assert too_long.rejected[0].status == Status.SEGMENTS_EXCEEDED
    assert not Message.objects.exists()
    assert CreditEntry.objects.count() == 1


def test_mixed_batch_stores_the_good_and_reports_the_bad(user):
    result = send(user, ["+37255555555", "123", "+37255555556"])
    assert [m.recipient for m in result.messages] == ["+37255555555", "+37255555556"]
    assert [r.index for r in result.rejected] == [1]
    assert result.batch.total == 2


def test_blacklisted_numbers_are_kept_but_not_sent_or_charged(user):
    BlacklistEntry.objects.create(team=user.team, number="+37255555555")
    result = send(user, ["+37255555555", "+37255555556"])
    statuses = {m.recipient: Message.objects.get(pk=m.pk).status for m in result.messages}
    assert statuses == {"+37255555555": Status.BLACKLISTED, "+37255555556": Status.DELIVRD}
    assert result.cost == Decimal(1)


def test_blacklist_rule_can_be_switched_off(user):
    user.team.skip_blacklisted = False
    user.team.save()
    BlacklistEntry.objects.create(team=user.team, number="+37255555555")
    send(user, ["+37255555555"])
    assert Message.objects.get().status == Status.DELIVRD


def test_insufficient_credits_refuse_the_whole_request(user):
    with pytest.raises(InsufficientCredits):
        send(user, [f"+3725555{i:04d}" for i in range(101)])
    assert not Message.objects.exists() and not Batch.objects.exists()
    user.refresh_from_db()
    assert user.balance == Decimal(100)


def test_undelivered_report_keeps_the_charge(user):
    send(user, ["+37255550666"])  # the simulator fails numbers ending in 666
    message = Message.objects.get()
    assert message.status == Status.UNDELIV
    user.refresh_from_db()
    assert user.balance == Decimal(99)


def test_network_refusal_is_refunded(user, settings, monkeypatch):
    from messaging.gateways.base import SubmitResult
    from messaging.gateways.simulator import SimulatorGateway

    monkeypatch.setattr(
        SimulatorGateway,
        "submit",
        lambda self, ms: [SubmitResult(m.message_id, False, error="ESME_RINVDSTADR") for m in ms],
    )
    send(user, ["+37255555555", "+37255555556"])
    assert set(Message.objects.values_list("status", flat=True)) == {Status.REJECTD}
    assert Message.objects.first().error == "ESME_RINVDSTADR"
    refund = CreditEntry.objects.get(kind=EntryKind.REFUND)
    assert refund.amount == Decimal(2) and refund.batch_id == Batch.objects.get().pk
    user.refresh_from_db()
    assert user.balance == Decimal(100)
    assert credit_drift_list() == []


def test_temporary_refusal_is_retried_later(user, monkeypatch):
    from messaging.gateways.base import SubmitResult
    from messaging.gateways.simulator import SimulatorGateway

    real_submit = SimulatorGateway.submit
    monkeypatch.setattr(
        SimulatorGateway,
        "submit",
        lambda self, ms: [SubmitResult(m.message_id, False, error="throttled", permanent=False) for m in ms],
    )
    send(user, ["+37255555555"])
    message = Message.objects.get()
    assert message.status == Status.QUEUE and message.scheduled_at > timezone.now() and message.attempts == 1
    monkeypatch.setattr(SimulatorGateway, "submit", real_submit)
    Message.objects.update(scheduled_at=timezone.now() - timedelta(seconds=1))
    with committing(execute=True):
        dispatch_periodic.call_local()
    message.refresh_from_db()
    assert message.status == Status.DELIVRD and message.attempts == 2


def test_late_and_duplicate_reports_never_move_a_message_backwards(user):
    send(user, ["+37255555555"])
    message = Message.objects.get()
    part = message.parts.get()
    now = timezone.now()
    report_apply(
        reports=[DeliveryReport(part.network_id, "ENROUTE", now), DeliveryReport(part.network_id, "DELIVRD", now)]
    )
    message.refresh_from_db()
    assert message.status == Status.DELIVRD
    assert message.events.filter(status=Status.DELIVRD).count() == 1


def test_multipart_status_combines_the_parts(user, settings):
    settings.SMS_SIMULATOR = {"reports": False}
    send(user, ["+37255555555"], text="y" * 400)
    message = Message.objects.get()
    parts = list(message.parts.all())
    assert len(parts) == 3 and message.status == Status.SENT
    now = timezone.now()
    report_apply(
        reports=[
            DeliveryReport(parts[0].network_id, "DELIVRD", now),
            DeliveryReport(parts[1].network_id, "ENROUTE", now),
        ]
    )
    message.refresh_from_db()
    assert message.status == Status.SENT  # the third part has said nothing yet
    report_apply(reports=[DeliveryReport(parts[2].network_id, "ENROUTE", now)])
    message.refresh_from_db()
    assert message.status == Status.ENROUTE
    report_apply(
        reports=[
            DeliveryReport(parts[1].network_id, "UNDELIV", now),
            DeliveryReport(parts[2].network_id, "DELIVRD", now),
        ]
    )
    message.refresh_from_db()
    assert message.status == Status.UNDELIV


def test_reports_arriving_before_the_parts_are_kept_and_applied(user):
    report_apply(reports=[DeliveryReport("early-1", "DELIVRD", timezone.now())])
    assert EarlyReport.objects.count() == 1
    # The simulator itself reports before the dispatcher stores parts: the message still ends DELIVRD.
    send(user, ["+37255555555"])
    assert Message.objects.get().status == Status.DELIVRD


def test_scheduled_message_waits_then_goes_through_the_periodic_task(user, time_machine):
    later = timezone.now() + timedelta(hours=2)
    send(user, ["+37255555555"], scheduled_at=later)
    message = Message.objects.get()
    assert message.status == Status.QUEUE and message.scheduled_at == later
    with committing(execute=True):
        dispatch_periodic.call_local()
    message.refresh_from_db()
    assert message.status == Status.QUEUE
    time_machine.move_to(later + timedelta(seconds=1))
    with committing(execute=True):
        dispatch_periodic.call_local()
    message.refresh_from_db()
    assert message.status == Status.DELIVRD


def test_throttled_batch_spreads_messages_over_time(user):
    result = send(user, [f"+3725555555{i}" for i in range(3)], messages_per_minute=60)
    times = [Message.objects.get(pk=m.pk).scheduled_at for m in result.messages]
    assert times[0] is None or times[0] <= timezone.now()
    assert (times[2] - times[1]) == timedelta(seconds=1)
    assert result.batch.messages_per_minute == 60


def test_cancel_scheduled_batch_refunds_and_deletes(user):
    result = send(user, ["+37255555555", "+37255555556"], scheduled_at=timezone.now() + timedelta(days=1))
    assert batch_cancel(batch=result.batch, actor=user) == 2
    assert set(Message.objects.values_list("status", flat=True)) == {Status.DELETED}
    user.refresh_from_db()
    assert user.balance == Decimal(100)
    with pytest.raises(ValidationFailed):
        batch_cancel(batch=Batch.objects.get(), actor=user)
    assert credit_drift_list() == []


def test_deleting_a_delivered_message_hides_it_and_keeps_status_and_charge(user):
    send(user, ["+37255555555"])
    message = message_delete(message=Message.objects.get(), actor=user)
    assert message.is_deleted and message.status == Status.DELIVRD
    user.refresh_from_db()
    assert user.balance == Decimal(99)


def test_reply_is_stored_linked_and_stop_blacklists(user):
    user.team.reply_url = "https://example.com/replies"
    user.team.save()
    send(user, ["+37255555555"], sender="+37250000000")
    original = Message.objects.get()
    with committing(execute=True):
        EngineSink().inbound(
            [InboundSms(sender="+37255555555", to="+37250000000", text="stop please", at=timezone.now())]
        )
    reply = Message.objects.get(direction=Direction.IN)
    assert reply.reply_to == original and reply.text == "stop please" and reply.team == user.team
    assert BlacklistEntry.objects.get(team=user.team).number == "+37255555555"
    callback = Callback.objects.get(kind="reply_forward")
    assert "repliedToMessageId=" + str(original.uuid) in callback.body and "from=%2B37255555555" in callback.body


def test_daily_counts_follow_status_changes(user):
    send(user, ["+37255555555", "+37255550666"])
    from messaging.services.stats import daily_counts_squash, statistics

    today = timezone.localdate()
    before = statistics(team=user.team, start=today, end=today)
    daily_counts_squash()
    after = statistics(team=user.team, start=today, end=today)
    assert {(s["status"], s["count"], s["credits"]) for s in before} == {
        (Status.DELIVRD, 1, Decimal(1)),
        (Status.UNDELIV, 1, Decimal(1)),
    }
    assert before == after
    assert DailyCount.objects.count() <= 4


def _rebuilt(rows):
    return {row["pk"]: row["text"].replace("******", "K7Q2ZP") for row in rows}


def test_a_masked_text_goes_to_the_gateway_but_never_to_the_database(user, recording_gateway, monkeypatch):
    monkeypatch.setattr("messaging.secrets._sources", [_rebuilt])
    recipient = Recipient("+37255555555", text="Your code is ******", masked=True)
    message_send(actor=user, recipients=[recipient], source="test")
    dispatch_periodic.call_local()
    assert [("".join(m.parts), m.to) for m in recording_gateway] == [("Your code is K7Q2ZP", "+37255555555")]
    message = Message.objects.get()
    assert message.status == Status.DELIVRD and message.text == "Your code is ******" and message.has_secret
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM messaging_message WHERE text LIKE %s", ["%K7Q2ZP%"])
        assert cursor.fetchone()[0] == 0


def test_a_masked_message_claimed_by_a_crashed_worker_is_sent_again_with_its_real_text(
    user, recording_gateway, monkeypatch, time_machine
):
    from messaging.services.dispatch import claim_due, requeue_stale_claims

    monkeypatch.setattr("messaging.secrets._sources", [_rebuilt])
    recipient = Recipient("+37255555555", text="Your code is ******", masked=True)
    message_send(actor=user, recipients=[recipient], source="test")
    assert len(claim_due(limit=10)) == 1  # claimed, then the worker dies before submitting
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    assert requeue_stale_claims() == 1
    dispatch_periodic.call_local()
    assert ["".join(m.parts) for m in recording_gateway] == ["Your code is K7Q2ZP"]
    assert Message.objects.get().status == Status.DELIVRD


def test_the_garbage_collector_runs_again_after_a_send_even_a_refused_one(user):
    import gc

    from core.collector import collection_paused

    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # nested: the inner one leaves it paused
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValidationFailed):
        message_send(actor=user, recipients=[], text="Hi", source="test")
    assert gc.isenabled()
