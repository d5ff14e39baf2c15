"""An HTTP upstream as a connector, against a real local HTTP server (the network edge): a 2xx
accepts the message, with our id and the credentials in the request; a 5xx refuses it for now, so
it moves to the next connector of its route; a 4xx refuses it for good (refunded)."""

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from messaging.models import Status
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from tests.factories import UserFactory
from tests.messaging.routing.helpers import connector, route, send, statuses

pytestmark = pytest.mark.django_db


class Upstream(BaseHTTPRequestHandler):
    received: list[tuple[dict, str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Upstream.received.append((body, self.headers.get("Authorization", "")))
        status = 503 if body["to"].startswith("+3725") else 400 if body["to"].startswith("+3726") else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"part_ids": [f"up-{body['id']}"]} if status == 200 else {}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    Upstream.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()


def test_an_http_upstream_accepts_refuses_for_now_and_for_good(upstream):
    http = connector("upstream", "http", settings={"url": upstream, "username": "acme"}, password="pw-123")
    route(http, connector("fallback"))  # a simulator
    user = UserFactory(credits=10)
    accepted, busy, refused = send("+4915112345678", "+37255512345", "+37265512345", user=user)
    dispatch_due(gateway=get_gateway(), limit=10)
    assert statuses([accepted, busy, refused]) == [Status.SENT, Status.DELIVRD, Status.REJECTD]
    assert accepted.parts.get().network_id == f"up-{accepted.pk}"  # its receipts come to /hooks/dlr
    body, auth = Upstream.received[0]
    assert body["id"] == str(accepted.pk) and body["text"] == "Hi"
    assert auth == "Basic " + base64.b64encode(b"acme:pw-123").decode()
    user.refresh_from_db()
    assert user.balance == 8  # the refused message was refunded
