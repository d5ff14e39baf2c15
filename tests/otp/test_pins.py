"""The 2FA services: issuing, verifying, expiry, single use, the attempt limit, the send caps,
the country allow-list, replacement of an older PIN, the policy and the purge."""

import hashlib
import hmac
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from core.errors import Forbidden, InsufficientCredits, ValidationFailed
from core.numbers import InvalidNumber
from messaging.models import Callback, Message, Status
from messaging.services.blacklist import blacklist_add
from otp import conf
from otp.errors import PinAlreadyVerified, PinExpired, PinLocked, PinMismatch, PinNotFound, PinRateLimited
from otp.models import OtpPolicy, Pin, PinStatus
from otp.selectors import otp_policy_get, pin_list
from otp.services import otp_policy_update, pin_issue, pin_purge, pin_verify
from otp.tasks import purge_pins
from tests.factories import UserFactory

from .conftest import sent_texts

pytestmark = pytest.mark.django_db
NUMBER = "+37255555555"


@pytest.fixture
def clock(time_machine):
    """A stopped clock at the start of a minute (the team cap counts whole minutes);
    `clock.at(seconds)` moves it to that many seconds after the start."""
    start = timezone.now().replace(second=0, microsecond=0)
    time_machine.move_to(start, tick=False)

    class Clock:
        def at(self, seconds: float) -> None:
            time_machine.move_to(start + timedelta(seconds=seconds), tick=False)

    return Clock()


def policy(user, **fields) -> OtpPolicy:
    return otp_policy_update(team=user.team, actor=user, **fields)


def verify(user, issued, pin=None):
    return pin_verify(team=user.team, actor=user, pin_id=issued.pin_id, pin=issued.pin if pin is None else pin)


def wrong(pin: str) -> str:
    """A PIN of the same length and alphabet that is not `pin`."""
    return ("1" if pin[0] != "1" else "2") + pin[1:]


# ---- Issuing ---------------------------------------------------------------------------------


def test_issue_sends_the_pin_by_sms_charges_once_and_stores_only_its_hmac(user, issue, recording_gateway):
    issued = issue(user, receiver="37255555555")
    assert len(issued.pin) == 6 and set(issued.pin) <= set(conf.ALPHANUMERIC)
    assert len(issued.pin_id) == 20 and set(issued.pin_id) <= set(conf.ALPHANUMERIC)
    assert sent_texts(recording_gateway) == [f"Your code is {issued.pin}"]
    assert recording_gateway[0].to == NUMBER and recording_gateway[0].request_dlr is False

    record = Pin.objects.get()
    expected = hmac.new(conf.hmac_key(), f"{issued.pin_id}:{issued.pin}".encode(), hashlib.sha256).hexdigest()
    assert record.pin_hash == expected and record.receiver == NUMBER
    assert (record.attempts, record.max_attempts, record.pin_length) == (0, 5, 6)
    assert record.expires_at - record.created_at == timedelta(minutes=5)

    message = Message.objects.get()
    assert record.message == message
    assert message.text == "Your code is ******" and message.has_secret and not message.request_dlr
    assert message.status == Status.SENT and message.price == Decimal(1)
    user.refresh_from_db()
    assert user.balance == Decimal(99)
    assert not Callback.objects.exists()


def test_the_hmac_key_defaults_to_one_derived_from_secret_key_and_can_be_set(settings):
    settings.SECRET_KEY = "one"
    derived = conf.hmac_key()
    assert derived == hashlib.sha256(b"otp.pin-hmac:one").digest()
    settings.SECRET_KEY = "two"
    assert conf.hmac_key() != derived
    settings.OTP_HMAC_KEY = "a separate secret"
    assert conf.hmac_key() == b"a separate secret"


@pytest.mark.parametrize("length", [4, 6, 20])
def test_pins_have_the_asked_length_in_upper_case_letters_and_digits(user, issue, length):
    issued = issue(user, pin_length=length)
    assert len(issued.pin) == length and set(issued.pin) <= set(conf.ALPHANUMERIC)


@pytest.mark.parametrize("length", [3, 21, 0, -1])
def test_pin_length_outside_4_to_20_is_refused(user, issue, length):
    with pytest.raises(ValidationFailed) as error:
        issue(user, pin_length=length)
    assert (error.value.field, error.value.message) == ("pin_length", "The pin length must be between 4 and 20.")
    assert not Message.objects.exists()


