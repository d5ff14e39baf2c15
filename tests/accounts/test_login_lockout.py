"""Login lockouts (accounts.lockout, django-axes) on every password login: the dashboard, the admin
and the password-based API dialects. Per account across addresses, per address (at a higher limit)
across accounts, for a cool-off that a further failure restarts."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
STAFF_PASSWORD = "Staff-pass-123"


@pytest.fixture
def owner():
    return UserFactory(credits=10, email="owner@a.test")


def login(client, email, password, address="10.0.0.1"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_thirty_wrong_admin_passwords_then_the_right_one_is_refused(client):
    User.objects.create_superuser("support@platform.test", STAFF_PASSWORD, team=None)
    data = {"username": "support@platform.test", "next": "/admin/"}
    statuses = {client.post("/admin/login/", {**data, "password": f"guess-{n}"}).status_code for n in range(30)}
    assert statuses == {200, 429}
    response = client.post("/admin/login/", {**data, "password": STAFF_PASSWORD})
    assert response.status_code == 429 and b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_an_account_locks_across_addresses_and_unlocks_after_the_cool_off(client, owner, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for n in range(settings.SMS_LOGIN_FAILURES_PER_ACCOUNT):
        login(client, owner.email, "wrong", address=f"10.0.1.{n}")
    assert login(client, owner.email, PASSWORD, address="10.0.2.1").status_code == 429
    time_machine.shift(timedelta(minutes=settings.SMS_LOGIN_COOLOFF_MINUTES, seconds=1))
    assert login(client, owner.email, PASSWORD, address="10.0.2.1").status_code == 302


def test_a_failure_during_the_lockout_restarts_the_cool_off(client, owner, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(settings.SMS_LOGIN_FAILURES_PER_ACCOUNT):
        login(client, owner.email, "wrong")
    time_machine.shift(timedelta(minutes=settings.SMS_LOGIN_COOLOFF_MINUTES - 1))
    assert login(client, owner.email, "still-guessing").status_code == 429
    time_machine.shift(timedelta(minutes=2))
    assert login(client, owner.email, PASSWORD).status_code == 429


def test_another_account_at_the_same_address_is_not_locked_out(client, owner, settings):
    colleague = UserFactory(email="colleague@a.test")
    for _ in range(settings.SMS_LOGIN_FAILURES_PER_ACCOUNT):
        login(client, owner.email, "wrong", address="192.0.2.7")
    assert login(client, owner.email, PASSWORD, address="192.0.2.7").status_code == 429
    assert login(client, colleague.email, PASSWORD, address="192.0.2.7").status_code == 302


def test_an_address_spraying_many_accounts_is_locked_out(client, settings):
    settings.SMS_LOGIN_FAILURES_PER_ADDRESS = 6
    victim = UserFactory(email="victim@a.test")
    for n in range(6):  # one guess per account: no account reaches its own limit
        login(client, f"user{n}@nowhere.test", "guess", address="198.51.100.9")
    assert login(client, victim.email, PASSWORD, address="198.51.100.9").status_code == 429
    assert login(client, victim.email, PASSWORD, address="198.51.100.10").status_code == 302


def test_the_password_dialects_share_the_account_lockout_and_answer_in_their_shape(api, client, owner, settings):
    for n in range(settings.SMS_LOGIN_FAILURES_PER_ACCOUNT - 1):
        body = {"_login": owner.email, "_password": "wrong", "destination_number": "+37255555555", "message": "x"}
        assert api.post("/api/message", body, REMOTE_ADDR=f"10.0.3.{n}").status_code == 401
    locking = login(client, owner.email, "wrong")  # the last failure, on the dashboard
    assert locking.status_code == 429
    v1 = {"username": owner.email, "password": PASSWORD, "numbers": "+37255555555", "message_body": "Hi"}
    response = api.post("/v1/sms/send", v1)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "error" in response.json()
    body = {"_login": owner.email, "_password": PASSWORD, "destination_number": "+37255555555", "message": "x"}
    assert api.post("/api/message", body).status_code == 429


def test_no_password_is_kept_with_the_failed_attempts(api, client, owner):
    api.post("/api/message", {"_login": owner.email, "_password": "s3cret-guess-1", "message": "x"})
    api.post("/v1/sms/send", {"username": owner.email, "password": "s3cret-guess-2"})
    login(client, owner.email, "s3cret-guess-3")
    stored = " ".join(f"{a.get_data} {a.post_data}" for a in AccessAttempt.objects.all())
    assert AccessAttempt.objects.exists() and "s3cret-guess" not in stored
