"""Two-factor PINs and each team's 2FA policy.

A PIN's life (the status is read from the row, never stored)::

    pending ──right PIN, attempts left──▶ verified
       │
       ├──max_attempts failed tries──▶ failed    (even the right PIN fails from then on)
       └──expires_at passed, or a newer PIN for the receiver──▶ expired

The PIN itself is never stored: `pin_hash` is HMAC-SHA256(server key, pin_id + PIN), emptied as soon
as the PIN can no longer be verified. The row stays as the team's verification log for
`OTP_LOG_RETENTION_DAYS`, and counts towards the receiver's send caps (the team's hourly cap is
counted in the cache: see otp/services.py).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Team, User

from . import conf


class PinStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"


class OtpPolicy(models.Model):
    """A team's 2FA settings, created with the platform defaults (otp/conf.py) on first use."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="otp_policy")
    digits_only = models.BooleanField(
        default=False,
        help_text=f"PINs of digits only (then at least {conf.DIGITS_ONLY_MIN_LENGTH} long); "
        "otherwise upper-case letters and digits.",
    )
    text_template = models.CharField(
        max_length=300, default=conf.default_text_template, help_text="The SMS text; {pin} is replaced by the PIN."
    )
    sender = models.CharField(max_length=15, blank=True, help_text="Empty: the team's default sender.")
    max_attempts = models.PositiveSmallIntegerField(
        default=conf.default_max_attempts, help_text="Failed tries per PIN, after which even the right PIN fails."
    )
    resend_cooldown_seconds = models.PositiveIntegerField(
        default=conf.default_resend_cooldown_seconds, help_text="Seconds between two PINs to the same receiver."
    )
    receiver_limit = models.PositiveIntegerField(
        default=conf.default_receiver_limit, help_text="PINs per receiver within the receiver window."
    )
    receiver_window_seconds = models.PositiveIntegerField(default=conf.default_receiver_window_seconds)
    team_hourly_limit = models.PositiveIntegerField(
        default=conf.default_team_hourly_limit, help_text="PINs per hour for the whole team (against SMS pumping)."
    )
    allowed_countries = models.JSONField(
        default=list, blank=True, help_text='ISO codes PINs may be sent to, e.g. ["EE", "FI"]; empty: any.'
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "2FA policy"
        verbose_name_plural = "2FA policies"
        constraints = [
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="otp_policy_attempts_positive"),
            models.CheckConstraint(condition=Q(receiver_limit__gte=1), name="otp_policy_receiver_limit_positive"),
            models.CheckConstraint(condition=Q(receiver_window_seconds__gte=1), name="otp_policy_window_positive"),
            models.CheckConstraint(condition=Q(team_hourly_limit__gte=1), name="otp_policy_team_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"2FA policy of {self.team}"


class Pin(models.Model):
    """One PIN sent to a receiver, and its verification."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pin_id = models.CharField(max_length=conf.PIN_ID_LENGTH, unique=True)
    receiver = models.CharField(max_length=20, help_text="E.164")
    pin_hash = models.CharField(
        max_length=64, blank=True, help_text="HMAC-SHA256 of pin_id and PIN; emptied once it cannot be verified."
    )
    pin_length = models.PositiveSmallIntegerField()
    digits_only = models.BooleanField(default=False, help_text="The PIN's alphabet: digits, or letters and digits.")
    text_offset = models.PositiveSmallIntegerField(default=0, help_text="Where the PIN stands in its message's text.")
    max_attempts = models.PositiveSmallIntegerField(help_text="The team's limit when the PIN was sent.")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed verification tries.")
    message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "2FA PIN"
        verbose_name_plural = "2FA PINs"
        indexes = [
            models.Index(fields=["team", "receiver", "-created_at"], name="otp_pin_team_receiver"),
            models.Index(fields=["team", "-created_at"], name="otp_pin_team_created"),
            models.Index(fields=["created_at"], name="otp_pin_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="otp_pin_attempts_positive"),
            models.CheckConstraint(condition=Q(expires_at__gte=F("created_at")), name="otp_pin_expires_after_created"),
        ]

    def __str__(self) -> str:
        return f"PIN {self.pk} to {self.receiver}"

    def status_at(self, now) -> PinStatus:
        """The same rule as selectors.pin_status_expression, for one row in hand."""
        if self.verified_at is not None:
            return PinStatus.VERIFIED
        if self.attempts >= self.max_attempts:
            return PinStatus.FAILED
        if self.expires_at <= now:
            return PinStatus.EXPIRED
        return PinStatus.PENDING
