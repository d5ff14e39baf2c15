"""Issuing and verifying two-factor PINs, safe to put in front of a login.

- A pin_id comes from `secrets`; its PIN is derived from it with the server key (HMAC-SHA256, `pin_of`),
  so the PIN is stored nowhere and anyone without the key can't compute it. Only HMAC-SHA256(server
  key, pin_id + PIN) is stored, compared with `hmac.compare_digest` and emptied once the PIN can no
  longer be verified. The SMS goes through `message_send` (charged like any message, no delivery
  reports, so no callback carries it) with the PIN masked in the stored text; the dispatcher gets
  the real text from `pin_texts` when it hands the message to the gateway (messaging/secrets.py),
  so the request only queues it, and a message whose hand-off failed can be retried.
- Sending is capped per team policy: a cooldown per receiver, PINs per receiver per window, PINs
  per team per hour, and an optional country allow-list; and across all teams, PINs per receiver
  per hour (OTP_RECEIVER_HOURLY_LIMIT, against pumping spread over accounts). A refused send
  writes, sends and charges nothing. The caps are counted in the cache (otp/caps.py), all of them
  in one round trip and with no database lock, so parallel sends cannot pass a cap and a PIN's
  message and row are stored together by the intake's group commit, like any single send.
- Verification locks the PIN's row: the right PIN succeeds exactly once, every failed try is
  counted (F() increments), and after `max_attempts` failed tries even the right PIN fails.
"""

import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import cast

import phonenumbers
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Team, User
from accounts.permissions import Action, require
from core import metrics
from core.copy import instances_insert
from core.errors import Forbidden, ValidationFailed
from core.generations import ProcessCache
from core.numbers import normalize_number, number_country
from core.senders import clean_sender
from messaging.models import Message
from messaging.services import BlacklistedRecipient, Recipient, message_send

from . import conf
from .caps import Window, caps_give_back, caps_take
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


def pin_of(*, pin_id: str, length: int, digits_only: bool) -> str:
    """The PIN of `pin_id`: HMAC-SHA256 of it under the server key, read as digits (or letters and
    digits) by rejection sampling, so every symbol is equally likely."""
    alphabet = conf.DIGITS if digits_only else conf.ALPHANUMERIC
    usable = 256 - 256 % len(alphabet)  # bytes past the last whole cycle of the alphabet are skipped
    pin: list[str] = []
    counter = 0
    while len(pin) < length:
        block = hmac.new(conf.hmac_key(), f"pin-of:{pin_id}:{counter}".encode(), hashlib.sha256).digest()
        pin += [alphabet[byte % len(alphabet)] for byte in block if byte < usable]
        counter += 1
    return "".join(pin[:length])


def pin_texts(rows: Sequence[Mapping]) -> dict[int, str]:
    """The real texts of PIN messages (claimed rows with their masked text), by message id: the
    dispatcher's source of masked texts (messaging/secrets.py)."""
    pins = Pin.objects.filter(message_id__in=[row["pk"] for row in rows])
    by_message = {
        p.message_id: p for p in pins.only("message_id", "pin_id", "pin_length", "digits_only", "text_offset")
    }
    texts = {}
    for row in rows:
        pin = by_message.get(row["pk"])
        if pin is not None:
            start, end = pin.text_offset, pin.text_offset + pin.pin_length
            real = pin_of(pin_id=pin.pin_id, length=pin.pin_length, digits_only=pin.digits_only)
            texts[row["pk"]] = row["text"][:start] + real + row["text"][end:]
    return texts


def _span(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour{'s' if seconds != 3600 else ''}"
    if seconds % 60 == 0:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} seconds"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


_policies: ProcessCache[OtpPolicy] = ProcessCache()


def _policy(team: Team) -> OtpPolicy:
    """The team's policy row, created on first use; read without a lock (see the module docstring),
    from a process cache emptied whenever a policy changes (core/generations.py)."""
    return _policies.get(team.pk, lambda: OtpPolicy.objects.get_or_create(team=team)[0])


def _policy_locked(team: Team) -> OtpPolicy:
    """The team's policy row, created on first use, locked so that parallel edits apply in turn."""
    OtpPolicy.objects.get_or_create(team=team)
    return OtpPolicy.objects.select_for_update().get(team=team)


