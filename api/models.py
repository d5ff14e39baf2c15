from django.db import models
from django.utils import timezone

from accounts.models import Team


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an `Idempotency-Key`, replayed for 24 hours to the
    same credential only (api.idempotency). An answer that held a secret is never stored: its
    record keeps a conflict that names what was done instead."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    credential = models.CharField(
        max_length=40, default="", help_text="Who may replay it: `key:<API key id>` or `user:<user id>`."
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path, query and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "credential", "key"], name="idempotency_unique_credential_key")
        ]
