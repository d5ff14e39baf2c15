"""Delivery insights: delivery rate and failures by country and by error for a chosen period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from messaging.models import Message, Status
from messaging.selectors import delivery_insights
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(owner):
    numbers = ["+37255555501", "+37255555502", "+37255555503", "+46701234567", "+46701234568"]
    result = message_send(actor=owner, recipients=[Recipient(n) for n in numbers], text="Hi", source="test")
    outcomes = [
        (Status.DELIVRD, ""),
        (Status.DELIVRD, ""),
        (Status.UNDELIV, "err:001"),
        (Status.UNDELIV, "err:001"),
        (Status.SENT, ""),
    ]
    for message, (status, error) in zip(result.messages, outcomes, strict=True):
        Message.objects.filter(pk=message.pk).update(status=status, error=error)
    return result


def test_rate_and_failures_by_country_and_error(owner, sent):
    today = timezone.localdate()
    insights = delivery_insights(team=owner.team, actor=owner, start=today, end=today)
    by_code = {c.calling_code: c for c in insights.countries}
    assert (by_code["+372"].country, by_code["+372"].delivered, by_code["+372"].failed, by_code["+372"].rate) == (
        "EE",
        2,
        1,
        67,
    )
    assert (by_code["+46"].country, by_code["+46"].failed, by_code["+46"].pending, by_code["+46"].rate) == (
        "SE",
        1,
        1,
        0,
    )
    assert [(e.status, e.error, e.count) for e in insights.errors] == [(Status.UNDELIV, "err:001", 2)]
    assert insights.rate == 50
    yesterday = today - timedelta(days=1)
    assert delivery_insights(team=owner.team, actor=owner, start=yesterday, end=yesterday).countries == []


def test_the_page_explains_errors_and_reports_bad_dates(client, owner, sent):
    client.force_login(owner)
    html = client.get("/insights/").content.decode()
    assert 'data-testid="rate">50%' in html and "Unknown subscriber: the number is not in service." in html
    assert "EE" in html and "SE" in html
    bad = client.get("/insights/", {"start": "yesterday"}).content.decode()
    assert "From must be a date" in bad and 'data-testid="by-country"' not in bad


def test_another_teams_and_a_members_view(client, owner, sent):
    stranger = UserFactory(credits=5)
    client.force_login(stranger)
    assert 'data-testid="empty"' in client.get("/insights/").content.decode()
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    today = timezone.localdate()
    assert delivery_insights(team=owner.team, actor=member, start=today, end=today).countries == []
