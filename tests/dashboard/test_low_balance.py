"""A low balance shows on every page, and the team's owners and admins get one email per crossing."""

from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import Role
from accounts.services import credit_top_up
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    user = UserFactory(credits=12, email="owner@a.test")
    user.team.low_balance_threshold = Decimal(10)
    user.team.save()
    return user


def send(user, n=1):
    return message_send(
        actor=user, recipients=[Recipient(f"+3725555550{i}") for i in range(n)], text="Hi", source="test"
    )


@pytest.mark.parametrize("url", ["/", "/send/", "/messages/", "/contacts/", "/keys/", "/scheduled/"])
def test_the_banner_is_on_every_page_under_the_threshold(client, owner, url):
    client.force_login(owner)
    assert b'data-testid="low-balance"' not in client.get(url).content
    send(owner, 3)  # 12 -> 9
    html = client.get(url).content.decode()
    assert 'data-testid="low-balance"' in html and "threshold of 10.00 credits: 9.00 left" in html


def test_admins_get_one_email_per_crossing(owner, django_capture_on_commit_callbacks):
    admin = UserFactory(team=owner.team, role=Role.ADMIN, email="admin@a.test")
    UserFactory(team=owner.team, role=Role.MEMBER, email="member@a.test")
    with django_capture_on_commit_callbacks(execute=True):
        send(owner, 2)  # 12 -> 10: not below
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        send(owner, 1)  # 10 -> 9: crossed
        send(owner, 1)  # 9 -> 8: still below, no second mail
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, admin.email])
    assert mail.outbox[0].subject.startswith("Low balance: owner@a.test")
    credit_top_up(user=owner, amount=Decimal(5), actor=None, memo="top-up")  # 8 -> 13
    owner.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        send(owner, 4)  # 13 -> 9: a new crossing
    assert len(mail.outbox) == 2
