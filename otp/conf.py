"""Platform settings of the 2FA service, each read from Django settings (`OTP_*`) with a safe default.

Team-level values (`OtpPolicy`) start from the `default_*` functions below when a team's policy row
is first created; the others apply to every team."""

import hashlib
from datetime import timedelta

from django.conf import settings

PIN_LENGTH_MIN = 4
PIN_LENGTH_MAX = 20
PIN_LENGTH_DEFAULT = 6
DIGITS_ONLY_MIN_LENGTH = 6  # 10**6 is about 2**20: every PIN carries 20 bits of randomness or more
PIN_ID_LENGTH = 20
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # the alphabet of the seed's examples
DIGITS = "0123456789"


def pin_ttl() -> timedelta:
    """How long a PIN can be verified after it is sent (the seed: 5 minutes)."""
    return timedelta(seconds=getattr(settings, "OTP_PIN_TTL_SECONDS", 300))


def hmac_key() -> bytes:
    """The key of the PINs' HMAC-SHA256: `OTP_HMAC_KEY`, else derived from SECRET_KEY (rotating either
    makes the PINs that are live at that moment fail verification, nothing else)."""
    key = getattr(settings, "OTP_HMAC_KEY", "")
    if key:
        return key.encode()
    return hashlib.sha256(b"otp.pin-hmac:" + settings.SECRET_KEY.encode()).digest()


def log_retention() -> timedelta:
    """How long the verification log (receiver, times, status; never the PIN) is kept. At least a
    day, the longest receiver window, so the per-receiver caps, which count these rows, are never
    undercounted."""
    return max(timedelta(days=getattr(settings, "OTP_LOG_RETENTION_DAYS", 30)), timedelta(days=1))


# Defaults of a new team's OtpPolicy (callables, so a settings change applies to policies created later).


def default_text_template() -> str:
    return getattr(settings, "OTP_DEFAULT_TEXT_TEMPLATE", "Your code is {pin}")


def default_max_attempts() -> int:
    return getattr(settings, "OTP_DEFAULT_MAX_ATTEMPTS", 5)


def default_resend_cooldown_seconds() -> int:
    return getattr(settings, "OTP_DEFAULT_RESEND_COOLDOWN_SECONDS", 30)


def default_receiver_limit() -> int:
    return getattr(settings, "OTP_DEFAULT_RECEIVER_LIMIT", 5)


def default_receiver_window_seconds() -> int:
    return getattr(settings, "OTP_DEFAULT_RECEIVER_WINDOW_SECONDS", 600)


def default_team_hourly_limit() -> int:
    return getattr(settings, "OTP_DEFAULT_TEAM_HOURLY_LIMIT", 1000)


def receiver_hourly_limit() -> int:
    """PINs one number may get in an hour from all teams together: the cap one team's policy
    cannot give, against SMS pumping spread over several accounts."""
    return getattr(settings, "OTP_RECEIVER_HOURLY_LIMIT", 10)
