"""Dashboard messaging pages: send with quote and confirmation, history, export, detail, batches, statistics."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from messaging.models import Batch, Message, Status
from messaging.pricing import quote
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(credits=1000, email="owner@a.test")


def test_send_one_message_and_see_it_delivered(page, owner):
    response = page.post_committed(
        "/send/", {"numbers": "+37255555555", "text": "Hello from the dashboard", "conversion": "0"}
    )
    message = Message.objects.get()
    assert response.status_code == 302 and response.url == f"/messages/{message.uuid}/"
    detail = page.get(response.url).content.decode()
    assert "Hello from the dashboard" in detail and ">Delivered</span>" in detail
    owner.refresh_from_db()
    assert owner.balance == Decimal(999)


def test_send_errors_are_shown_beside_the_fields(page):
    response = page.post_committed("/send/", {"numbers": "12", "text": "Hi", "conversion": "0"})
    assert b"12: Invalid number" in response.content
    response = page.post_committed(
        "/send/", {"numbers": "+37255555555", "text": "Hi", "sender": "A-very-long-sender", "conversion": "0"}
    )
    assert b"at most 11 characters" in response.content
    assert not Message.objects.exists()


def test_large_sends_ask_for_confirmation_with_the_cost(page):
    numbers = ",".join(f"+3725555{i:04d}" for i in range(150))
    first = page.post_committed("/send/", {"numbers": numbers, "text": "x" * 200, "conversion": "0"})
    assert b'data-testid="confirm"' in first.content and b"300.00 credits" in first.content
    assert not Message.objects.exists()
    assert b"Send 150 messages for 300.00 credits" in first.content
    second = page.post_committed(
        "/send/",
        {"numbers": numbers, "text": "x" * 200, "conversion": "0", "confirmed": "on", "quoted_cost": "300"},
    )
    assert second.status_code == 302 and Message.objects.count() == 150
    assert second.url == f"/batches/{Batch.objects.get().pk}/"


def test_quote_endpoint_matches_the_server_quote(page, owner):
    text = "Price: 5€ 😀"
    data = page.get("/send/quote/", {"text": text, "to": "+37255555555"}).json()
    server = quote(team=owner.team, text=text, recipient="+37255555555")
    assert data["segments"] == server.analysis.segments and data["encoding"] == "UCS2"
    assert data["unicode_chars"] == ["😀"] and Decimal(data["credits"]) == server.credits


def test_the_history_export_writes_times_in_the_teams_time_zone(page, owner):
    owner.team.time_zone = "Pacific/Kiritimati"  # UTC+14
    owner.team.save()
    with time_machine.travel(datetime(2026, 3, 1, 12, 30, tzinfo=UTC), tick=False):
        message_send(actor=owner, recipients=[Recipient("+37255555555")], text="Hi", source="test")

    export = b"".join(page.get("/messages/export.csv").streaming_content).decode()

    header, row = csv.reader(io.StringIO(export[1:]))
    assert row[header.index("created")] == "2026-03-02T02:30:00+14:00"


def test_history_filters_export_and_isolation(page, owner):
    message_send(
        actor=owner, recipients=[Recipient("+37255555555")], text="=HYPERLINK(evil)", campaign="c1", source="test"
    )
    message_send(actor=owner, recipients=[Recipient("+37255555556")], text="plain", source="test")
    stranger = UserFactory(credits=5)
    theirs = message_send(
        actor=stranger, recipients=[Recipient("+37255555557")], text="secret", source="test"
    ).messages[0]
    listing = page.get("/messages/", {"campaign": "c1"}).content.decode()
    assert "+37255555555" in listing and "+37255555556" not in listing and "secret" not in listing
    export = b"".join(page.get("/messages/export.csv").streaming_content).decode()
    assert "'=HYPERLINK(evil)" in export and "secret" not in export
    assert page.get(f"/messages/{theirs.uuid}/").status_code == 404
    assert page.post(f"/messages/{theirs.uuid}/", {"read": "1"}).status_code == 404


def test_batch_progress_and_cancel(page, owner):
    later = timezone.now() + timedelta(days=1)
    result = message_send(
        actor=owner,
        recipients=[Recipient("+37255555555"), Recipient("+37255555556")],
        text="Later",
        scheduled_at=later,
        source="test",
    )
    progress = page.get(f"/batches/{result.batch.pk}/", {"format": "json"}).json()
    assert (progress["total"], progress["queued"], progress["percent"]) == (2, 2, 0)
    assert b"#" + str(result.batch.pk).encode() in page.get("/batches/").content
    page.post(f"/batches/{result.batch.pk}/", {"confirmed": "yes"})
    assert set(Message.objects.values_list("status", flat=True)) == {Status.DELETED}
    owner.refresh_from_db()
    assert owner.balance == Decimal(1000)
    other = UserFactory()
    page.force_login(other)
    assert page.get(f"/batches/{result.batch.pk}/").status_code == 404
    assert page.post(f"/batches/{result.batch.pk}/").status_code == 404
    assert Batch.objects.get().cancelled_at is not None


def test_statistics_and_overview_show_the_numbers(page, owner):
    message_send(
        actor=owner, recipients=[Recipient("+37255555555"), Recipient("+37255550666")], text="Hi", source="test"
    )
    from messaging.tasks import dispatch

    dispatch.call_local()
    stats = page.get("/statistics/").content.decode()
    assert '<th class="num">Delivered</th>' in stats and '<th class="num">Failed</th>' in stats
    overview = page.get("/").content.decode()
    assert 'data-testid="today">2<' in overview and "50%" in overview
    assert page.get("/statistics/", {"by": "credits", "start": "bad"}).status_code == 200
