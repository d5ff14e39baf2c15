"""The admin in words support staff use: no internal seed names, contact groups vs staff permission
groups, the message list with the text and a short id."""

import pytest

from accounts.models import User
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None))
    return client


def test_the_index_names_both_kinds_of_group_apart(staff):
    page = staff.get("/admin/").content.decode()
    assert "Contact groups" in page and "Staff permission groups" in page
    assert ">Groups<" not in page


def test_message_pages_use_plain_words(staff):
    owner = UserFactory(credits=10, email="o@admin.test")
    sent = message_send(
        actor=owner, recipients=[Recipient(number="+37255550001")], text="Your parcel is ready", source="dashboard"
    ).messages[0]
    listing = staff.get("/admin/messaging/message/").content.decode()
    assert "Your parcel is ready" in listing and str(sent.uuid)[:8] in listing
    assert str(sent.uuid)[:8] in staff.get("/admin/messaging/message/", {"q": str(sent.uuid)[:8]}).content.decode()
    detail = staff.get(f"/admin/messaging/message/{sent.pk}/change/").content.decode()
    assert "Seed" not in detail and "dlruri" not in detail and "dialect" not in detail
    assert "Status history" in detail or "status history" in detail.lower()
    assert "SMS parts" in detail
