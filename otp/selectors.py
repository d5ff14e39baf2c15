"""Reads of PINs and policies, always scoped to a team."""

from datetime import datetime

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Team, User
from accounts.permissions import Action, scope

from .models import OtpPolicy, Pin, PinStatus


def pin_status_expression(*, now: datetime) -> Case:
    """A PIN's status as SQL (see the drawing in otp/models.py; Pin.status_at is the same rule)."""
    return Case(
        When(verified_at__isnull=False, then=Value(PinStatus.VERIFIED.value)),
        When(attempts__gte=F("max_attempts"), then=Value(PinStatus.FAILED.value)),
        When(expires_at__lte=now, then=Value(PinStatus.EXPIRED.value)),
        default=Value(PinStatus.PENDING.value),
    )


def pin_list(
    *, team: Team, actor: User | None, status: str | None = None, now: datetime | None = None
) -> QuerySet[Pin]:
    """The team's PINs `actor` may see (a PIN is a message: members see the ones they requested),
    newest first, each annotated with `status`; never the hash."""
    now = now or timezone.now()
    pins = (
        Pin.objects.filter(team=team)
        .defer("pin_hash")
        .select_related("requested_by")
        .annotate(status=pin_status_expression(now=now))
    )
    if actor is not None:
        pins = scope(pins, actor=actor, action=Action.MESSAGE_READ, user_field="requested_by")
    if status in PinStatus.values:
        pins = pins.filter(status=status)
    return pins


def dead_pins(*, now: datetime) -> Q:
    """PINs that can no longer be verified (verified, failed or expired)."""
    return Q(verified_at__isnull=False) | Q(attempts__gte=F("max_attempts")) | Q(expires_at__lte=now)


def otp_policy_get(*, team: Team) -> OtpPolicy:
    """The team's policy, or an unsaved one with the platform defaults when it has none yet."""
    return OtpPolicy.objects.filter(team=team).first() or OtpPolicy(team=team)
