"""Reading the send times the dialects document, in the team's time zone."""

import contextlib
import zoneinfo
from datetime import datetime, timedelta

from django.utils import timezone

from core.errors import ValidationFailed

# Seed 000 `deliverytime`, seed 001 `dateToSend` (yyyyMMddHHmm) and friends; then ISO 8601 (tried
# last: Python reads "203001151030" as ISO basic format with a different meaning). Shorter formats
# first: strptime lets %S take one digit of a 12-digit time.
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d%H%M", "%Y%m%d%H%M%S", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")


def parse_send_time(value: object, *, time_zone: str, field: str) -> datetime | None:
    """An aware datetime, or None when no time was given. Times without an offset are the team's."""
    text = str(value or "").strip()
    if not text:
        return None
    parsed = None
    for fmt in FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)  # made aware below, in the team's zone
            break
        except ValueError:
            continue
    if parsed is None:
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed is None:
        raise ValidationFailed(f"The {field} must be a date and time such as 2030-12-30 15:30:00.", field=field)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    return parsed


PAST_GRACE = timedelta(minutes=1)  # a picker gives whole minutes: "this minute" is not the past
PAST_MESSAGE = "The send time {when} has already passed. Pick a later time, or leave it empty to send now."


def refuse_past(when: datetime | None, *, field: str = "scheduled_at") -> None:
    """A dashboard send time in the past is refused (ValidationFailed), not read as "now"."""
    if when is not None and when < timezone.now() - PAST_GRACE:
        shown = timezone.localtime(when, when.tzinfo).strftime("%Y-%m-%d %H:%M")
        raise ValidationFailed(PAST_MESSAGE.format(when=shown), field=field)
