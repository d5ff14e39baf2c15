"""`Idempotency-Key` for every dialect's POST: the same key (per credential, 24 hours) replays the
first answer and sends and charges nothing again; the same key with another request is 422; a
duplicate while the first is still running is 409.

A key belongs to the credential that sent it: the API key when the request carried one, else the
user (password dialects). Another member of the team, or another key of the same user, using the
same Idempotency-Key starts a request of its own and never sees the first answer.

An answer that holds a secret (a new API key) is never stored: the view marks it with
`withhold_from_replay`, and the record keeps the dialect's conflict answer instead, so a retry
learns the work was done (and the key's prefix) without a copy of the secret living on.

The key is claimed in its own committed row first (so a concurrent duplicate sees it), then the
request's work and the stored answer commit together: a crash leaves no half-done send behind, and
its claim is released."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts.models import ApiKey
from core.errors import DomainError, ErrorCode, ValidationFailed

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


def credential_of(request) -> str:
    """Who may replay: the API key of the request, else its user (DRF sets both on the request)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return f"key:{auth.pk}"
    return f"user:{request.user.pk}"


def claim(request, team) -> IdempotencyRecord | None:
    """The claimed record for this request, None when it has no key; raises Replay or a DomainError."""
    key = request.META.get(HEADER, "")
    if not key or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if len(key) > MAX_KEY:
        raise ValidationFailed(f"The Idempotency-Key may be at most {MAX_KEY} characters.", field="Idempotency-Key")
    now, print_, scope = timezone.now(), fingerprint(request), {"team": team, "credential": credential_of(request)}
    IdempotencyRecord.objects.filter(**scope, key=key, created_at__lt=now - KEPT).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(**scope, key=key, fingerprint=print_, created_at=now)
    except IntegrityError:
        pass
    first = IdempotencyRecord.objects.filter(**scope, key=key).first()
    if first is None:  # released in the meantime: let the client retry
        raise DomainError("The first request with this Idempotency-Key failed; retry.", code=ErrorCode.CONFLICT)
    if first.fingerprint != print_:
        raise ValidationFailed("This Idempotency-Key was used with a different request.", field="Idempotency-Key")
    if first.completed_at is None:
        raise DomainError("A request with this Idempotency-Key is still being processed.", code=ErrorCode.CONFLICT)
    response = HttpResponse(bytes(first.body or b""), status=first.status_code, content_type=first.content_type)
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def withhold_from_replay(response, *, status: int, body: dict):
    """Mark an answer that holds a secret: its Idempotency-Key stores `body` (a JSON object in the
    dialect's own error shape, without the secret) with `status` in its place."""
    response.idempotency_stand_in = (status, body)
    return response


def complete(record: IdempotencyRecord, response) -> None:
    """Store the (rendered) answer, or its stand-in when it holds a secret; call inside the
    request's transaction."""
    stand_in = getattr(response, "idempotency_stand_in", None)
    if stand_in is not None:
        status, content, content_type = stand_in[0], json.dumps(stand_in[1]).encode(), "application/json"
    else:
        status, content, content_type = (
            response.status_code,
            response.content,
            response.get("Content-Type", "application/json"),
        )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status, body=content, content_type=content_type, completed_at=timezone.now()
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
