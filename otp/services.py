"""Issuing and verifying two-factor PINs, safe to put in front of a login.

- PINs and pin_ids come from `secrets`; only HMAC-SHA256(server key, pin_id + PIN) is stored and it
  is compared with `hmac.compare_digest`. The SMS goes through `message_send` (charged like any
  message, no delivery reports, so no callback carries it) with the PIN masked in the stored text:
  the real text reaches the gateway from memory only (`Recipient.secret_text`).
- Sending is capped per team policy: a cooldown per receiver, PINs per receiver per window, PINs
  per team per hour, and an optional country allow-list. The caps are counted from the PIN rows
  under a lock on the team's policy row, so parallel requests cannot slip past them. A refused
  send writes, sends and charges nothing.
- Verification locks the PIN's row: the right PIN succeeds exactly once, every failed try is
  counted (F() increments), and after `max_attempts` failed tries even the right PIN fails.
"""

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import phonenumbers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.errors import Forbidden, ValidationFailed
from accounts.models import Team, User
from messaging.models import Message, Status
from messaging.numbers import normalize_number, number_country
from messaging.senders import clean_sender
from messaging.services import Recipient, message_send

from . import conf
from .errors import (
    PIN_LENGTH_DIGITS,
    PIN_LENGTH_RANGE,
    PinAlreadyVerified,
    PinExpired,
    PinLocked,
    PinMismatch,
    PinNotFound,
    PinRateLimited,
)
from .models import OtpPolicy, Pin
from .selectors import dead_pins

log = logging.getLogger(__name__)

SOURCE = "2fa"
PLACEHOLDER = "{pin}"
MASK = "*"
TEXT_TEMPLATE_MAX = 300
POLICY_BOUNDS = {
    "max_attempts": (1, 10),
    "resend_cooldown_seconds": (0, 3600),
    "receiver_limit": (1, 100),
    "receiver_window_seconds": (60, 86_400),
    "team_hourly_limit": (1, 1_000_000),
}
POLICY_FIELDS = ("digits_only", "text_template", "sender", "allowed_countries", *POLICY_BOUNDS)


@dataclass(frozen=True)
class IssuedPin:
    pin: str  # in clear, for the caller's answer only: it is stored nowhere
    pin_id: str
    record: Pin
    message: Message


@dataclass(frozen=True)
class PurgeResult:
    wiped: int  # hashes emptied: PINs that can no longer be verified
    deleted: int  # log rows older than the retention


def pin_hash(*, pin_id: str, pin: str) -> str:
    """HMAC-SHA256 keyed with the server secret; the pin_id binds the hash to its row."""
    return hmac.new(conf.hmac_key(), f"{pin_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _span(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour{'s' if seconds != 3600 else ''}"
    if seconds % 60 == 0:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} seconds"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _policy_locked(team: Team) -> OtpPolicy:
    """The team's policy row, created on first use, locked until the transaction ends. Every send
    of the team queues here, so caps counted from the PIN rows cannot be raced past."""
    OtpPolicy.objects.get_or_create(team=team)
    return OtpPolicy.objects.select_for_update().get(team=team)


