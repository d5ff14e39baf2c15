"""Teams, their users, the credit ledger and API keys.

A user's `balance` is a cache of the sum of that user's ledger rows; services change both in one
transaction, the database refuses a negative balance, and `manage.py audit_credits` proves the
two agree.
"""

import secrets
import zoneinfo
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

CREDIT_FIELD = {"max_digits": 16, "decimal_places": 4}


def new_signing_secret() -> str:
    return secrets.token_hex(32)


class Team(models.Model):
    name = models.CharField(max_length=200)
    default_country = models.CharField(
        max_length=2, default="EE", help_text="ISO 3166 code used to read national numbers such as 0701234567."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    low_balance_threshold = models.DecimalField(**CREDIT_FIELD, default=Decimal("10"))
    default_sender = models.CharField(max_length=15, blank=True)
    skip_blacklisted = models.BooleanField(
        default=True, help_text="Recipients on the blacklist are not sent to (status BLACKLISTED, not charged)."
    )
    dlr_url = models.URLField("delivery-report URL", max_length=500, blank=True)
    reply_url = models.URLField("reply-forward URL", max_length=500, blank=True)
    signing_secret = models.CharField(
        max_length=64, default=new_signing_secret, help_text="Key of the HMAC-SHA256 signature on every callback."
    )
    api_rate_limit = models.PositiveIntegerField(
        "API requests per minute per key", null=True, blank=True, help_text="Empty: the platform default."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Where the team's times are shown, read and exported (UTC for a name this Python does not
        know: the settings form refuses one, an old row may hold one)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Operators belong to one team; support staff (is_staff) need none."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    contact_number = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    balance = models.DecimalField(**CREDIT_FIELD, default=Decimal("0"), editable=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="user_balance_not_negative")]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", "Top-up"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    ADJUSTMENT = "adjustment", "Adjustment"


class CreditEntry(models.Model):
    """One movement of credits: positive adds to the user's balance, negative takes away."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="credit_entries")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="credit_entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(**CREDIT_FIELD)
    balance_after = models.DecimalField(**CREDIT_FIELD)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(max_length=255, blank=True)
    transfer_id = models.UUIDField(null=True, blank=True, db_index=True, help_text="Pairs both rows of a transfer.")
    message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey("messaging.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "credit entries"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="entry_balance_after_not_negative"),
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} for {self.user_id}"


class KeyKind(models.TextChoices):
    API = "api", "API key"
    URL = "url", "URL-sending token"


class ApiKey(models.Model):
    """A secret shown once; only its SHA-256 is kept (keys are long random strings, so a fast hash is safe).

    A key made with another key (seed 004's generate-key) records it as `parent`: it expires no later
    than its parent, and revoking a key revokes every key made with it (accounts.services.keys)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="The key this key was made with, if any.",
    )
    kind = models.CharField(max_length=3, choices=KeyKind.choices, default=KeyKind.API)
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.get_kind_display()})"

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class StaffPermissionGroup(AuthGroup):
    """Django's auth groups under a name support staff cannot mix up with a team's contact groups."""

    class Meta:
        proxy = True
        verbose_name = "staff permission group"