def test_digits_only_pins_are_digits_and_at_least_six_long(user, issue):
    policy(user, digits_only=True)
    issued = issue(user)
    assert issued.pin.isdigit() and len(issued.pin) == 6
    with pytest.raises(ValidationFailed) as error:
        issue(user, receiver="+37255555556", pin_length=5)
    assert error.value.field == "pin_length"
    assert error.value.message == "The pin length must be at least 6 when PINs are digits only."
    assert Pin.objects.count() == 1


def test_the_team_template_and_sender_shape_the_sms(user, issue, recording_gateway):
    policy(user, text_template="{pin} is your Acme code", sender="Acme")
    issued = issue(user)
    assert sent_texts(recording_gateway) == [f"{issued.pin} is your Acme code"]
    assert recording_gateway[0].sender == "Acme"
    assert Message.objects.get().text == "****** is your Acme code"


def test_invalid_receiver_is_refused_and_a_national_number_uses_the_team_country(user, issue):
    with pytest.raises(InvalidNumber) as error:
        issue(user, receiver="12")
    assert (error.value.field, error.value.message) == ("receiver", "Invalid number")
    issue(user, receiver="55555555")  # EE national
    assert Pin.objects.get().receiver == NUMBER


def test_another_teams_user_cannot_issue_or_verify_for_a_team(user, issue):
    stranger = UserFactory(credits=10)
    with pytest.raises(Forbidden):
        pin_issue(team=user.team, actor=stranger, receiver=NUMBER)
    issued = issue(user)
    with pytest.raises(Forbidden):
        pin_verify(team=user.team, actor=stranger, pin_id=issued.pin_id, pin=issued.pin)


# ---- Verifying -------------------------------------------------------------------------------


def test_right_pin_works_at_299_seconds(user, issue, clock):
    issued = issue(user)
    clock.at(299)
    record = verify(user, issued)
    assert record.verified_at is not None and record.pin_hash == ""


def test_right_pin_is_expired_at_300_seconds(user, issue, clock):
    issued = issue(user)
    clock.at(300)
    with pytest.raises(PinExpired) as error:
        verify(user, issued)
    assert (error.value.field, error.value.message) == ("expires_at", "The PIN given has expired")
    assert Pin.objects.get().attempts == 0  # an expired PIN is not a guess


def test_a_pin_is_verified_once(user, issue):
    issued = issue(user)
    verify(user, issued)
    with pytest.raises(PinAlreadyVerified) as error:
        verify(user, issued)
    assert (error.value.field, error.value.message) == ("verified_at", "The PIN has already been authenticated")


def test_letters_are_compared_in_upper_case(user, issue):
    issued = issue(user)
    record = verify(user, issued, pin=f"  {issued.pin.lower()} ")
    assert record.verified_at is not None


def test_wrong_pin_does_not_match_and_counts(user, issue):
    issued = issue(user)
    with pytest.raises(PinMismatch) as error:
        verify(user, issued, pin=wrong(issued.pin))
    assert (error.value.field, error.value.message) == ("pin_id", "PIN and PIN ID not matching")
    assert Pin.objects.get().attempts == 1


def test_four_wrong_tries_then_the_right_pin_works(user, issue):
    issued = issue(user)
    for _ in range(4):
        with pytest.raises(PinMismatch):
            verify(user, issued, pin=wrong(issued.pin))
    assert verify(user, issued).attempts == 4


def test_after_five_wrong_tries_even_the_right_pin_fails(user, issue):
    issued = issue(user)
    for _ in range(5):
        with pytest.raises(PinMismatch):
            verify(user, issued, pin=wrong(issued.pin))
    record = Pin.objects.get()
    assert record.pin_hash == ""  # forgotten with the last allowed try
    with pytest.raises(PinLocked) as error:
        verify(user, issued)
    assert (error.value.field, error.value.message) == ("pin_id", "Too many wrong attempts: request a new PIN")
    record.refresh_from_db()
    assert record.attempts == 6 and record.verified_at is None
    assert record.status_at(timezone.now()) == PinStatus.FAILED


def test_the_attempt_limit_is_a_team_setting_fixed_on_each_pin(user, issue):
    policy(user, max_attempts=2)
    issued = issue(user)
    policy(user, max_attempts=10)  # later changes do not revive or extend this PIN
    for _ in range(2):
        with pytest.raises(PinMismatch):
            verify(user, issued, pin=wrong(issued.pin))
    with pytest.raises(PinLocked):
        verify(user, issued)


