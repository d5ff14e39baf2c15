"""Outbound webhooks against a real HTTP server on 127.0.0.1; no database.

Every other address appears only in `check_url` decisions: the autouse guard below fails the
test if anything tries to open a connection that is not to 127.0.0.1.
"""

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.safe_urls import UnsafeUrl, check_url
from messaging.callbacks.webhooks import (
    MAX_ATTEMPTS,
    backoff_seconds,
    deliver,
    expand_dlr_template,
    sign,
    signature_headers,
    verify,
)

SECRET = "whsec_test"


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _reply(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.hits.append(Hit(self.command, self.path, dict(self.headers.items()), body))
        path = urlsplit(self.path).path
        try:
            if path == "/ok":
                self._reply(200, b"thanks")
            elif path == "/big":
                self._reply(200, "é".encode() * 100_000)
            elif path == "/fail":
                self._reply(500, b"boom")
            elif path == "/redirect":
                self._reply(302, b"", {"Location": f"http://127.0.0.1:{self.server.server_port}/target"})
            elif path == "/target":
                self._reply(200, b"should never be reached")
            elif path == "/slow":
                time.sleep(2)
                self._reply(200, b"late")
            elif path == "/drip":
                # One byte every 50 ms: each read succeeds well inside a per-read timeout.
                for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 60:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
        except OSError:
            pass  # the client gave up first, as the timeout tests intend


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    hits: list[Hit]


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_port}{path}"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """httpcore connects through socket.create_connection; refuse (and report) anything but 127.0.0.1."""
    real = socket.create_connection
    strays: list[object] = []

    def guarded(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        if address[0] != "127.0.0.1":
            strays.append(address)
            raise ConnectionRefusedError("tests may only connect to 127.0.0.1")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    yield
    assert strays == [], f"a test tried to connect to {strays}"


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer getaddrinfo for the given names; every other name goes to the real resolver."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: str, port: object, *args: object, **kwargs: object) -> list[tuple]:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [(family[ipaddress.ip_address(a).version], socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


# --- deliver -------------------------------------------------------------------------------


def test_post_is_delivered_with_signature_the_receiver_can_verify(server: _Server) -> None:
    body = b'{"event": "dlr", "status": "delivered"}'
    headers = {"Content-Type": "application/json", **signature_headers(secret=SECRET, webhook_id="wh_1", body=body)}

    outcome = deliver(method="POST", url=_url(server, "/ok"), body=body, headers=headers, allow_private=True)

    assert outcome.ok and outcome.status_code == 200 and outcome.error == ""
    assert outcome.response_excerpt == "thanks"
    assert outcome.elapsed_ms >= 0
    [hit] = server.hits
    assert (hit.method, hit.body) == ("POST", body)
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.headers["Host"] == f"127.0.0.1:{server.server_port}"
    assert verify(secret=SECRET, headers=hit.headers, body=hit.body)
    assert not verify(secret=SECRET, headers=hit.headers, body=hit.body + b" ")
    assert not verify(secret="another secret", headers=hit.headers, body=hit.body)


def test_server_error_is_a_failure_with_its_status(server: _Server) -> None:
    outcome = deliver(method="POST", url=_url(server, "/fail"), body=b"x", headers={}, allow_private=True)

    assert not outcome.ok
    assert outcome.status_code == 500
    assert "500" in outcome.error
    assert outcome.response_excerpt == "boom"


def test_redirect_is_not_followed(server: _Server) -> None:
    outcome = deliver(method="GET", url=_url(server, "/redirect"), body=None, headers={}, allow_private=True)

    assert not outcome.ok
    assert outcome.status_code == 302
    assert "redirect" in outcome.error
    assert [hit.path for hit in server.hits] == ["/redirect"]


def test_slow_server_times_out(server: _Server) -> None:
    outcome = deliver(method="GET", url=_url(server, "/slow"), body=None, headers={}, timeout=0.5, allow_private=True)

    assert not outcome.ok
    assert outcome.status_code is None
    assert "Timed out" in outcome.error
    assert outcome.elapsed_ms < 1500


def test_timeout_bounds_the_whole_request_not_each_read(server: _Server) -> None:
    outcome = deliver(method="GET", url=_url(server, "/drip"), body=None, headers={}, timeout=0.5, allow_private=True)

    assert not outcome.ok
    assert "Timed out" in outcome.error
    assert outcome.elapsed_ms < 1500  # the drip alone would take about 4 s


def test_response_excerpt_is_cut_to_500_characters(server: _Server) -> None:
    outcome = deliver(method="GET", url=_url(server, "/big"), body=None, headers={}, allow_private=True)

    assert outcome.ok
    assert outcome.response_excerpt == "é" * 500


def test_loopback_is_refused_unless_allowed(server: _Server) -> None:
    refused = deliver(method="POST", url=_url(server, "/ok"), body=b"x", headers={}, allow_private=False)

    assert not refused.ok
    assert refused.status_code is None
    assert "Refused" in refused.error
    assert server.hits == []

    allowed = deliver(method="POST", url=_url(server, "/ok"), body=b"x", headers={}, allow_private=True)
    assert allowed.ok
    assert len(server.hits) == 1


def test_host_is_resolved_once_and_the_original_host_header_is_sent(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = _fake_dns(monkeypatch, {"hooks.customer.test": ["127.0.0.1"]})
    url = f"http://hooks.customer.test:{server.server_port}/ok"

    outcome = deliver(method="GET", url=url, body=None, headers={"Host": "spoofed.test"}, allow_private=True)

    assert outcome.ok, outcome.error
    # A second lookup is the window a DNS-rebinding attacker would use.
    assert lookups == ["hooks.customer.test"]
    assert server.hits[0].headers["Host"] == f"hooks.customer.test:{server.server_port}"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_Server, Path, list[str]]]:
    """HTTPS on 127.0.0.1 with a self-signed certificate for hooks.customer.test; records the SNI it sees."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    name = "hooks.customer.test"
    make_cert = f"openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN={name} -addext subjectAltName=DNS:{name}"
    subprocess.run([*make_cert.split(), "-keyout", key, "-out", cert], check=True, capture_output=True)
    server_names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = []
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, cert, server_names
    httpd.shutdown()
    httpd.server_close()


