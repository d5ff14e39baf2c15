"""Contacts, groups, templates and keyword auto-replies of a team, and the CSV imports that fill them.
The blacklist, which sending applies, is messaging's (messaging.models.BlacklistEntry).

Numbers are stored in E.164 (`core.numbers.normalize_number` with the team's default
country), unique per team. A contact's `fields` is a flat JSON object of custom values that a
text can use as `%key%` variables, next to the built-in `%first_name%`, `%last_name%`, `%title%`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Team
from messaging import pricing
from messaging.personalise import variable_names
from messaging.pricing import PriceBook, Quote


class Contact(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="contacts")
    number = models.CharField(max_length=20, help_text="E.164")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    fields = models.JSONField(default=dict, blank=True, help_text="Custom values, usable in a text as %key% variables.")
    notes = models.TextField(blank=True)
    groups = models.ManyToManyField("Group", through="Membership", related_name="contacts", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["team", "number"], name="contact_unique_number")]
        indexes = [models.Index(fields=["team", "last_name", "first_name"], name="contact_team_name")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.number}>" if self.full_name else self.number

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def variables(self) -> dict[str, object]:
        """What `%name%` in a text becomes for this contact; the built-in names win over custom keys."""
        return {
            **(self.fields if isinstance(self.fields, dict) else {}),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "title": self.title,
            "number": self.number,
            "email": self.email,
        }


class Group(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="contact_groups")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="group_unique_name")]
        verbose_name = "contact group"  # not the login (permission) groups of the admin

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A contact in a group. The unique key (group, contact) is also the index for "members of a group";
    the second index serves "groups of a contact"."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "contact"], name="membership_unique")]
        indexes = [models.Index(fields=["contact", "group"], name="membership_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.group_id}"


class Keyword(models.Model):
    """A team's keyword auto-reply: an inbound message whose first word is `word` (any case) gets
    `reply_text` back, sent and charged like any message, and its sender can join `group`. The table
    keeps the name it was created with in messaging."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="keywords")
    word = models.CharField(max_length=30, help_text="One word, stored in capitals; matched in any case.")
    reply_text = models.TextField("reply", help_text="Sent back to whoever texts the keyword.")
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Contact group the sender joins (a contact is created for a new number).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "messaging_keyword"
        ordering = ["word"]
        constraints = [models.UniqueConstraint(fields=["team", "word"], name="keyword_unique_word")]

    def __str__(self) -> str:
        return self.word


class Template(models.Model):
    """A saved text. Its variables and its price are derived from the text, never stored."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=100)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def variables(self) -> list[str]:
        return variable_names(self.text)

    def quote(self, prices: PriceBook | None = None) -> Quote:
        """Segments and credits of the text as written (before variables are filled in)."""
        return pricing.quote(team=self.team, text=self.text, prices=prices)


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    BLACKLIST = "blacklist", "Blacklist numbers"


class ImportStatus(models.TextChoices):
    """uploaded -> queued -> running -> done | failed. Only `uploaded` can be started, only `queued`
    can be claimed by the task (guarded updates), so a task that runs twice does nothing the second time."""

    UPLOADED = "uploaded", "Uploaded (preview)"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ContactImport(models.Model):
    """One CSV upload. The decoded text is kept here until the import has run (then cleared)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="contact_imports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=10, choices=ImportKind.choices, default=ImportKind.CONTACTS)
    filename = models.CharField(max_length=255, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    content = models.TextField(blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes uploaded.")
    mapping = models.JSONField(default=dict, blank=True, help_text="Field name -> column position.")
    has_header = models.BooleanField(default=True)
    keep_other_columns = models.BooleanField(
        default=True, help_text="Columns not mapped to a field become custom fields, named after their header."
    )
    record_count = models.PositiveIntegerField(default=0, help_text="Non-empty CSV records, header included.")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    grouped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, value, reason}], the first few thousand.")
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent of rows processed, 0..100."""
        if self.status == ImportStatus.DONE:
            return 100
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
