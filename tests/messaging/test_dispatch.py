"""The dispatcher: claims, what the gateway answers, refusals refunded once, temporary ones retried."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import CreditEntry, EntryKind
from messaging.gateways.base import DeliveryReport, SubmitResult
from messaging.models import Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import MAX_ATTEMPTS, claim_due, record_results, submit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Refusing:
    """A gateway that refuses everything (`permanent` or not) and keeps what it was handed."""

    name = "refusing"

    def __init__(self, *, permanent: bool) -> None:
        self.permanent = permanent
        self.handed = []

    def submit(self, messages):
        self.handed += messages
        return [SubmitResult(m.message_id, False, error="no route", permanent=self.permanent) for m in messages]

    def recorded(self):
        pass


class Accepting(Refusing):
    def submit(self, messages):
        self.handed += messages
        return [
            SubmitResult(m.message_id, True, tuple(f"n-{m.message_id}-{i}" for i in range(len(m.parts))))
            for m in messages
        ]


class AcceptingWithReceipts(Accepting):
    """Hands each message's receipt over with its result, as an SMPP gateway does when it came
    during the submit, and hears whether they were stored."""

    def __init__(self) -> None:
        super().__init__(permanent=True)
        self.answered: list[tuple[list[str], bool]] = []

    def submit(self, messages):
        now = timezone.now()
        return [
            SubmitResult(r.message_id, True, r.part_ids, reports=(DeliveryReport(r.part_ids[0], "DELIVRD", now),))
            for r in super().submit(messages)
        ]

    def receipts_stored(self, reports, *, stored=True):
        self.answered.append(([r.part_id for r in reports], stored))


@pytest.fixture
def user():
    return UserFactory(credits=10)


def send(user, count=1, text="Hello"):
    numbers = [f"+3725555555{i}" for i in range(count)]
    return message_send(actor=user, recipients=[Recipient(n) for n in numbers], text=text, source="test").messages


def balance(user):
    user.refresh_from_db(fields=["balance"])
    return user.balance


def test_a_message_is_claimed_once(user):
    [message] = send(user)
    [row] = claim_due(limit=10)
    assert row["pk"] == message.pk and row["attempts"] == 1
    assert claim_due(limit=10) == []
    assert Message.objects.get(pk=message.pk).status == Status.DEQUEUED


def test_the_gateway_gets_the_parts_and_encoding_of_the_text(user):
    send(user, text="Привет " * 20)  # UCS2, 140 characters: 3 parts of at most 67
    gateway = Accepting(permanent=True)
    submit(gateway=gateway, claimed=claim_due(limit=10))
    [outbound] = gateway.handed
    assert outbound.encoding == "UCS2" and len(outbound.parts) == 3 and "".join(outbound.parts) == "Привет " * 20
    assert Message.objects.get().status == Status.SENT and Message.objects.get().parts.count() == 3


def test_a_refusal_for_good_fails_the_message_and_refunds_it_once(user):
    messages = send(user, count=2)
    assert balance(user) == 8
    claimed = claim_due(limit=10)
    submit(gateway=Refusing(permanent=True), claimed=claimed)
    assert {m.status for m in Message.objects.all()} == {Status.REJECTD}
    assert Message.objects.filter(error="no route", is_refunded=True).count() == 2
    assert balance(user) == 10
    # The same answer recorded again (a worker retried its write) refunds nothing more.
    refused = [SubmitResult(m.pk, False, error="no route") for m in messages]
    record_results(claimed=claimed, results=refused, now=timezone.now())
    assert balance(user) == 10
    assert CreditEntry.objects.filter(kind=EntryKind.REFUND).get().amount == Decimal(2)


def test_a_temporary_refusal_is_retried_later_and_fails_after_the_last_attempt(user):
    [message] = send(user)
    gateway = Refusing(permanent=False)
    submit(gateway=gateway, claimed=claim_due(limit=10))
    message.refresh_from_db()
    assert message.status == Status.QUEUE and message.scheduled_at > timezone.now()
    assert balance(user) == 9 and claim_due(limit=10) == []  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        claimed = claim_due(limit=10, now=timezone.now() + timedelta(days=attempt))
        assert [row["attempts"] for row in claimed] == [attempt]
        submit(gateway=gateway, claimed=claimed)
    message.refresh_from_db()
    assert message.status == Status.ERROR and message.is_refunded
    assert balance(user) == 10


def test_a_masked_text_reaches_the_gateway_rebuilt_and_is_retried_like_any_message(user, monkeypatch):
    # The source of masked texts (otp's, in production) rebuilds the text at each hand-off.
    monkeypatch.setattr(
        "messaging.secrets._sources", [lambda rows: {r["pk"]: r["text"].replace("****", "1234") for r in rows}]
    )
    gateway = Refusing(permanent=False)
    result = message_send(
        actor=user, recipients=[Recipient("+37255555555", text="Код ****", masked=True)], source="test"
    )
    submit(gateway=gateway, claimed=claim_due(limit=10))
    assert [(o.parts, o.encoding) for o in gateway.handed] == [(("Код 1234",), "UCS2")]
    message = Message.objects.get(pk=result.messages[0].pk)
    assert message.text == "Код ****" and message.status == Status.QUEUE  # waiting for its retry
    assert balance(user) == 9


def test_a_masked_text_nobody_can_rebuild_fails_and_is_refunded_instead_of_sending_the_mask(user, monkeypatch):
    monkeypatch.setattr("messaging.secrets._sources", [])
    gateway = Refusing(permanent=False)
    message_send(actor=user, recipients=[Recipient("+37255555555", text="Code ****", masked=True)], source="test")
    submit(gateway=gateway, claimed=claim_due(limit=10))
    assert gateway.handed == []
    message = Message.objects.get()
    assert message.status == Status.REJECTD and message.is_refunded and balance(user) == 10


def test_receipts_handed_over_with_the_results_are_stored_with_the_submit_then_acknowledged(user):
    messages = send(user, count=2)
    gateway = AcceptingWithReceipts()
    submit(gateway=gateway, claimed=claim_due(limit=10))
    for message in Message.objects.filter(pk__in=[m.pk for m in messages]):
        assert message.status == Status.DELIVRD
        assert [e.status for e in message.events.order_by("id")] == [Status.SENT, Status.DELIVRD]  # in one write
    assert gateway.answered == [([f"n-{m.pk}-0" for m in messages], True)]


def test_receipts_handed_over_with_results_that_could_not_be_stored_are_refused_for_now(user, monkeypatch):
    [message] = send(user)
    gateway = AcceptingWithReceipts()

    def failing(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("messaging.services.dispatch.record_results", failing)
    with pytest.raises(RuntimeError):
        submit(gateway=gateway, claimed=claim_due(limit=10))
    assert gateway.answered == [([f"n-{message.pk}-0"], False)]  # the network offers them again
