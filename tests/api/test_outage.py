"""With Redis (the cache, the queue) or the database out of reach, every dialect still answers in its
documented JSON shape, never Django's HTML 500:

- the rate limiter fails open (the request goes through uncounted, with a warning in the log);
- what guards against sending twice or pumping fails closed: 503 with Retry-After (2FA caps,
  Idempotency-Key), and nothing is sent;
- a send committed while the queue is down is answered as sent (the periodic catch-up dispatches it),
  so a client never retries a send that happened;
- any other unexpected exception is a 500 (a dependency: 503) in the dialect's shape, logged."""

import json
import logging

import pytest
import redis
from django.db import OperationalError
from django.test import Client

from api.base import DialectView
from api.models import IdempotencyRecord
from messaging.models import Message, Status
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}


def sends(user, key) -> dict[str, tuple[str, dict, dict]]:
    """(path, JSON body, headers) of one send in every dialect."""
    login = {"_login": user.email, "_password": PASSWORD}
    return {
        "messenger": (
            "/api",
            {"smstext": "Hi", "receiver": "37255555555", "sender": "Bar"},
            {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        ),
        "rest_v1": (
            "/api/rest/v1/sms/send",
            {"message": "Hi", "recipientNumber": "+37255555555"},
            {"HTTP_EMAIL": user.email, "HTTP_TOKEN": key},
        ),
        "http_message": ("/api/message", {**login, "destination_number": "+37255555555", "body": "Hi"}, {}),
        "raven": (
            "/raven/v2/messages",
            {"from": "2222", "to": "+37255555555", "text": "Hi"},
            {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        ),
        "sms_api v2": ("/api/v2/sms/send", {"numbers": "+37255555555", "message_body": "Hi"}, {"HTTP_X_API_KEY": key}),
        "sms_api v1": (
            "/v1/sms/send",
            {"username": user.email, "password": PASSWORD, "numbers": "+37255555555", "message_body": "Hi"},
            {},
        ),
    }


def post(client, path, body, headers, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **headers, **extra)


def error_text(dialect: str, body: dict) -> str:
    """The message of an error answer, read the way each dialect documents it."""
    if dialect == "messenger":
        return body["message"]
    if dialect == "rest_v1":
        return body["message"]
    if dialect == "http_message":
        (error,) = body["errors"]
        return error["detail"]
    if dialect == "raven":
        return body["meta"]["explain"]
    return body["error"]


KEYED = ["messenger", "rest_v1", "raven", "sms_api v2"]
ALL = [*KEYED, "http_message", "sms_api v1"]


@pytest.mark.parametrize("dialect", KEYED)
def test_rate_limiter_fails_open_with_redis_down(dialect, user, key, client, redis_down, caplog):
    path, body, headers = sends(user, key)[dialect]
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        response = post(client, path, body, headers)
    assert response.status_code == 200, (dialect, response.content)
    assert Message.objects.filter(team=user.team).count() == 1
    assert response["X-RateLimit-Limit"] == "60"
    assert any("Rate limit not counted" in r.getMessage() for r in caplog.records)


def test_2fa_caps_fail_closed_with_redis_down(user, key, client, redis_down):
    response = post(client, "/api/2fa/send", {"receiver": "37255555555"}, {"HTTP_AUTHORIZATION": f"Bearer {key}"})
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable: please retry later."}
    assert int(response["Retry-After"]) > 0
    assert not Message.objects.exists()


@pytest.mark.parametrize("dialect", KEYED)
def test_idempotency_fails_closed_when_its_store_is_unreachable(dialect, user, key, client, monkeypatch):
    def unreachable(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(IdempotencyRecord.objects, "create", unreachable)
    path, body, headers = sends(user, key)[dialect]
    response = post(client, path, body, headers, HTTP_IDEMPOTENCY_KEY="order-1")
    assert response.status_code == 503, (dialect, response.content)
    assert "retry" in error_text(dialect, response.json())
    assert not Message.objects.exists()


@pytest.mark.parametrize("dialect", ALL)
def test_a_send_committed_while_the_queue_is_down_is_answered_as_sent(
    dialect, user, key, client, monkeypatch, django_capture_on_commit_callbacks
):
    import messaging.tasks

    def queue_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(messaging.tasks, "dispatch", queue_down)
    path, body, headers = sends(user, key)[dialect]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, path, body, headers)
    assert response.status_code == 200, (dialect, response.content)
    assert Message.objects.get(team=user.team).status == Status.QUEUE  # the periodic catch-up sends it


@pytest.mark.parametrize("dialect", ALL)
@pytest.mark.parametrize(
    "failure, status",
    [
        (redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."), 503),
        (OperationalError("server closed the connection unexpectedly"), 503),
        (ConnectionResetError(104, "Connection reset by peer"), 503),
        (RuntimeError("a bug"), 500),
    ],
)
def test_an_unexpected_exception_is_the_dialect_shape_in_json(
    dialect, failure, status, user, key, client, monkeypatch, caplog
):
    def fail(self, request):
        raise failure

    monkeypatch.setattr(DialectView, "check_permissions", fail)
    path, body, headers = sends(user, key)[dialect]
    with caplog.at_level(logging.ERROR, logger="api.base"):
        response = post(client, path, body, headers)
    assert response.status_code == status, (dialect, response.content)
    assert response["Content-Type"] == "application/json"
    text = error_text(dialect, response.json())
    assert text == ("Service Unavailable: please retry later." if status == 503 else "Server Error")
    assert (status == 503) == ("Retry-After" in response)
    assert str(failure) not in response.content.decode()  # details go to the log, not to the client
    (record,) = [r for r in caplog.records if r.name == "api.base"]
    assert record.exc_info and record.exc_info[1] is failure
    assert not Message.objects.exists()
