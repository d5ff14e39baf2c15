"""History filters: status groups, date pickers, bad values reported (not ignored), empty states that guide."""

import pytest

from messaging.models import Message, Status
from messaging.services import Recipient, message_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(owner):
    result = message_send(
        actor=owner,
        recipients=[Recipient(f"+3725555550{i}") for i in range(1, 5)],
        text="Hi",
        source="test",
    )
    statuses = [Status.DELIVRD, Status.UNDELIV, Status.EXPIRED, Status.SENT]
    for message, status in zip(result.messages, statuses, strict=True):
        Message.objects.filter(pk=message.pk).update(status=status)
    return {status: m.recipient for m, status in zip(result.messages, statuses, strict=True)}


@pytest.mark.parametrize(
    ("group", "expected"),
    [("delivered", {Status.DELIVRD}), ("failed", {Status.UNDELIV, Status.EXPIRED}), ("pending", {Status.SENT})],
)
def test_statuses_are_filtered_in_groups(page, history, group, expected):
    html = page.get("/messages/", {"status_group": group}).content.decode()
    assert {s for s, number in history.items() if number in html} == expected


def test_dates_are_date_pickers(page):
    html = page.get("/messages/").content.decode()
    assert 'type="date" name="created_after"' in html and 'type="date" name="created_before"' in html


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"created_after": "31-12-2026"}, "From: Enter a valid date."),
        ({"status_group": "exploded"}, "Status: Select a valid choice."),
        ({"created_after": "2026-05-02", "created_before": "2026-05-01"}, "From is after To"),
    ],
)
def test_bad_filter_values_are_reported_not_ignored(page, history, query, problem):
    response = page.get("/messages/", query)
    html = response.content.decode()
    assert response.status_code == 200 and problem in html and 'data-testid="filter-problems"' in html
    assert not any(number in html for number in history.values())  # no unfiltered list passing for filtered


def test_empty_history_says_what_to_do_next(page):
    assert "Send your first message" in page.get("/messages/").content.decode()
    assert "No messages match this filter" in page.get("/messages/", {"status_group": "failed"}).content.decode()
