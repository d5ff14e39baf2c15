"""20 threads with their own PostgreSQL connections transfer and charge at once: no overdraft,
no lost ledger row, and the audit stays clean."""

import random
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import CreditEntry, Role
from accounts.selectors import credit_drift_list
from accounts.services import credit_charge, credit_transfer
from core.errors import InsufficientCredits
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 20
ROUNDS = 15


def test_concurrent_transfers_and_charges_never_overdraw():
    owner = UserFactory(credits=30)
    members = [UserFactory(team=owner.team, role=Role.MEMBER, credits=10) for _ in range(3)]
    people = [owner, *members]
    start = threading.Barrier(THREADS)
    refused, errors = [], []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(ROUNDS):
                a, b = rng.sample(people, 2)
                amount = Decimal(rng.choice(["1", "2.5", "7", "0.0001"]))
                try:
                    if rng.random() < 0.5:
                        credit_transfer(actor=owner, from_email=a.email, to_email=b.email, amount=amount)
                    else:
                        credit_charge(user=a, amount=amount, memo="sms")
                except InsufficientCredits:
                    refused.append(1)
        except Exception as exc:
            errors.append((seed, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert refused, "the load should have run someone out of credits at least once"
    for person in people:
        person.refresh_from_db()
        assert person.balance >= 0
    assert credit_drift_list() == []
    charged = -sum(e.amount for e in CreditEntry.objects.filter(kind="charge"))
    assert sum(p.balance for p in people) == Decimal(60) - charged
    call_command("audit_credits")