def test_unknown_malformed_or_other_teams_pin_id_is_not_found(user, issue):
    issued = issue(user)
    other = UserFactory(credits=10)
    for pin_id in ["A" * 20, "short", issued.pin_id[:-1] + "!"]:
        with pytest.raises(PinNotFound) as error:
            pin_verify(team=user.team, actor=user, pin_id=pin_id, pin=issued.pin)
        assert (error.value.field, error.value.message) == ("pin", "PIN not found")
    with pytest.raises(PinNotFound):
        pin_verify(team=other.team, actor=other, pin_id=issued.pin_id, pin=issued.pin)
    assert Pin.objects.get().attempts == 0
    verify(user, issued)  # untouched by the stranger


def test_a_new_pin_for_the_receiver_replaces_the_live_one(user, issue, clock):
    first = issue(user)
    other_receiver = issue(user, receiver="+37255555556")
    clock.at(31)
    second = issue(user)
    with pytest.raises(PinExpired):
        verify(user, first)
    verify(user, second)
    verify(user, other_receiver)  # another receiver's PIN lives on


# ---- Caps ------------------------------------------------------------------------------------


def test_resend_cooldown_per_receiver(user, issue, clock, recording_gateway):
    issue(user)
    clock.at(12)
    with pytest.raises(PinRateLimited) as error:
        issue(user)
    assert error.value.retry_after == 18 and error.value.field == "receiver"
    assert "Wait 18 seconds" in error.value.message
    issue(user, receiver="+37255555556")  # another receiver is not held up
    clock.at(30)
    issue(user)
    assert len(recording_gateway) == 3


def test_at_most_five_pins_per_receiver_in_ten_minutes(user, issue, clock):
    for step in range(5):
        clock.at(30 * step)
        issue(user)
    clock.at(150)
    with pytest.raises(PinRateLimited) as error:
        issue(user)
    assert error.value.retry_after == 450  # the first of the five leaves the window at 600 s
    assert error.value.message == "Too many PINs for this receiver: at most 5 in 10 minutes."
    clock.at(599)
    with pytest.raises(PinRateLimited):
        issue(user)
    clock.at(600)
    issue(user)


@pytest.mark.usefixtures("team_counters")
def test_team_hourly_cap_against_sms_pumping(user, issue, clock):
    policy(user, team_hourly_limit=3)
    for i in range(3):
        clock.at(60 * i)
        issue(user, receiver=f"+3725555550{i}")
    clock.at(600)
    with pytest.raises(PinRateLimited) as error:
        issue(user, receiver="+37255555509")
    assert error.value.retry_after == 3000
    assert error.value.message == "Too many PINs sent by this account: at most 3 an hour."
    clock.at(3600)
    issue(user, receiver="+37255555509")


@pytest.mark.usefixtures("team_counters")
def test_a_receiver_is_capped_across_all_teams(user, issue, clock, settings):
    """Pumping spread over accounts: each team stays under its own caps, the number does not."""
    settings.OTP_RECEIVER_HOURLY_LIMIT = 2
    others = [UserFactory(credits=10) for _ in range(3)]
    clock.at(0)
    issue(user)
    clock.at(120)
    issue(others[0])
    clock.at(600)
    with pytest.raises(PinRateLimited) as error:
        issue(others[1])
    assert error.value.message == "Too many PINs for this receiver. Try again later."
    assert error.value.retry_after == 3000
    issue(others[1], receiver="+37255555509")  # another number is free
    assert Pin.objects.filter(receiver=NUMBER).count() == 2
    clock.at(3600)  # the first PIN left the hour, and the refused one was never counted
    issue(others[2])


def test_the_team_cap_counts_whole_minutes(user, issue, clock):
    """A PIN sent at 0:59 counts in minute 0, which leaves the hour at 60:00, not at 60:59."""
    policy(user, team_hourly_limit=1)
    clock.at(59)
    issue(user)
    clock.at(3599)
    with pytest.raises(PinRateLimited) as error:
        issue(user, receiver="+37255555509")
    assert error.value.retry_after == 1
    clock.at(3600)
    issue(user, receiver="+37255555509")


def test_retry_after_waits_for_enough_minutes_to_leave_the_hour(user, issue, clock):
    policy(user, team_hourly_limit=3)
    for i, second in enumerate([0, 10, 70]):  # two PINs in minute 0, one in minute 1
        clock.at(second)
        issue(user, receiver=f"+3725555550{i}")
    clock.at(600)
    with pytest.raises(PinRateLimited) as error:
        issue(user, receiver="+37255555509")
    assert error.value.retry_after == 3000  # minute 0 leaving frees two places
    policy(user, team_hourly_limit=1)
    with pytest.raises(PinRateLimited) as error:
        issue(user, receiver="+37255555509")
    assert error.value.retry_after == 3060  # minute 1 must leave as well