def test_https_to_the_pinned_address_verifies_the_original_hostname(
    tls_server: tuple[_Server, Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert, server_names = tls_server
    monkeypatch.setattr(httpx, "create_ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
    _fake_dns(monkeypatch, {"hooks.customer.test": ["127.0.0.1"], "other.customer.test": ["127.0.0.1"]})
    port = server.server_port

    good = deliver(
        method="POST", url=f"https://hooks.customer.test:{port}/ok", body=b"x", headers={}, allow_private=True
    )
    assert good.ok, good.error
    assert server_names == ["hooks.customer.test"]
    assert server.hits[0].headers["Host"] == f"hooks.customer.test:{port}"

    # Same IP, same certificate, but the URL names another host: the certificate must not match.
    wrong = deliver(
        method="POST", url=f"https://other.customer.test:{port}/ok", body=b"x", headers={}, allow_private=True
    )
    assert not wrong.ok
    assert "CERTIFICATE_VERIFY_FAILED" in wrong.error
    assert len(server.hits) == 1


def test_name_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"evil.example": ["10.0.0.5"]})

    with pytest.raises(UnsafeUrl, match=r"evil\.example resolves to 10\.0\.0\.5, a private"):
        check_url("https://evil.example/hook", allow_private=False)
    outcome = deliver(method="POST", url="https://evil.example/hook", body=b"x", headers={}, allow_private=False)
    assert not outcome.ok and "Refused" in outcome.error


def test_name_is_refused_when_any_of_its_addresses_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "10.0.0.5"]})

    with pytest.raises(UnsafeUrl):
        check_url("https://mixed.example/hook", allow_private=False)


def test_name_resolving_to_public_addresses_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]})

    check_url("https://public.example/hook", allow_private=False)


def test_unsupported_method_is_a_failure_not_an_exception() -> None:
    outcome = deliver(method="DELETE", url="http://127.0.0.1:9/", body=None, headers={}, allow_private=True)

    assert not outcome.ok and "DELETE" in outcome.error


# --- signing -------------------------------------------------------------------------------


