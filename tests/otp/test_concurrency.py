"""Parallel requests against real PostgreSQL locks: the right PIN verifies exactly once, every
wrong guess is counted, parallel sends cannot slip past the caps, and a team's sends to different
receivers do not wait for each other."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from core.errors import DomainError
from otp.models import Pin
from otp.services import otp_policy_update, pin_issue, pin_verify
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(count: int, work) -> Counter:
    """Run `work(i)` in `count` threads released together; count what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            try:
                result = f"ok:{type(work(i)).__name__}"
            except DomainError as exc:
                result = type(exc).__name__
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


@pytest.fixture
def owner():
    return UserFactory(credits=1000)


def test_ten_threads_verifying_the_right_pin_succeed_exactly_once(owner):
    issued = pin_issue(team=owner.team, actor=owner, receiver="+37255555555")
    outcomes = in_parallel(10, lambda i: pin_verify(team=owner.team, actor=owner, pin_id=issued.pin_id, pin=issued.pin))
    assert outcomes == Counter({"ok:Pin": 1, "PinAlreadyVerified": 9})
    record = Pin.objects.get()
    assert record.verified_at is not None and record.attempts == 0


def test_twenty_parallel_wrong_guesses_count_twenty(owner):
    issued = pin_issue(team=owner.team, actor=owner, receiver="+37255555555")
    wrong = ("1" if issued.pin[0] != "1" else "2") + issued.pin[1:]
    outcomes = in_parallel(20, lambda i: pin_verify(team=owner.team, actor=owner, pin_id=issued.pin_id, pin=wrong))
    assert outcomes == Counter({"PinMismatch": 5, "PinLocked": 15})
    assert Pin.objects.get().attempts == 20
    with pytest.raises(DomainError):  # locked: the right PIN fails too
        pin_verify(team=owner.team, actor=owner, pin_id=issued.pin_id, pin=issued.pin)


def test_the_right_pin_among_parallel_guesses_cannot_beat_the_limit(owner):
    """Guesses and the right PIN race; the right one wins only while fewer than five guesses failed."""
    issued = pin_issue(team=owner.team, actor=owner, receiver="+37255555555")
    wrong = ("1" if issued.pin[0] != "1" else "2") + issued.pin[1:]
    outcomes = in_parallel(
        12,
        lambda i: pin_verify(team=owner.team, actor=owner, pin_id=issued.pin_id, pin=issued.pin if i == 0 else wrong),
    )
    record = Pin.objects.get()
    assert outcomes.total() == 12
    if record.verified_at is None:  # five guesses came first: locked, every try counted
        assert outcomes["ok:Pin"] == 0 and record.attempts == 12
    else:  # the right PIN came before the fifth failure; later guesses meet a verified PIN
        assert outcomes["ok:Pin"] == 1 and record.attempts <= 4


def test_parallel_sends_to_one_receiver_send_one_pin(owner):
    outcomes = in_parallel(10, lambda i: pin_issue(team=owner.team, actor=owner, receiver="+37255555555"))
    assert outcomes == Counter({"ok:IssuedPin": 1, "PinRateLimited": 9})
    owner.refresh_from_db()
    assert Pin.objects.count() == 1 and owner.balance == 999


def test_parallel_sends_to_one_receiver_cannot_pass_the_receiver_cap(owner):
    otp_policy_update(team=owner.team, actor=owner, resend_cooldown_seconds=0, receiver_limit=3)
    outcomes = in_parallel(10, lambda i: pin_issue(team=owner.team, actor=owner, receiver="+37255555555"))
    assert outcomes == Counter({"ok:IssuedPin": 3, "PinRateLimited": 7})
    assert Pin.objects.count() == 3


@pytest.mark.usefixtures("team_counters")
def test_parallel_sends_cannot_pass_the_team_cap(owner):
    otp_policy_update(team=owner.team, actor=owner, team_hourly_limit=3)
    outcomes = in_parallel(10, lambda i: pin_issue(team=owner.team, actor=owner, receiver=f"+3725555550{i}"))
    assert outcomes == Counter({"ok:IssuedPin": 3, "PinRateLimited": 7})
    assert Pin.objects.count() == 3


def test_a_teams_sends_to_different_receivers_do_not_wait_for_each_other(owner):
    """One send holds its transaction open after issuing; another of the team still completes.
    (Two users: each user's credit balance is a row that its own sends do queue on.)"""
    colleague = UserFactory(team=owner.team, credits=10, email="colleague@example.com")
    otp_policy_update(team=owner.team, actor=owner, max_attempts=5)  # created before, as after a first send
    issued, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def hold_open() -> None:
        try:
            with transaction.atomic():
                pin_issue(team=owner.team, actor=owner, receiver="+37255555501")
                issued.set()
                release.wait(timeout=60)
        finally:
            issued.set()  # also when the send failed: the other thread must not wait in vain
            connection.close()

    def send_meanwhile() -> None:
        try:
            issued.wait(timeout=60)
            finished.append(pin_issue(team=owner.team, actor=colleague, receiver="+37255555502").pin_id)
        finally:
            connection.close()

    holder, sender = threading.Thread(target=hold_open), threading.Thread(target=send_meanwhile)
    holder.start()
    sender.start()
    try:
        sender.join(timeout=30)
        assert not sender.is_alive() and len(finished) == 1, "the second send waited for the first"
    finally:
        release.set()
        holder.join(timeout=60)
        sender.join(timeout=60)
    assert Pin.objects.count() == 2