@pytest.mark.usefixtures("team_counters")
def test_refused_and_failed_sends_do_not_use_up_the_team_cap(user, issue, clock):
    policy(user, team_hourly_limit=2)
    blacklist_add(team=user.team, number="+37255555598")
    with pytest.raises(ValidationFailed):  # refused after the team cap counted it
        issue(user, receiver="+37255555598")
    broke = UserFactory(team=user.team, role=Role.MEMBER, email="broke@example.com")
    with pytest.raises(InsufficientCredits):
        issue(broke, receiver="+37255555597")
    issue(user, receiver="+37255555501")
    issue(user, receiver="+37255555502")
    clock.at(60)
    for _ in range(3):
        with pytest.raises(PinRateLimited):
            issue(user, receiver="+37255555503")
    clock.at(3600)  # minute 0 left; had the refusals of minute 1 counted, this would be refused
    issue(user, receiver="+37255555503")


def test_caps_are_per_team(user, issue):
    policy(user, team_hourly_limit=1)
    issue(user)
    other = UserFactory(credits=10)
    issue(other)  # same receiver, another team: neither the cooldown nor the cap apply


def test_country_allow_list(user, issue):
    policy(user, allowed_countries=["fi", "LV"])
    assert otp_policy_get(team=user.team).allowed_countries == ["FI", "LV"]
    with pytest.raises(ValidationFailed) as error:
        issue(user, receiver=NUMBER)
    assert (error.value.field, error.value.message) == ("receiver", "PINs cannot be sent to this country.")
    issue(user, receiver="+358401234567")
    policy(user, allowed_countries=[])
    issue(user, receiver=NUMBER)


def _refusals(user, issue, clock):
    """Each refused send, after one good send to NUMBER."""
    issue(user)
    clock.at(5)
    yield "cooldown", lambda: issue(user)
    policy(user, allowed_countries=["FI"])
    yield "country", lambda: issue(user, receiver="+37255555599")
    policy(user, allowed_countries=[])
    blacklist_add(team=user.team, number="+37255555598")
    yield "blacklist", lambda: issue(user, receiver="+37255555598")
    yield "pin_length", lambda: issue(user, receiver="+37255555597", pin_length=2)
    broke = UserFactory(team=user.team, role=Role.MEMBER, email="broke@example.com")
    yield "credits", lambda: issue(broke, receiver="+37255555596")


def test_refused_sends_send_nothing_charge_nothing_and_store_nothing(user, issue, clock, recording_gateway):
    seen = []
    for name, attempt in _refusals(user, issue, clock):
        before = (len(recording_gateway), Message.objects.count(), Pin.objects.count())
        with pytest.raises((ValidationFailed, PinRateLimited, InsufficientCredits)):
            attempt()
        assert (len(recording_gateway), Message.objects.count(), Pin.objects.count()) == before, name
        seen.append(name)
    assert seen == ["cooldown", "country", "blacklist", "pin_length", "credits"]
    user.refresh_from_db()
    assert user.balance == Decimal(99)  # the one good send
    assert Pin.objects.get().receiver == NUMBER


# ---- Policy ----------------------------------------------------------------------------------


def test_policy_is_created_on_demand_with_the_platform_defaults(user, settings):
    assert not OtpPolicy.objects.exists()
    unsaved = otp_policy_get(team=user.team)
    assert unsaved.pk is None and unsaved.max_attempts == 5 and unsaved.team_hourly_limit == 1000
    settings.OTP_DEFAULT_TEAM_HOURLY_LIMIT = 50
    saved = policy(user, digits_only=True)
    assert saved.pk and saved.team_hourly_limit == 50 and saved.resend_cooldown_seconds == 30
    assert saved.receiver_limit == 5 and saved.receiver_window_seconds == 600
    assert saved.text_template == "Your code is {pin}"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"max_attempts": 0}, "max_attempts", "Must be between 1 and 10."),
        ({"max_attempts": 11}, "max_attempts", "Must be between 1 and 10."),
        ({"team_hourly_limit": "many"}, "team_hourly_limit", "Enter a whole number."),
        ({"text_template": "Your code"}, "text_template", "The text must contain {pin} exactly once."),
        ({"text_template": "{pin} {pin}"}, "text_template", "The text must contain {pin} exactly once."),
        ({"allowed_countries": ["EE", "XX"]}, "allowed_countries", "Unknown country code: XX."),
        ({"sender": "A much too long sender"}, "sender", "An alphanumeric sender has at most 11 characters."),
    ],
)
def test_policy_values_are_checked(user, fields, field, message):
    with pytest.raises(ValidationFailed) as error:
        policy(user, **fields)
    assert (error.value.field, error.value.message) == (field, message)


