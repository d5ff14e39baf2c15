"""The platform's counters, in one place: services call these functions where each event happens
and know nothing of Prometheus.

prometheus-client keeps the values. With PROMETHEUS_MULTIPROC_DIR set (before the process starts,
the same directory for every gunicorn worker and huey consumer of a host, emptied when they start)
every process writes its values to files there and /metrics adds them up, so the counts hold across
workers and consumers; without it (local runs, tests) they live in this process.

Stored facts (messages accepted, final statuses, credits charged) are counted once their transaction
commits; events (callback attempts, 2FA refusals, requests) when they happen."""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from prometheus_client import Counter, Histogram

MESSAGES_ACCEPTED = Counter(
    "sms_messages_accepted_total", "Messages stored and charged, by the dialect or page that sent them.", ["source"]
)
MESSAGES_FINAL = Counter(
    "sms_messages_final_total", "Messages that reached a final status, by status and gateway.", ["status", "gateway"]
)
DISPATCH_LAG = Histogram(
    "sms_dispatch_lag_seconds",
    "From the moment a message fell due (accepted, or its scheduled time) to the gateway's acceptance.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
)
CALLBACKS = Counter(
    "sms_callbacks_total",
    "Callback attempts: delivered, retrying (failed, tried again later), failed (gave up).",
    ["outcome"],
)
OTP = Counter("sms_otp_total", "2FA: PINs sent, verified and refused (with the reason).", ["event", "outcome"])
CREDITS_CHARGED = Counter("sms_credits_charged_total", "Credits charged to teams (refunds not deducted).")
REQUEST_LATENCY = Histogram(
    "sms_http_request_duration_seconds",
    "Time to answer a request, by URL pattern and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter("sms_http_responses_total", "Answers by URL pattern and status class.", ["view", "status"])


def _after_commit(count: object) -> None:
    transaction.on_commit(count, robust=True)


def gateway_name() -> str:
    """The configured gateway as a short label (a dotted path keeps its last part)."""
    return str(settings.SMS_GATEWAY).rsplit(".", 1)[-1]


def messages_accepted(*, source: str, count: int) -> None:
    if count:
        _after_commit(lambda: MESSAGES_ACCEPTED.labels(source=source).inc(count))


def messages_finished(*, status: str, count: int) -> None:
    if count:
        gateway = gateway_name()
        _after_commit(lambda: MESSAGES_FINAL.labels(status=str(status), gateway=gateway).inc(count))


def dispatch_lag(*, seconds: Iterable[float]) -> None:
    for value in seconds:
        DISPATCH_LAG.observe(max(0.0, value))


def callback_attempted(*, outcome: str) -> None:
    CALLBACKS.labels(outcome=outcome).inc()


def pin_event(*, event: str, outcome: str) -> None:
    OTP.labels(event=event, outcome=outcome).inc()


def credits_charged(*, amount: Decimal) -> None:
    if amount:
        value = float(amount)
        _after_commit(lambda: CREDITS_CHARGED.inc(value))


def request_observed(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(view=view, method=method).observe(seconds)
    RESPONSES.labels(view=view, status=f"{status // 100}xx").inc()
