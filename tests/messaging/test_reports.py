"""Delivery reports: one per part, combined into the message's status; a report that comes before
its part is stored (a fast network) is kept and applied once the part is."""

import pytest
from django.utils import timezone

from messaging.gateways.base import DeliveryReport, SubmitResult
from messaging.models import EarlyReport, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import claim_due, record_results
from messaging.services.reports import combined_status, report_apply
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LONG = "x" * 300  # two parts


def sent(text=LONG):
    """A message handed to the network, its parts numbered p0, p1 ..."""
    user = UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient("+37255555555")], text=text, source="test")
    [row] = claim_due(limit=10)
    return row, SubmitResult(row["pk"], True, tuple(f"p{i}" for i in range(2 if text == LONG else 1)))


def report(part, state, error=""):
    return DeliveryReport(part, state, timezone.now(), error)


def status_of(row):
    return Message.objects.get(pk=row["pk"]).status


@pytest.mark.parametrize(
    ("states", "combined"),
    [
        ([Status.DELIVRD, Status.DELIVRD], Status.DELIVRD),
        ([Status.DELIVRD, Status.UNDELIV], Status.UNDELIV),  # one part failed: the message failed
        ([Status.DELIVRD, Status.ENROUTE], Status.ENROUTE),  # as far along as its slowest part
        ([Status.SENT, Status.DELIVRD], Status.SENT),
    ],
)
def test_the_parts_states_combine_into_the_message_status(states, combined):
    assert combined_status(states) == combined


def test_a_multipart_message_is_delivered_when_every_part_is():
    row, result = sent()
    record_results(claimed=[row], results=[result], now=timezone.now())
    assert status_of(row) == Status.SENT
    report_apply(reports=[report("p0", "DELIVRD")])
    assert status_of(row) == Status.SENT
    report_apply(reports=[report("p1", "DELIVRD")])
    assert status_of(row) == Status.DELIVRD
    assert [e.status for e in Message.objects.get(pk=row["pk"]).events.all()] == [Status.SENT, Status.DELIVRD]


def test_a_failed_part_fails_the_message_with_its_error():
    row, result = sent()
    record_results(claimed=[row], results=[result], now=timezone.now())
    report_apply(reports=[report("p0", "DELIVRD"), report("p1", "UNDELIV", error="absent subscriber")])
    message = Message.objects.get(pk=row["pk"])
    assert message.status == Status.UNDELIV and message.error == "absent subscriber" and message.done_at


def test_a_report_before_its_part_is_stored_is_applied_when_it_is():
    row, result = sent(text="Hi")
    report_apply(reports=[report("p0", "DELIVRD")])
    assert EarlyReport.objects.count() == 1 and status_of(row) == Status.DEQUEUED
    record_results(claimed=[row], results=[result], now=timezone.now())
    assert status_of(row) == Status.DELIVRD and not EarlyReport.objects.exists()
    events = {e.status for e in Message.objects.get(pk=row["pk"]).events.all()}
    assert events == {Status.SENT, Status.DELIVRD}  # in the order of their times: the receipt's came first


def test_a_report_of_an_unknown_state_changes_nothing():
    row, result = sent(text="Hi")
    record_results(claimed=[row], results=[result], now=timezone.now())
    report_apply(reports=[report("p0", "NONSENSE")])
    assert status_of(row) == Status.SENT and not EarlyReport.objects.exists()
