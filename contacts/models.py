"""Contacts, groups, templates and the blacklist of a team."""

from django.db import models
from django.utils import timezone

from accounts.models import Team


class BlacklistSource(models.TextChoices):
    API = "api", "API"
    WEB = "web", "Dashboard"
    ADMIN = "admin", "Admin"
    REPLY = "reply", "Opt-out reply"
    IMPORT = "import", "CSV import"


class BlacklistEntry(models.Model):
    """A number the team does not send to (when its `skip_blacklisted` setting is on)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="blacklist")
    number = models.CharField(max_length=20, help_text="E.164")
    source = models.CharField(max_length=10, choices=BlacklistSource.choices, default=BlacklistSource.API)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "blacklist entries"
        constraints = [models.UniqueConstraint(fields=["team", "number"], name="blacklist_unique_number")]

    def __str__(self) -> str:
        return self.number
