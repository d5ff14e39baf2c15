"""/metrics: the counters move where the events happen, and only an allowed scraper reads them."""

from unittest import mock

import pytest
from prometheus_client.parser import text_string_to_metric_families

from messaging.callbacks.delivery import callback_attempt
from messaging.callbacks.webhooks import DeliveryOutcome
from messaging.models import Callback
from otp.errors import PinMismatch
from otp.services import pin_issue, pin_verify
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[tuple, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def _rest_send(client, user):
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    body = {"message": "Hello", "recipientNumber": "+37255555555"}
    return client.post("/api/rest/v1/sms/send", body, content_type="application/json", **auth)


def test_a_send_moves_accepted_final_lag_credits_and_request_latency(client, django_capture_on_commit_callbacks):
    user = UserFactory(credits=10)
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = _rest_send(client, user)
    assert response.status_code == 200, response.content
    after = scrape(client)
    assert moved(before, after, "sms_messages_accepted_total", source="rest_v1") == 1
    assert moved(before, after, "sms_messages_final_total", status="DELIVRD", gateway="simulator") == 1
    assert moved(before, after, "sms_dispatch_lag_seconds_count") == 1
    assert moved(before, after, "sms_credits_charged_total") == 1
    view = {"view": "api/rest/v1/sms/send", "method": "POST"}
    assert moved(before, after, "sms_http_request_duration_seconds_count", **view) == 1
    assert after[("sms_queue_tasks", ())] >= 0
    assert ("sms_consumer_heartbeat_age_seconds", ()) in after


def test_a_refused_send_counts_nothing(client, django_capture_on_commit_callbacks):
    user = UserFactory(credits=0)
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = _rest_send(client, user)
    assert response.status_code == 400
    after = scrape(client)
    assert moved(before, after, "sms_messages_accepted_total", source="rest_v1") == 0
    assert moved(before, after, "sms_credits_charged_total") == 0


def test_2fa_sends_verifies_and_refusals(client, django_capture_on_commit_callbacks):
    user = UserFactory(credits=10)
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        issued = pin_issue(team=user.team, actor=user, receiver="+37255555555")
    with pytest.raises(PinMismatch):
        pin_verify(team=user.team, actor=user, pin_id=issued.pin_id, pin="WRONG1")
    pin_verify(team=user.team, actor=user, pin_id=issued.pin_id, pin=issued.pin)
    after = scrape(client)
    assert moved(before, after, "sms_otp_total", event="send", outcome="sent") == 1
    assert moved(before, after, "sms_otp_total", event="verify", outcome="mismatch") == 1
    assert moved(before, after, "sms_otp_total", event="verify", outcome="verified") == 1


def test_callback_attempts_count_retrying_then_delivered(client):
    from django.utils import timezone

    user = UserFactory()
    callback = Callback.objects.create(
        team=user.team,
        kind="status_json",
        url="https://example.com/cb",
        method="POST",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    before = scrape(client)
    failed = DeliveryOutcome(ok=False, status_code=500, error="500", elapsed_ms=1, response_excerpt="")
    with mock.patch("messaging.callbacks.delivery.deliver", return_value=failed):
        assert callback_attempt(callback_id=callback.pk) is not None
    Callback.objects.filter(pk=callback.pk).update(next_attempt_at=timezone.now())
    with mock.patch(
        "messaging.callbacks.delivery.deliver",
        return_value=DeliveryOutcome(ok=True, status_code=200, error="", elapsed_ms=1, response_excerpt=""),
    ):
        assert callback_attempt(callback_id=callback.pk) is None
    after = scrape(client)
    assert moved(before, after, "sms_callbacks_total", outcome="retrying") == 1
    assert moved(before, after, "sms_callbacks_total", outcome="delivered") == 1


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.SMS_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_without_a_token_only_allowed_addresses_scrape(client, settings):
    settings.SMS_METRICS_ALLOWED_ADDRESSES = ["10.0.0.5"]
    assert client.get("/metrics").status_code == 403  # the test client calls from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200


def test_counts_of_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """Two processes (gunicorn workers, consumers) count into PROMETHEUS_MULTIPROC_DIR; a scrape sums them."""
    import os
    import subprocess
    import sys

    from prometheus_client import CollectorRegistry, multiprocess

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    script = "import django; django.setup(); from core import metrics; metrics.callback_attempted(outcome='failed')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
    assert registry.get_sample_value("sms_callbacks_total", {"outcome": "failed"}) == 2
