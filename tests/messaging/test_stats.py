"""Statistics read the daily counters: what was sent, by status, with its credits; squashing the
counter rows changes no total."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from messaging.models import DailyCount, Status
from messaging.services import Recipient, message_send
from messaging.services.stats import daily_counts_squash, statistics
from messaging.services.status import message_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def by_status(team, **kwargs):
    today = timezone.localdate()
    rows = statistics(team=team, start=today, end=today, by=("status",), **kwargs)
    return {r["status"]: (r["count"], r["credits"]) for r in rows}


def test_statistics_follow_each_message_to_its_status_with_its_credits():
    user = UserFactory(credits=10)
    numbers = ["+37255555550", "+37255555551", "+37255555552"]
    result = message_send(actor=user, recipients=[Recipient(n) for n in numbers], text="Hi", source="test")
    assert by_status(user.team) == {Status.QUEUE: (3, Decimal(3))}
    message_transition(message_ids=[m.pk for m in result.messages[:2]], to=Status.SENT)
    message_transition(message_ids=[result.messages[0].pk], to=Status.DELIVRD)
    assert by_status(user.team) == {
        Status.QUEUE: (1, Decimal(1)),
        Status.SENT: (1, Decimal(1)),
        Status.DELIVRD: (1, Decimal(1)),
    }


def test_statistics_are_per_team_and_per_campaign():
    user, other = UserFactory(credits=10), UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", campaign="Autumn", source="test")
    message_send(actor=user, recipients=[Recipient("+37255555556")], text="Hi", source="test")
    message_send(actor=other, recipients=[Recipient("+37255555557")], text="Hi", source="test")
    assert by_status(user.team) == {Status.QUEUE: (2, Decimal(2))}
    assert by_status(user.team, campaign="Autumn") == {Status.QUEUE: (1, Decimal(1))}


def test_squashing_keeps_every_total_and_leaves_one_row_per_key():
    user = UserFactory(credits=10)
    result = message_send(
        actor=user, recipients=[Recipient(f"+3725555555{i}") for i in range(3)], text="Hi", source="test"
    )
    for message in result.messages:
        message_transition(message_ids=[message.pk], to=Status.SENT)
    before = by_status(user.team)
    with transaction.atomic():
        assert daily_counts_squash() > 0
    assert by_status(user.team) == before == {Status.SENT: (3, Decimal(3))}
    assert DailyCount.objects.filter(status=Status.SENT).count() == 1
    assert not DailyCount.objects.filter(status=Status.QUEUE).exists()  # its deltas added up to nothing
    with transaction.atomic():
        assert daily_counts_squash() == 0
