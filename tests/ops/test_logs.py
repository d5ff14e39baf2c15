"""Structured logs: one JSON line per request and per task, a request id shared by a request and the
tasks it enqueues, and no key, token, PIN or password in any line."""

import io
import json
import logging

import pytest
import structlog

from ops import logs
from ops.logs import REQUEST_ID_KWARG
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """Every line the project's handlers write (those with the masking filter), rendered as in production."""
    stream = io.StringIO()
    handlers = {h for name in ("", "django.server") for h in logging.getLogger(name).handlers if h.filters}
    assert handlers
    old = {h: (h.setStream(stream), h.formatter) for h in handlers}
    for h in handlers:
        h.setFormatter(logs.json_formatter())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    for h, (previous, formatter) in old.items():
        h.setStream(previous)
        h.setFormatter(formatter)


@pytest.mark.django_db(transaction=True)  # commits for real: the dispatch is enqueued inside the request
def test_a_send_logs_one_request_line_and_its_tasks_carry_its_request_id(client, lines):
    user = UserFactory(credits=5)
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    response = client.post(
        "/api/rest/v1/sms/send",
        {"message": "Hi", "recipientNumber": "+37255555555"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    written = lines()
    requests = [line for line in written if line["event"] == "request_finished"]
    assert len(requests) == 1 and requests[0]["code"] == 200 and requests[0]["request"] == "POST /api/rest/v1/sms/send"
    tasks = [line for line in written if line["event"] == "task_finished"]
    assert "dispatch" in {t["task"] for t in tasks}
    assert {t["request_id"] for t in tasks} == {requests[0]["request_id"]}
    assert not [line for line in written if line["event"] == "request_started"]


def test_the_request_id_travels_inside_the_queued_task():
    from huey.contrib.djhuey import HUEY

    from messaging.tasks import dispatch

    task = dispatch.s()
    with structlog.contextvars.bound_contextvars(request_id="req-1"):
        logs.task_enqueued("enqueued", task)
    stored = HUEY.deserialize_task(HUEY.serialize_task(task))  # as the consumer reads it
    logs.task_starting(stored)
    try:
        assert structlog.contextvars.get_contextvars()["request_id"] == "req-1"
        assert REQUEST_ID_KWARG not in stored.kwargs  # the task function never sees it
    finally:
        logs.task_finished("complete", stored)
    assert "request_id" not in structlog.contextvars.get_contextvars()


def test_no_line_holds_a_key_token_pin_or_password(client, lines, django_capture_on_commit_callbacks):
    user = UserFactory(credits=20)
    key = issue_key(user)
    secrets = [key, PASSWORD, "wrong-password-77"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/2fa/send?api_token={key}&receiver=%2B37255555555").json()["response"]
        secrets.append(sent["pin"])
        client.post(f"/api/2fa/verify?api_token={key}&pin={sent['pin']}&pin_id={sent['pin_id']}")
        client.post(f"/api/2fa/verify?api_token={key}&pin=ZZ9999&pin_id={sent['pin_id']}")
        client.post(f"/api?api_token={key}&smstext=Hi&receiver=37255555555&sender=Bar")
        client.get(f"/api/v2/account/balance?api_key={key}")
        client.get(f"/api/rest/v1/sms/send-url/{key}?message=x")
        client.post("/login/", {"username": user.email, "password": "wrong-password-77"})
        client.post("/login/", {"username": user.email, "password": PASSWORD})
    written = lines()
    assert len([line for line in written if line["event"] == "request_finished"]) == 8
    text = "\n".join(json.dumps(line) for line in written)
    for secret in secrets:
        assert secret not in text, secret


def test_a_callback_runs_on_the_pool_thread_with_the_request_id_of_its_task():
    import threading

    from messaging.callbacks.workers import FairPool

    seen, done = [], threading.Event()

    def run(key, item):
        seen.append(structlog.contextvars.get_contextvars().get("request_id"))
        done.set()

    pool = FairPool(workers=1, per_key=1, run=run, name="test")
    with structlog.contextvars.bound_contextvars(request_id="req-9"):
        pool.submit(key=1, item=42)
    assert done.wait(10)
    assert seen == ["req-9"]
