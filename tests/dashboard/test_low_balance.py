"""A low balance shows on every page, and the team's owners and admins get one email per crossing."""

from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import Role, User
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


@pytest.fixture
def admins(owner):
    UserFactory(team=owner.team, role=Role.ADMIN, email="admin@a.test")
    return sorted([owner.email, "admin@a.test"])


def test_a_transfer_out_that_crosses_mails_the_admins_once(client, owner, admins, django_capture_on_commit_callbacks):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@a.test")
    client.force_login(owner)

    def transfer(amount):
        data = {"transfer": "1", "from_email": owner.email, "to_email": member.email, "amount": amount}
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/team/", data).status_code == 302

    transfer("2")  # 12 -> 10: not below
    assert mail.outbox == []
    transfer("1")  # 10 -> 9: crossed (the member's 3 credits are no crossing of theirs)
    transfer("1")  # 9 -> 8: still below
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == admins
    assert mail.outbox[0].subject == "Low balance: owner@a.test has 9.00 credits"


def test_a_support_adjustment_that_crosses_mails_the_admins_once(
    client, owner, admins, django_capture_on_commit_callbacks
):
    staff = User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None)
    client.force_login(staff)

    def adjust(amount):
        with django_capture_on_commit_callbacks(execute=True):
            url = f"/admin/accounts/user/{owner.pk}/credits/adjust/"
            assert client.post(url, {"amount": amount, "memo": "correction"}).status_code == 302

    adjust("5")  # 12 -> 17: a credit, no notice
    adjust("-7")  # 17 -> 10: not below
    assert mail.outbox == []
    adjust("-3")  # 10 -> 7: crossed
    adjust("-1")  # 7 -> 6: still below
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == admins
    assert "is now 7.00 credits" in mail.outbox[0].body


def test_the_banner_says_what_this_user_can_do(client, owner):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@a.test", credits=1)
    send(owner, 3)  # 12 -> 9
    client.force_login(owner)
    assert "Move credits from another user on" in client.get("/").content.decode()
    client.force_login(member)
    assert "Ask an owner or admin for a transfer" in client.get("/").content.decode()