def pin_issue(*, team: Team, actor: User, receiver: str, pin_length: int = conf.PIN_LENGTH_DEFAULT) -> IssuedPin:
    """Send a new PIN to `receiver`; the receiver's older live PIN stops working."""
    if actor.team_id != team.pk:
        raise Forbidden("This team's PINs are not yours to send.")
    if not conf.PIN_LENGTH_MIN <= pin_length <= conf.PIN_LENGTH_MAX:
        raise ValidationFailed(
            PIN_LENGTH_RANGE.format(low=conf.PIN_LENGTH_MIN, high=conf.PIN_LENGTH_MAX), field="pin_length"
        )
    number = normalize_number(receiver, default_country=team.default_country, field="receiver")
    policy = _policy(team)
    if policy.digits_only and pin_length < conf.DIGITS_ONLY_MIN_LENGTH:
        raise ValidationFailed(PIN_LENGTH_DIGITS.format(low=conf.DIGITS_ONLY_MIN_LENGTH), field="pin_length")
    if policy.allowed_countries and number_country(number) not in policy.allowed_countries:
        raise ValidationFailed("PINs cannot be sent to this country.", field="receiver")

    caps = _caps(team=team, policy=policy, number=number)
    now = timezone.now()
    try:
        caps_take(caps, now=now)
        issued = _pin_send(team=team, actor=actor, policy=policy, number=number, pin_length=pin_length, now=now)
    except BaseException as error:  # refused, failed or not committed: this send does not use up the caps
        caps_give_back(caps)
        if isinstance(error, PinRateLimited):
            metrics.pin_event(event="send", outcome="rate_limited")
        raise
    metrics.pin_event(event="send", outcome="sent")
    log.info("2FA PIN %s sent for team %s (message %s)", issued.record.pk, team.pk, issued.message.pk)
    return issued


def _caps(*, team: Team, policy: OtpPolicy, number: str) -> list[Window]:
    """The windows a PIN to `number` counts in, in the order their refusals are told (otp/caps.py)."""
    hourly = policy.team_hourly_limit
    caps = [
        Window(
            f"otp:team-pins:{team.pk}",
            3600,
            hourly,
            lambda wait: f"Too many PINs sent by this account: at most {hourly} an hour.",
        ),
        # Says nothing of other teams' PINs: only that this number has had enough for now.
        Window(
            f"otp:receiver-pins:{number}",
            3600,
            conf.receiver_hourly_limit(),
            lambda wait: "Too many PINs for this receiver. Try again later.",
        ),
    ]
    if policy.resend_cooldown_seconds:
        caps.append(
            Window(
                f"otp:cooldown:{team.pk}:{number}",
                policy.resend_cooldown_seconds,
                1,
                lambda wait: f"A PIN was just sent to this receiver. Wait {wait} seconds before requesting another.",
            )
        )
    limit, seconds = policy.receiver_limit, policy.receiver_window_seconds
    caps.append(
        Window(
            f"otp:receiver-window:{team.pk}:{number}",
            seconds,
            limit,
            lambda wait: f"Too many PINs for this receiver: at most {limit} in {_span(seconds)}.",
        )
    )
    return caps


