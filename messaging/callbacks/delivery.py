"""Delivering customer callbacks: signed, retried with backoff, every try recorded, and skipped
(rescheduled, not counted as a try) while their host's circuit breaker is open."""

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import metrics
from core.enqueue import enqueue_later, enqueue_on_commit
from messaging.callbacks.webhooks import (
    MAX_ATTEMPTS,
    HostBreaker,
    backoff_seconds,
    deliver,
    signature_headers,
    url_host,
)
from messaging.models import Callback, CallbackAttempt

LEASE = timedelta(minutes=2)
# Hosts that keep failing, per consumer process: one team's dead URL costs a few tries, not a
# timeout per callback (SMS_CALLBACK_BREAKER_FAILURES in a row open it for SMS_CALLBACK_BREAKER_SECONDS).
BREAKER = HostBreaker()


def callback_attempt(*, callback_id: int) -> int | None:
    """Try one delivery. Returns seconds until the next try, or None when done (or not ours to do)."""
    now = timezone.now()
    # Claim it: two workers given the same callback cannot both deliver it.
    claimed = Callback.objects.filter(pk=callback_id, state=Callback.State.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE
    )
    if not claimed:
        return None
    callback = Callback.objects.select_related("team").get(pk=callback_id)
    host, cooldown = url_host(callback.url), settings.SMS_CALLBACK_BREAKER_SECONDS
    wait = math.ceil(BREAKER.wait(host, cooldown=cooldown))
    if wait:
        Callback.objects.filter(pk=callback.pk).update(next_attempt_at=now + timedelta(seconds=wait))
        return wait
    body = callback.body.encode()
    headers = signature_headers(secret=callback.team.signing_secret, webhook_id=str(callback.webhook_id), body=body)
    if callback.content_type:
        headers["Content-Type"] = callback.content_type
    outcome = deliver(
        method=callback.method,
        url=callback.url,
        body=body if callback.method != "GET" else None,
        headers=headers,
        timeout=settings.SMS_CALLBACK_TIMEOUT_SECONDS,
        allow_private=settings.SMS_CALLBACKS_ALLOW_PRIVATE,
    )
    BREAKER.record(host, ok=outcome.ok, failures=settings.SMS_CALLBACK_BREAKER_FAILURES, cooldown=cooldown)
    attempts = callback.attempts + 1
    retry_in = None if outcome.ok or attempts >= MAX_ATTEMPTS else backoff_seconds(attempts)
    with transaction.atomic():
        CallbackAttempt.objects.create(
            callback=callback,
            at=now,
            ok=outcome.ok,
            status_code=outcome.status_code,
            error=outcome.error[:500],
            elapsed_ms=outcome.elapsed_ms,
        )
        state = (
            Callback.State.DELIVERED if outcome.ok else (Callback.State.PENDING if retry_in else Callback.State.FAILED)
        )
        Callback.objects.filter(pk=callback.pk).update(
            attempts=attempts,
            state=state,
            next_attempt_at=now + timedelta(seconds=retry_in) if retry_in else None,
        )
    metrics.callback_attempted(outcome="delivered" if outcome.ok else ("retrying" if retry_in else "failed"))
    return retry_in


def callback_run(team_id: int | None, callback_id: int) -> None:
    """One delivery attempt, and the next one scheduled when it failed (or its host's breaker is open)."""
    retry_in = callback_attempt(callback_id=callback_id)
    if retry_in is not None:
        enqueue_later("messaging.tasks.callback_deliver", callback_id, team_id, delay=retry_in)


def callback_resend(*, callback: Callback) -> Callback:
    """Support staff resend a callback: a fresh round of tries with the same webhook id."""
    Callback.objects.filter(pk=callback.pk).update(
        state=Callback.State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    enqueue_on_commit("messaging.tasks.callback_deliver", callback.pk)
    callback.refresh_from_db()
    return callback
