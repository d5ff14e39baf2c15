from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.models import CreditEntry, EntryKind, Role, User
from accounts.services import credit_adjust, credit_charge, credit_refund, credit_top_up, credit_transfer
from core.errors import Forbidden, InsufficientCredits, NotFound, ValidationFailed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_ledger_matches(*users: User) -> None:
    for user in users:
        user.refresh_from_db()
        total = CreditEntry.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert total == user.balance, f"{user.email}: ledger {total} != balance {user.balance}"
        last = CreditEntry.objects.filter(user=user).first()
        assert last is None or last.balance_after == user.balance


def test_top_up_charge_refund_keep_ledger_equal_to_balance():
    user = UserFactory()
    credit_top_up(user=user, amount="100", actor=None, memo="first payment")
    credit_charge(user=user, amount="0.0450", memo="sms")
    credit_refund(user=user, amount="0.0450", memo="sms failed")
    credit_charge(user=user, amount=Decimal("30"), memo="batch")
    user.refresh_from_db()
    assert user.balance == Decimal("70.0000")
    assert list(CreditEntry.objects.filter(user=user).order_by("id").values_list("kind", flat=True)) == [
        EntryKind.TOP_UP,
        EntryKind.CHARGE,
        EntryKind.REFUND,
        EntryKind.CHARGE,
    ]
    assert_ledger_matches(user)


def test_charge_beyond_balance_is_refused_and_changes_nothing():
    user = UserFactory(credits=5)
    with pytest.raises(InsufficientCredits):
        credit_charge(user=user, amount="5.0001", memo="too much")
    user.refresh_from_db()
    assert user.balance == Decimal("5")
    assert CreditEntry.objects.filter(user=user).count() == 1
    assert_ledger_matches(user)


@pytest.mark.parametrize("amount", [0, "0", -1, "-3", "abc", "", None, "1e12", "0.00001", "NaN", "Infinity", True])
def test_bad_amounts_are_refused_and_change_nothing(amount):
    user = UserFactory(credits=10)
    with pytest.raises(ValidationFailed):
        credit_top_up(user=user, amount=amount, actor=None, memo="bad")
    with pytest.raises(ValidationFailed):
        credit_charge(user=user, amount=amount, memo="bad")
    assert CreditEntry.objects.filter(user=user).count() == 1
    assert_ledger_matches(user)


def test_adjust_needs_a_memo_and_can_take_credits_back():
    user = UserFactory(credits=10)
    with pytest.raises(ValidationFailed):
        credit_adjust(user=user, amount="-2", actor=None, memo=" ")
    entry = credit_adjust(user=user, amount="-2.5", actor=None, memo="mistaken top-up")
    assert entry.amount == Decimal("-2.5") and entry.kind == EntryKind.ADJUSTMENT
    with pytest.raises(InsufficientCredits):
        credit_adjust(user=user, amount="-100", actor=None, memo="too much")
    assert_ledger_matches(user)


def test_transfer_moves_credits_between_team_members_with_paired_rows():
    owner = UserFactory(credits=50)
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    transfer = credit_transfer(actor=owner, from_email=owner.email, to_email=member.email.upper(), amount="12.5")
    owner.refresh_from_db()
    member.refresh_from_db()
    assert (owner.balance, member.balance) == (Decimal("37.5"), Decimal("12.5"))
    assert transfer.source.transfer_id == transfer.target.transfer_id == transfer.id
    assert_ledger_matches(owner, member)


def test_member_cannot_move_another_users_credits_but_can_give_own():
    owner = UserFactory(credits=50)
    member = UserFactory(team=owner.team, role=Role.MEMBER, credits=5)
    with pytest.raises(Forbidden):
        credit_transfer(actor=member, from_email=owner.email, to_email=member.email, amount=1)
    credit_transfer(actor=member, from_email=member.email, to_email=owner.email, amount=5)
    assert_ledger_matches(owner, member)


def test_transfer_to_another_team_is_not_found_and_changes_nothing():
    owner = UserFactory(credits=50)
    stranger = UserFactory(credits=1)
    with pytest.raises(NotFound):
        credit_transfer(actor=owner, from_email=owner.email, to_email=stranger.email, amount=1)
    with pytest.raises(NotFound):
        credit_transfer(actor=owner, from_email=stranger.email, to_email=owner.email, amount=1)
    owner.refresh_from_db()
    stranger.refresh_from_db()
    assert (owner.balance, stranger.balance) == (Decimal(50), Decimal(1))


def test_transfer_more_than_balance_is_refused_atomically():
    owner = UserFactory(credits=3)
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    with pytest.raises(InsufficientCredits):
        credit_transfer(actor=owner, from_email=owner.email, to_email=member.email, amount=4)
    assert CreditEntry.objects.filter(transfer_id__isnull=False).count() == 0
    assert_ledger_matches(owner, member)