def _pin_send(*, team: Team, actor: User, policy: OtpPolicy, number: str, pin_length: int, now: datetime) -> IssuedPin:
    """Send the SMS and store the PIN's row with it (one transaction, by group commit where single
    sends are); the receiver's older live PIN expires now."""
    pin_id = _random(conf.ALPHANUMERIC, conf.PIN_ID_LENGTH)
    pin = pin_of(pin_id=pin_id, length=pin_length, digits_only=policy.digits_only)
    template = policy.text_template if PLACEHOLDER in policy.text_template else conf.default_text_template()
    stored: list[Pin] = []

    def store_pin(message: Message) -> None:
        # In the group commit's transaction (its serial section): two statements of cached text,
        # not the ORM's compiled update and create.
        _live_pins_end(team=team, number=number, now=now)
        pin_row = Pin(
            team=team,
            requested_by=actor,
            pin_id=pin_id,
            receiver=number,
            pin_hash=pin_hash(pin_id=pin_id, pin=pin),
            pin_length=pin_length,
            digits_only=policy.digits_only,
            text_offset=template.index(PLACEHOLDER),
            max_attempts=policy.max_attempts,
            message=message,
            created_at=now,
            expires_at=now + conf.pin_ttl(),
        )
        instances_insert([pin_row])
        stored.append(pin_row)

    try:
        result = message_send(
            actor=actor,
            recipients=[
                Recipient(number, e164=True, text=template.replace(PLACEHOLDER, MASK * pin_length), masked=True)
            ],
            sender=policy.sender,
            request_dlr=False,
            all_or_nothing=True,
            on_store=store_pin,
            source=SOURCE,
        )
    except BlacklistedRecipient:  # nothing stored, sent or charged
        raise ValidationFailed("The receiver is on the blacklist.", field="receiver") from None
    if result.rejected:  # an over-long template: nothing was stored
        raise ValidationFailed(result.rejected[0].reason, field="receiver")
    return IssuedPin(pin=pin, pin_id=pin_id, record=stored[-1], message=result.messages[0])


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
        metrics.pin_event(event="verify", outcome=_Outcome.NOT_FOUND.value)
        raise PinNotFound()
    row = _verified_at_once(team=team, pin_id=pin_id, pin=pin)
    if row is not None:
        outcome = _Outcome.VERIFIED
    else:  # why not: decided with the row locked, the try counted
        with transaction.atomic():
            row = Pin.objects.select_for_update().filter(team=team, pin_id=pin_id).first()
            outcome = _judge(row, pin)
    metrics.pin_event(event="verify", outcome=outcome.value)
    if outcome is not _Outcome.VERIFIED or row is None:  # (a verified PIN always has its row)
        log.info("2FA PIN %s refused: %s", row.pk if row else "-", outcome.value)
        raise REFUSALS[outcome]()
    log.info("2FA PIN %s verified for team %s", row.pk, team.pk)
    return row


# Every other live PIN of a receiver ends: those of racing sends too, which may have been stamped a
# moment later than the new one (and a PIN never expires before it was created).
_END_LIVE_SQL = f"""
UPDATE {Pin._meta.db_table} SET expires_at = CASE WHEN created_at > %s THEN created_at ELSE %s END
WHERE team_id = %s AND receiver = %s AND verified_at IS NULL AND expires_at > %s
"""  # noqa: S608 - the model's table name
# The right PIN of a live pin_id, verified and read back in one statement.
_VERIFY_SQL = f"""
UPDATE {Pin._meta.db_table} SET verified_at = %s, pin_hash = ''
WHERE team_id = %s AND pin_id = %s AND pin_hash = %s
  AND verified_at IS NULL AND attempts < max_attempts AND expires_at > %s
RETURNING *
"""  # noqa: S608 - the model's table name


def _live_pins_end(*, team: Team, number: str, now: datetime) -> None:
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_END_LIVE_SQL, [at, at, team.pk, number, at])


def _verified_at_once(*, team: Team, pin_id: str, pin: str) -> Pin | None:
    """The right PIN of a live pin_id, verified by one guarded statement (no transaction of its own
    to open, no lock to wait for): the row as stored, or None when the statement changed nothing."""
    now = timezone.now()
    params = [now, team.pk, pin_id, pin_hash(pin_id=pin_id, pin=pin), now]  # raw() adapts the times
    return next(iter(Pin.objects.raw(_VERIFY_SQL, params)), None)


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
        if not won:
            return _Outcome.ALREADY
        row.verified_at, row.pin_hash = now, ""  # as stored: no need to read the row again
        return _Outcome.VERIFIED
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
            codes = value.replace(",", " ").split() if isinstance(value, str) else list(cast(Iterable, value or []))
            codes = sorted({str(c).strip().upper() for c in codes if str(c).strip()})
            bad = [c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS]
            if bad:
                raise ValidationFailed(f"Unknown country code: {', '.join(bad)}.", field=name)
            cleaned[name] = codes
    return cleaned


def otp_policy_update(*, team: Team, actor: User, **fields: object) -> OtpPolicy:
    """Change a team's 2FA settings (its owners and admins, or support staff)."""
    require(actor, Action.TEAM_SETTINGS, team=team)
    cleaned = otp_policy_clean(fields)
    with transaction.atomic():
        policy = _policy_locked(team)
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        policy.save(update_fields=[*cleaned, "updated_at"])
    return policy
