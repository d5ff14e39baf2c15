"""The scheduled messages page: single and batch messages waiting, each cancellable (asked first) with its refund."""

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from messaging.models import Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def schedule(user, numbers, hours=3):
    return message_send(
        actor=user,
        recipients=[Recipient(n) for n in numbers],
        text="x" * 200,
        scheduled_at=timezone.now() + timedelta(hours=hours),
        source="test",
    )


def test_single_and_batch_messages_waiting_are_listed(page, owner):
    schedule(owner, ["+37255555501"])
    schedule(owner, ["+37255555502", "+37255555503"], hours=5)
    message_send(actor=owner, recipients=[Recipient("+37255555504")], text="now", source="test")
    html = page.get("/scheduled/").content.decode()
    assert [n for n in ("+37255555501", "+37255555502", "+37255555503", "+37255555504") if n in html] == [
        "+37255555501",
        "+37255555502",
        "+37255555503",
    ]
    assert "Cancel (refund 2.00)" in html


def test_cancel_asks_first_then_refunds_and_shows_the_refund(page, owner):
    message = schedule(owner, ["+37255555501"]).messages[0]
    ask = page.get(f"/scheduled/{message.uuid}/cancel/")
    assert "Cancel it and refund 2.00 credits" in ask.content.decode()
    assert Message.objects.get().status == Status.QUEUE  # asking changed nothing
    done = page.post(f"/scheduled/{message.uuid}/cancel/", follow=True)
    html = done.content.decode()
    assert "cancelled. 2.00 credits refunded." in html and "Recently cancelled" in html
    owner.refresh_from_db()
    assert owner.balance == Decimal(100)
    assert Message.objects.get().status == Status.DELETED


def test_a_message_no_longer_waiting_is_not_cancelled(page, owner):
    message = message_send(actor=owner, recipients=[Recipient("+37255555501")], text="x", source="test").messages[0]
    Message.objects.filter(pk=message.pk).update(status=Status.SENT)
    assert page.get(f"/scheduled/{message.uuid}/cancel/").url == "/scheduled/"
    page.post(f"/scheduled/{message.uuid}/cancel/")
    assert Message.objects.filter(status=Status.SENT, is_deleted=False).count() == 1


def test_another_teams_scheduled_message_is_404(page):
    stranger = UserFactory(credits=10)
    theirs = schedule(stranger, ["+37255555501"]).messages[0]
    assert page.get("/scheduled/").content.decode().count("+37255555501") == 0
    assert page.get(f"/scheduled/{theirs.uuid}/cancel/").status_code == 404
    assert page.post(f"/scheduled/{theirs.uuid}/cancel/").status_code == 404
    assert Message.objects.get().status == Status.QUEUE


@pytest.mark.parametrize("url", ["/send/", "/groups/send/"])
def test_send_times_are_typed_and_shown_in_the_teams_time_zone(page, owner, url):
    owner.team.time_zone = "Europe/Tallinn"  # UTC+2 in winter
    owner.team.save()
    day = date(timezone.now().year + 1, 1, 15)
    data = {"numbers": "+37255555501", "text": "Hi", "conversion": "0", "scheduled_at": f"{day}T10:00"}
    page.post_committed(url, data)
    message = Message.objects.get()
    assert message.scheduled_at.astimezone(UTC).strftime("%H:%M") == "08:00"
    assert f"{day} 10:00" in page.get("/scheduled/").content.decode()
    assert f"{day} 10:00" in page.get(f"/messages/{message.uuid}/").content.decode()