def _check_caps(*, team: Team, policy: OtpPolicy, number: str, now: datetime) -> None:
    sent = Pin.objects.filter(team=team)
    cooldown = timedelta(seconds=policy.resend_cooldown_seconds)
    if cooldown:
        last = (
            sent.filter(receiver=number, created_at__gt=now - cooldown)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None:
            wait = _seconds_until(last + cooldown, now)
            raise PinRateLimited(
                f"A PIN was just sent to this receiver. Wait {wait} seconds before requesting another.",
                retry_after=wait,
            )
    window = timedelta(seconds=policy.receiver_window_seconds)
    times = list(
        sent.filter(receiver=number, created_at__gt=now - window)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(times) >= policy.receiver_limit:
        free_at = times[len(times) - policy.receiver_limit] + window
        raise PinRateLimited(
            f"Too many PINs for this receiver: at most {policy.receiver_limit} "
            f"in {_span(policy.receiver_window_seconds)}.",
            retry_after=_seconds_until(free_at, now),
        )
    hour = timedelta(hours=1)
    this_hour = sent.filter(created_at__gt=now - hour)
    count = this_hour.count()
    if count >= policy.team_hourly_limit:
        oldest = this_hour.order_by("created_at").values_list("created_at", flat=True)[count - policy.team_hourly_limit]
        raise PinRateLimited(
            f"Too many PINs sent by this account: at most {policy.team_hourly_limit} an hour.",
            retry_after=_seconds_until(oldest + hour, now),
        )


def pin_issue(*, team: Team, actor: User, receiver: str, pin_length: int = conf.PIN_LENGTH_DEFAULT) -> IssuedPin:
    """Send a new PIN to `receiver`; the receiver's older live PIN stops working."""
    if actor.team_id != team.pk:
        raise Forbidden("This team's PINs are not yours to send.")
    if not conf.PIN_LENGTH_MIN <= pin_length <= conf.PIN_LENGTH_MAX:
        raise ValidationFailed(
            PIN_LENGTH_RANGE.format(low=conf.PIN_LENGTH_MIN, high=conf.PIN_LENGTH_MAX), field="pin_length"
        )
    number = normalize_number(receiver, default_country=team.default_country, field="receiver")

    with transaction.atomic():
        policy = _policy_locked(team)
        if policy.digits_only and pin_length < conf.DIGITS_ONLY_MIN_LENGTH:
            raise ValidationFailed(PIN_LENGTH_DIGITS.format(low=conf.DIGITS_ONLY_MIN_LENGTH), field="pin_length")
        if policy.allowed_countries and number_country(number) not in policy.allowed_countries:
            raise ValidationFailed("PINs cannot be sent to this country.", field="receiver")
        now = timezone.now()
        _check_caps(team=team, policy=policy, number=number, now=now)

        pin = _random(conf.DIGITS if policy.digits_only else conf.ALPHANUMERIC, pin_length)
        pin_id = _random(conf.ALPHANUMERIC, conf.PIN_ID_LENGTH)
        template = policy.text_template if PLACEHOLDER in policy.text_template else conf.default_text_template()
        result = message_send(
            actor=actor,
            recipients=[
                Recipient(
                    number,
                    text=template.replace(PLACEHOLDER, MASK * pin_length),
                    secret_text=template.replace(PLACEHOLDER, pin),
                )
            ],
            sender=policy.sender,
            request_dlr=False,
            all_or_nothing=True,
            source=SOURCE,
        )
        if result.rejected:  # an over-long template: nothing was stored
            raise ValidationFailed(result.rejected[0].reason, field="receiver")
        message = result.messages[0]
        if message.status == Status.BLACKLISTED:  # rolled back with the rest: nothing sent or charged
            raise ValidationFailed("The receiver is on the blacklist.", field="receiver")

        Pin.objects.filter(team=team, receiver=number, verified_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        record = Pin.objects.create(
            team=team,
            requested_by=actor,
            pin_id=pin_id,
            receiver=number,
            pin_hash=pin_hash(pin_id=pin_id, pin=pin),
            pin_length=pin_length,
            max_attempts=policy.max_attempts,
            message=message,
            created_at=now,
            expires_at=now + conf.pin_ttl(),
        )
    log.info("2FA PIN %s sent for team %s (message %s)", record.pk, team.pk, message.pk)
    return IssuedPin(pin=pin, pin_id=pin_id, record=record, message=message)


class _Outcome(Enum):
    VERIFIED = "verified"
    NOT_FOUND = "not_found"
    ALREADY = "already"
    EXPIRED = "expired"
    MISMATCH = "mismatch"
    LOCKED = "locked"


REFUSALS = {
    _Outcome.NOT_FOUND: PinNotFound,
    _Outcome.ALREADY: PinAlreadyVerified,
    _Outcome.EXPIRED: PinExpired,
    _Outcome.MISMATCH: PinMismatch,
    _Outcome.LOCKED: PinLocked,
}


def _normalize(value: object) -> str:
    return str(value or "").strip().upper()


def pin_verify(*, team: Team, actor: User, pin_id: str, pin: str) -> Pin:
    """Check `pin` against the team's `pin_id`; the right PIN succeeds once. Letters are compared
    in upper case.

    A failed try is committed before the refusal is raised: do not call this inside a transaction
    that the caller rolls back on error, or the count would be undone (the 2FA API opts out of
    Idempotency-Key for that reason)."""
    if actor.team_id != team.pk:
        raise Forbidden("This team's PINs are not yours to verify.")
    pin_id, pin = _normalize(pin_id), _normalize(pin)
    if len(pin_id) != conf.PIN_ID_LENGTH or not set(pin_id) <= set(conf.ALPHANUMERIC):
        raise PinNotFound()
    with transaction.atomic():
        row = Pin.objects.select_for_update().filter(team=team, pin_id=pin_id).first()
        outcome = _judge(row, pin)
    if outcome is not _Outcome.VERIFIED:
        log.info("2FA PIN %s refused: %s", row.pk if row else "-", outcome.value)
        raise REFUSALS[outcome]()
    row.refresh_from_db()
    log.info("2FA PIN %s verified for team %s", row.pk, team.pk)
    return row


def _judge(row: Pin | None, pin: str) -> _Outcome:
    """Decide and record one try, with the row locked (SQLite: the write transaction is the lock)."""
    if row is None:
        return _Outcome.NOT_FOUND
    if row.verified_at is not None:
        return _Outcome.ALREADY
    now = timezone.now()
    if row.expires_at <= now:
        return _Outcome.EXPIRED
    right = bool(row.pin_hash) and hmac.compare_digest(row.pin_hash, pin_hash(pin_id=row.pin_id, pin=pin))
    locked = row.attempts >= row.max_attempts
    if right and not locked:
        # Guarded as well as locked: whatever happens, a PIN is verified once.
        won = Pin.objects.filter(
            pk=row.pk, verified_at__isnull=True, attempts__lt=F("max_attempts"), expires_at__gt=now
        ).update(verified_at=now, pin_hash="")
        return _Outcome.VERIFIED if won else _Outcome.ALREADY
    # Every failed try counts, also past the limit. The hash goes with the last allowed try.
    last_try = row.attempts + 1 >= row.max_attempts
    Pin.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, **({"pin_hash": ""} if last_try else {}))
    return _Outcome.LOCKED if locked else _Outcome.MISMATCH


def pin_purge(*, now: datetime | None = None) -> PurgeResult:
    """Forget the hashes of PINs that can no longer be verified, and the log past its retention.
    Idempotent: a second run finds nothing to do."""
    now = now or timezone.now()
    wiped = Pin.objects.exclude(pin_hash="").filter(dead_pins(now=now)).update(pin_hash="")
    deleted, _ = Pin.objects.filter(created_at__lt=now - conf.log_retention()).delete()
    return PurgeResult(wiped=wiped, deleted=deleted)


def otp_policy_clean(fields: dict[str, object]) -> dict[str, object]:
    """Check policy values against the rules; returns them cleaned. Shared by the service and forms."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown 2FA setting: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, object] = {}
    for name, value in fields.items():
        if name in POLICY_BOUNDS:
            low, high = POLICY_BOUNDS[name]
            try:
                number = int(str(value))
            except (TypeError, ValueError):
                raise ValidationFailed("Enter a whole number.", field=name) from None
            if not low <= number <= high:
                raise ValidationFailed(f"Must be between {low} and {high}.", field=name)
            cleaned[name] = number
        elif name == "digits_only":
            cleaned[name] = bool(value)
        elif name == "text_template":
            text = str(value or "").strip()
            if text.count(PLACEHOLDER) != 1:
                raise ValidationFailed(f"The text must contain {PLACEHOLDER} exactly once.", field=name)
            if len(text) > TEXT_TEMPLATE_MAX:
                raise ValidationFailed(f"The text may be at most {TEXT_TEMPLATE_MAX} characters.", field=name)
            cleaned[name] = text
        elif name == "sender":
            cleaned[name] = clean_sender(value, field=name)
        elif name == "allowed_countries":
            codes = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
            codes = sorted({str(c).strip().upper() for c in codes if str(c).strip()})
            bad = [c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS]
            if bad:
                raise ValidationFailed(f"Unknown country code: {', '.join(bad)}.", field=name)
            cleaned[name] = codes
    return cleaned


def otp_policy_update(*, team: Team, actor: User, **fields: object) -> OtpPolicy:
    """Change a team's 2FA settings (its owners and admins, or support staff)."""
    if not (actor.is_staff or (actor.team_id == team.pk and actor.is_team_manager)):
        raise Forbidden("Only owners and admins can change the 2FA settings.")
    cleaned = otp_policy_clean(fields)
    with transaction.atomic():
        policy = _policy_locked(team)
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        policy.save(update_fields=[*cleaned, "updated_at"])
    return policy
