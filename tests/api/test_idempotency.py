"""Idempotency-Key: the same key replays the first answer and sends nothing again; another body
with the same key is refused; keys are per team; concurrent duplicates give one message."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from messaging.models import Message
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db
BODY = {"message": "Once only", "recipientNumber": "+27725551234"}


@pytest.fixture
def user():
    return UserFactory(credits=10)


@pytest.fixture
def send(api, user, django_capture_on_commit_callbacks):
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}

    def go(body=BODY, key="order-4711", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/rest/v1/sms/send", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **auth, **extra)

    return go


def test_a_retry_replays_the_first_answer_and_charges_nothing_more(send, user):
    first = send()
    second = send()
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1
    user.refresh_from_db()
    assert user.balance == Decimal(9)


def test_same_key_with_another_body_is_refused(send):
    send()
    response = send(body={**BODY, "message": "Something else"})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert Message.objects.count() == 1


def test_keys_are_per_team_and_errors_are_not_kept(send, api):
    assert send(body={**BODY, "recipientNumber": "12"}).status_code == 400  # bad input: nothing stored...
    assert send().status_code == 200  # ...so the same key works once the input is fixed
    other = UserFactory(credits=5)
    auth = {"HTTP_EMAIL": other.email, "HTTP_TOKEN": issue_key(other)}
    response = api.post("/api/rest/v1/sms/send", BODY, format="json", HTTP_IDEMPOTENCY_KEY="order-4711", **auth)
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Message.objects.count() == 2


def test_overlong_key_is_refused(send):
    assert send(key="k" * 256).status_code == 400
    assert not Message.objects.exists()


def test_other_dialects_honour_the_key_too(api, user, django_capture_on_commit_callbacks):
    key = issue_key(user)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/raven/v2/messages",
                {"from": "Acme", "text": "Hi", "to": "+37255555555"},
                format="json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
                HTTP_IDEMPOTENCY_KEY="raven-1",
            )
    assert response.status_code == 200 and response["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_threads_with_one_key_send_one_message():
    user = UserFactory(credits=10)
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    start, statuses = threading.Barrier(10), []

    def post():
        try:
            start.wait()
            response = APIClient().post(
                "/api/rest/v1/sms/send", BODY, format="json", HTTP_IDEMPOTENCY_KEY="race", **auth
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Message.objects.count() == 1
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 409}
    user.refresh_from_db()
    assert user.balance == Decimal(9)


def test_an_oversized_body_is_refused_in_the_dialect_shape(api, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    response = api.post("/api/rest/v1/sms/send", {**BODY, "message": "x" * 2000}, format="json", **auth)
    assert response.status_code == 413 and response.json()["message"] == "The request body is too large."
    assert not Message.objects.exists()