def test_sign_is_hmac_sha256_over_id_timestamp_and_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"wh_1.1700000000.hello", hashlib.sha256).hexdigest()
    assert sign(secret="s3cret", webhook_id="wh_1", timestamp=1_700_000_000, body=b"hello") == expected
    headers = signature_headers(secret="s3cret", webhook_id="wh_1", body=b"hello", timestamp=1_700_000_000)
    import base64

    same = base64.b64encode(bytes.fromhex(expected)).decode()  # Standard Webhooks: the same HMAC in base64
    assert headers == {
        "X-Webhook-Id": "wh_1",
        "X-Webhook-Timestamp": "1700000000",
        "X-Webhook-Signature": f"v1={expected}",
        "webhook-id": "wh_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": f"v1,{same}",
    }


def test_verify_enforces_the_time_window() -> None:
    ts = 1_700_000_000
    headers = signature_headers(secret=SECRET, webhook_id="wh_1", body=b"{}", timestamp=ts)

    assert verify(secret=SECRET, headers=headers, body=b"{}", now=ts + 299)
    assert not verify(secret=SECRET, headers=headers, body=b"{}", now=ts + 301)
    assert not verify(secret=SECRET, headers=headers, body=b"{}", now=ts - 301)
    assert verify(secret=SECRET, headers=headers, body=b"{}", now=ts + 3000, tolerance_s=3600)


def test_verify_accepts_lowercase_headers_and_rotated_secrets() -> None:
    ts = 1_700_000_000
    old = signature_headers(secret="old", webhook_id="wh_1", body=b"{}", timestamp=ts)
    new = signature_headers(secret="new", webhook_id="wh_1", body=b"{}", timestamp=ts)
    both = {k.lower(): v for k, v in new.items()}
    both["x-webhook-signature"] = f"{old['X-Webhook-Signature']} {new['X-Webhook-Signature']}"

    assert verify(secret="old", headers=both, body=b"{}", now=ts)
    assert verify(secret="new", headers=both, body=b"{}", now=ts)


@pytest.mark.parametrize("missing", ["X-Webhook-Id", "X-Webhook-Timestamp", "X-Webhook-Signature"])
def test_verify_rejects_missing_headers(missing: str) -> None:
    headers = signature_headers(secret=SECRET, webhook_id="wh_1", body=b"{}")
    del headers[missing]

    assert not verify(secret=SECRET, headers=headers, body=b"{}")


def test_verify_rejects_a_signature_moved_to_another_event() -> None:
    ts = 1_700_000_000
    headers = signature_headers(secret=SECRET, webhook_id="wh_1", body=b"{}", timestamp=ts)

    assert not verify(secret=SECRET, headers={**headers, "X-Webhook-Id": "wh_2"}, body=b"{}", now=ts)


# --- retries and templates -----------------------------------------------------------------


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    schedule = [backoff_seconds(attempt) for attempt in range(1, MAX_ATTEMPTS + 1)]

    assert schedule == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff_seconds(50) == 3600


def test_dlr_template_values_are_url_encoded() -> None:
    template = "https://dlr.example.com/cb?id=%smsid%&dlr=%dlr%&to=%receiver%&t=%time%&static=1"

    url = expand_dlr_template(
        template, smsid="6d775630-54b0", dlr="%dlr%&x=1", receiver="+372 5555555", time="2019-12-30 15:30:00"
    )

    assert url == (
        "https://dlr.example.com/cb?id=6d775630-54b0&dlr=%25dlr%25%26x%3D1"
        "&to=%2B372%205555555&t=2019-12-30%2015%3A30%3A00&static=1"
    )
    assert parse_qs(urlsplit(url).query)["dlr"] == ["%dlr%&x=1"]


def test_expanded_dlr_template_is_delivered_as_get(server: _Server) -> None:
    template = _url(server, "/ok") + "?id=%smsid%&dlr=%dlr%&receiver=%receiver%"
    url = expand_dlr_template(template, smsid="abc", dlr="1", receiver="+37255555555", time="")

    outcome = deliver(method="GET", url=url, body=None, headers={}, allow_private=True)

    assert outcome.ok
    query = parse_qs(urlsplit(server.hits[0].path).query)
    assert query == {"id": ["abc"], "dlr": ["1"], "receiver": ["+37255555555"]}
