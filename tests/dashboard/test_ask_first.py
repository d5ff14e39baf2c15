"""Destructive actions ask first, without JavaScript: the first POST shows the question, only the yes acts."""

import pytest

from accounts.models import ApiKey
from accounts.services import api_key_create
from contacts import services as contacts
from contacts.models import Contact
from messaging.models import Message, Status
from messaging.services import Recipient, message_send

pytestmark = pytest.mark.django_db


def yes_form(html: str) -> dict:
    """The hidden fields of the question page's form, as the browser would post them."""
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_cancelling_a_batch_asks_first(page, owner):
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(hours=2)
    result = message_send(
        actor=owner,
        recipients=[Recipient("+37255555501"), Recipient("+37255555502")],
        text="x",
        scheduled_at=later,
        source="test",
    )
    ask = page.post(f"/batches/{result.batch.pk}/")
    html = ask.content.decode()
    assert ask.status_code == 200 and "Cancel the 2 message(s) of batch" in html and "credits come back" in html
    assert set(Message.objects.values_list("status", flat=True)) == {Status.QUEUE}
    page.post(f"/batches/{result.batch.pk}/", yes_form(html))
    assert set(Message.objects.values_list("status", flat=True)) == {Status.DELETED}


@pytest.mark.parametrize("action", ["revoke", "regenerate"])
def test_revoking_or_regenerating_a_key_asks_first(page, owner, action):
    key = api_key_create(user=owner, name="prod").key
    ask = page.post("/keys/", {"action": action, "key_id": key.pk})
    html = ask.content.decode()
    assert "stops being able to send" in html and f"{action.title()} {key.prefix}" in html
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.count() == 1
    page.post("/keys/", yes_form(html))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_bulk_deleting_contacts_asks_first(page, owner):
    ids = [contacts.contact_create(team=owner.team, number=f"+3725555550{i}").pk for i in range(3)]
    ask = page.post("/contacts/", {"ids": ids[:2], "action": "delete"})
    html = ask.content.decode()
    assert "Delete 2 contact(s)?" in html and Contact.objects.count() == 3
    page.post("/contacts/", yes_form(html) | {"ids": ids[:2]})
    assert Contact.objects.count() == 1
