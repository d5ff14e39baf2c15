"""HTTP upstream hooks (shared secret) and customer callbacks delivered for real to a local HTTP
server: signed, retried with backoff, every attempt recorded, private addresses refused."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from messaging.callbacks.delivery import callback_attempt
from messaging.callbacks.webhooks import verify
from messaging.models import Callback, Direction, Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A local HTTP server that fails the first request, then accepts; it records what it got."""
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.append((self.path, dict(self.headers), body))
            self.send_response(500 if len(got) == 1 else 200)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", got
    server.shutdown()


def test_status_callback_is_signed_retried_and_logged(receiver, settings, django_capture_on_commit_callbacks):
    settings.SMS_CALLBACKS_ALLOW_PRIVATE = True  # the test server is on loopback
    url, got = receiver
    user = UserFactory(credits=5)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            actor=user, recipients=[Recipient("+37255555555")], text="Hi", callbacks=[url + "/cb"], source="test"
        )
    callbacks = Callback.objects.filter(kind="status_json").order_by("id")
    assert [json.loads(c.body)["status"] for c in callbacks] == ["SENT", "DELIVRD"]
    first = callbacks[0]
    first.refresh_from_db()
    # The first try met a 500: a retry is due later, with the same webhook id.
    assert first.state == Callback.State.PENDING and first.attempts == 1 and first.next_attempt_at > timezone.now()
    Callback.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert callback_attempt(callback_id=first.pk) is None
    first.refresh_from_db()
    assert first.state == Callback.State.DELIVERED and first.attempts == 2
    assert [t.status_code for t in first.tries.all()] == [500, 200]
    ids = [h["X-Webhook-Id"] for _, h, b in got if json.loads(b)["status"] == "SENT"]
    assert len(ids) == 2 and ids[0] == ids[1] == str(first.webhook_id)
    path, headers, body = got[-1]
    assert path == "/cb" and verify(secret=user.team.signing_secret, headers=headers, body=body)
    assert not verify(secret="another secret", headers=headers, body=body)


def test_callbacks_to_private_addresses_are_refused_unless_allowed(receiver, django_capture_on_commit_callbacks):
    url, got = receiver
    user = UserFactory(credits=5)
    user.team.dlr_url = url + "/dlr"
    user.team.save()
    with django_capture_on_commit_callbacks(execute=True):
        message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test")
    callback = Callback.objects.get(kind="dlr_forward")
    assert callback.attempts == 1 and callback.state == Callback.State.PENDING
    assert got == []  # nothing reached the loopback server
    attempt = callback.tries.get()
    assert not attempt.ok and attempt.status_code is None and attempt.error


def test_dlruri_template_is_called_with_get_and_the_documented_placeholders(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.SMS_CALLBACKS_ALLOW_PRIVATE = True
    url, got = receiver
    user = UserFactory(credits=5)
    template = url + "/dlr?id=%smsid%&dlr=%dlr%&to=%receiver%"
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            actor=user,
            recipients=[Recipient("+37255555555", client_ref="158")],
            text="Hi",
            dlr_url=template,
            source="test",
        )
    assert got[0][0] == "/dlr?id=158&dlr=1&to=37255555555"


def test_upstream_hooks_need_the_shared_secret(client, settings, django_capture_on_commit_callbacks):
    payload = {"reports": [{"part_id": "x", "state": "DELIVRD"}]}
    assert client.post("/hooks/dlr", payload, content_type="application/json").status_code == 404  # off by default
    settings.SMS_HOOKS_SECRET = "s3cret"
    assert (
        client.post("/hooks/dlr", payload, content_type="application/json", HTTP_X_HOOKS_SECRET="nope").status_code
        == 401
    )
    settings.SMS_SIMULATOR = {"reports": False}
    user = UserFactory(credits=5)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test").messages[0]
    part = message.parts.get()
    payload = {"reports": [{"part_id": part.network_id, "state": "delivrd", "at": "2030-01-01T00:00:00Z"}]}
    response = client.post("/hooks/dlr", payload, content_type="application/json", HTTP_X_HOOKS_SECRET="s3cret")
    assert response.json() == {"accepted": 1}
    message.refresh_from_db()
    assert message.status == Status.DELIVRD
    inbound = {"messages": [{"from": "+37255555555", "to": "", "text": "Thanks"}]}
    assert client.post(
        "/hooks/inbound", inbound, content_type="application/json", HTTP_X_HOOKS_SECRET="s3cret"
    ).json() == {"accepted": 1}
    assert Message.objects.get(direction=Direction.IN).reply_to == message
    bad = client.post("/hooks/inbound", "[1,2]", content_type="application/json", HTTP_X_HOOKS_SECRET="s3cret")
    assert bad.status_code == 400
