"""create_team, demo and audit_credits as an operator runs them."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, CreditEntry, User
from accounts.services.keys import api_key_authenticate

pytestmark = pytest.mark.django_db


def test_create_team_tops_up_through_the_ledger_and_prints_a_key_last():
    out = StringIO()
    call_command(
        "create_team",
        "Acme",
        "--email",
        "ops@acme.test",
        "--password",
        "A-long-pass-123",
        "--credits",
        "250",
        "--country",
        "KE",
        stdout=out,
    )
    owner = User.objects.get(email="ops@acme.test")
    assert owner.balance == Decimal(250) and owner.team.default_country == "KE"
    assert CreditEntry.objects.get(user=owner).amount == Decimal(250)
    last_line = out.getvalue().strip().splitlines()[-1]
    assert api_key_authenticate(secret=last_line).user == owner


def test_create_team_refuses_a_taken_email():
    call_command("create_team", "A", "--email", "a@x.test", "--password", "A-long-pass-123", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_team", "B", "--email", "a@x.test", "--password", "A-long-pass-123", stdout=StringIO())


def test_demo_creates_the_team_once_and_a_fresh_key_each_run():
    call_command("demo", stdout=StringIO())
    call_command("demo", stdout=StringIO())
    owner = User.objects.get(email="demo@example.com")
    assert owner.balance == Decimal(1000)
    assert ApiKey.objects.filter(user=owner, revoked_at__isnull=True).count() == 1
    assert ApiKey.objects.filter(user=owner).count() == 2


def test_audit_credits_fails_on_drift():
    call_command(
        "create_team", "A", "--email", "a@x.test", "--password", "A-long-pass-123", "--credits", "5", stdout=StringIO()
    )
    call_command("audit_credits", stdout=StringIO())
    User.objects.filter(email="a@x.test").update(balance=Decimal(6))  # a write that bypassed the services
    with pytest.raises(CommandError):
        call_command("audit_credits", stdout=StringIO(), stderr=StringIO())