def test_only_managers_change_the_policy(user):
    member = UserFactory(team=user.team, role=Role.MEMBER, email="member@example.com")
    with pytest.raises(Forbidden):
        otp_policy_update(team=user.team, actor=member, max_attempts=3)
    with pytest.raises(Forbidden):
        otp_policy_update(team=UserFactory().team, actor=user, max_attempts=3)
    with pytest.raises(ValidationFailed):
        otp_policy_update(team=user.team, actor=user, pin="1234")


# ---- Queries ---------------------------------------------------------------------------------

# (pin_issue, pin_verify), savepoints included. PostgreSQL charges the credits in one statement
# where SQLite takes three.
QUERIES = {"postgresql": (8, 4), "sqlite": (9, 4)}


def test_issue_and_verify_take_a_fixed_number_of_queries(user, django_assert_max_num_queries):
    """Neither grows with the team's PINs: no count over them, no policy lock, no re-read."""
    for i in range(3):
        pin_issue(team=user.team, actor=user, receiver=f"+3725555550{i}")
    issuing, verifying = QUERIES[connection.vendor]
    with django_assert_max_num_queries(issuing):
        issued = pin_issue(team=user.team, actor=user, receiver=NUMBER)
    with django_assert_max_num_queries(verifying):
        record = verify(user, issued)
    stored = Pin.objects.values_list("verified_at", "pin_hash").get(pk=record.pk)
    assert stored == (record.verified_at, "") and record.verified_at is not None  # set in memory as stored


# ---- Status and purge ------------------------------------------------------------------------


def _one_of_each(user, issue, clock):
    verified = issue(user, receiver="+37255555501")
    verify(user, verified)
    failed = issue(user, receiver="+37255555502")
    for _ in range(5):
        with pytest.raises(PinMismatch):
            verify(user, failed, pin=wrong(failed.pin))
    expired = issue(user, receiver="+37255555503")
    clock.at(290)
    pending = issue(user, receiver="+37255555504")
    clock.at(300)
    return {"verified": verified, "failed": failed, "expired": expired, "pending": pending}


def test_statuses_of_the_verification_log(user, issue, clock):
    pins = _one_of_each(user, issue, clock)
    statuses = {p.pin_id: p.status for p in pin_list(team=user.team, actor=None)}
    assert statuses == {issued.pin_id: name for name, issued in pins.items()}
    assert [p.receiver for p in pin_list(team=user.team, actor=None, status="failed")] == ["+37255555502"]
    for record in Pin.objects.all():
        assert record.status_at(timezone.now()) == statuses[record.pin_id]


def test_purge_forgets_dead_hashes_at_once_and_the_log_after_retention(user, issue, clock, settings):
    pins = _one_of_each(user, issue, clock)
    purge_pins.call_local()
    hashes = dict(Pin.objects.values_list("pin_id", "pin_hash"))
    assert [pid for pid, h in hashes.items() if h] == [pins["pending"].pin_id]
    assert pin_purge().wiped == 0  # idempotent
    settings.OTP_LOG_RETENTION_DAYS = 2
    clock.at(2 * 86400 + 291)
    result = pin_purge()
    assert (result.wiped, result.deleted) == (1, 4)
    assert not Pin.objects.exists()
    assert Message.objects.count() == 4  # the messages stay, with their masked texts


def test_retention_is_never_shorter_than_a_day_so_caps_stay_counted(settings):
    settings.OTP_LOG_RETENTION_DAYS = 0
    assert conf.log_retention() == timedelta(days=1)


def test_a_pin_is_derived_from_its_id_with_the_server_key_and_stored_nowhere(user, issue, settings):
    from otp.services import pin_of

    issued = issue(user)
    assert pin_of(pin_id=issued.pin_id, length=6, digits_only=False) == issued.pin
    assert issued.pin not in str(list(Pin.objects.values())) + str(list(Message.objects.values()))
    digits = pin_of(pin_id=issued.pin_id, length=8, digits_only=True)
    assert len(digits) == 8 and digits.isdigit()
    settings.OTP_HMAC_KEY = "another key"  # without the key nobody can compute it
    assert pin_of(pin_id=issued.pin_id, length=6, digits_only=False) != issued.pin
