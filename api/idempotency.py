"""`Idempotency-Key` for every dialect's POST: the same key (per team, 24 hours) replays the first
answer and sends and charges nothing again; the same key with another request is 422; a duplicate
while the first is still running is 409.

The key is claimed in its own committed row first (so a concurrent duplicate sees it), then the
request's work and the stored answer commit together: a crash leaves no half-done send behind, and
its claim is released."""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts.errors import DomainError, ErrorCode, ValidationFailed

from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY = 255
KEPT = timedelta(hours=24)


class Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for piece in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(piece.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def claim(request, team) -> IdempotencyRecord | None:
    """The claimed record for this request, None when it has no key; raises Replay or a DomainError."""
    key = request.META.get(HEADER, "")
    if not key or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if len(key) > MAX_KEY:
        raise ValidationFailed(f"The Idempotency-Key may be at most {MAX_KEY} characters.", field="Idempotency-Key")
    now, print_ = timezone.now(), fingerprint(request)
    IdempotencyRecord.objects.filter(team=team, key=key, created_at__lt=now - KEPT).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(team=team, key=key, fingerprint=print_, created_at=now)
    except IntegrityError:
        pass
    first = IdempotencyRecord.objects.filter(team=team, key=key).first()
    if first is None:  # released in the meantime: let the client retry
        raise DomainError("The first request with this Idempotency-Key failed; retry.", code=ErrorCode.CONFLICT)
    if first.fingerprint != print_:
        raise ValidationFailed("This Idempotency-Key was used with a different request.", field="Idempotency-Key")
    if first.completed_at is None:
        raise DomainError("A request with this Idempotency-Key is still being processed.", code=ErrorCode.CONFLICT)
    response = HttpResponse(bytes(first.body or b""), status=first.status_code, content_type=first.content_type)
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def complete(record: IdempotencyRecord, response) -> None:
    """Store the (rendered) answer; call inside the request's transaction."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        body=response.content,
        content_type=response.get("Content-Type", "application/json"),
        completed_at=timezone.now(),
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
