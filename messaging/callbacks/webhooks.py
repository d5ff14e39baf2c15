"""Outbound webhooks: calling customers' URLs safely, and signing what we send.

Customer URLs are untrusted input: `deliver` checks each one (core.safe_urls, the same rules a
team's saved callback URL gets) and connects to exactly the addresses it checked.
`deliver` never raises and never follows redirects; retries are the caller's job
(`backoff_seconds`, `MAX_ATTEMPTS`), and so is reusing one `webhook_id` across retries.
"""

import hashlib
import hmac
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpcore
import httpx

from core.safe_urls import Target, UnsafeUrl, checked
from messaging.callbacks.standard_webhooks import standard_headers

MAX_ATTEMPTS = 8
EXCERPT_CHARS = 500
USER_AGENT = "sms-platform-webhooks/1"

_METHODS = frozenset({"GET", "POST", "PUT"})
# Enough bytes for EXCERPT_CHARS of UTF-8; the rest of a response body is never read.
_EXCERPT_BYTES = EXCERPT_CHARS * 4
_BACKOFF_FIRST_S = 30
_BACKOFF_CAP_S = 3600

_DLR_PLACEHOLDER = re.compile(r"%(smsid|dlr|receiver|time)%")


@dataclass(frozen=True)
class DeliveryOutcome:
    ok: bool
    status_code: int | None
    error: str
    elapsed_ms: int
    response_excerpt: str


# --- Delivery -----------------------------------------------------------------------------


class _DeadlineStream(httpcore.NetworkStream):
    """Caps every socket operation at the time left overall.

    httpcore's timeouts are per read, so a server dripping one byte at a time could otherwise
    hold a worker for as long as it liked.
    """

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, exc: type[httpcore.TimeoutException]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise exc("total time limit reached")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, self._left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the already-checked IP addresses, whatever host httpcore asks for.

    httpcore still builds the Host header and the TLS server_hostname (SNI and certificate
    check) from the URL's hostname; only the TCP connect is redirected. So there is no second
    DNS lookup for a rebinding attacker to answer differently.
    """

    def __init__(self, addresses: list[str], deadline: float) -> None:
        self._addresses = addresses
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        last_error: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._addresses:  # in resolver order, like socket.create_connection
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("total time limit reached")
            try:
                stream = super().connect_tcp(address, port, min(left, timeout or left), local_address, [])
            except httpcore.ConnectError as exc:
                last_error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise last_error


def _request_headers(target: Target, headers: dict[str, str]) -> list[tuple[str, str]]:
    # Host and framing come from us, not the caller: they must match what is actually sent.
    own = {"host", "content-length", "transfer-encoding", "connection"}
    result = [("Host", target.url.netloc.decode("ascii"))]
    result += [(name, value) for name, value in headers.items() if name.lower() not in own]
    if not any(name.lower() == "user-agent" for name, _ in result):
        result.append(("User-Agent", USER_AGENT))
    return result


def _send(
    method: str, target: Target, addresses: list[str], body: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    url = httpcore.URL(
        scheme=target.url.raw_scheme, host=target.url.raw_host, port=target.port, target=target.url.raw_path
    )
    pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_PinnedBackend(addresses, deadline), retries=0
    )
    timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    with (
        pool,
        pool.stream(
            method, url, headers=_request_headers(target, headers), content=body, extensions={"timeout": timeouts}
        ) as response,
    ):
        excerpt = b""
        for chunk in response.iter_stream():
            excerpt += chunk
            if len(excerpt) >= _EXCERPT_BYTES:
                break
    return response.status, excerpt.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def deliver(
    *,
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float = 10.0,
    allow_private: bool,
) -> DeliveryOutcome:
    """Make one request; 2xx is ok. Never raises, never follows redirects, gives up after `timeout`."""
    started = time.monotonic()

    def outcome(ok: bool, status: int | None, error: str, excerpt: str = "") -> DeliveryOutcome:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return DeliveryOutcome(ok=ok, status_code=status, error=error, elapsed_ms=elapsed_ms, response_excerpt=excerpt)

    method = method.upper()
    if method not in _METHODS:
        return outcome(False, None, f"Method {method} is not supported.")
    try:
        target, addresses = checked(url, allow_private=allow_private)
        status, excerpt = _send(method, target, addresses, body, headers, timeout)
    except UnsafeUrl as exc:
        return outcome(False, None, f"Refused: {exc}")
    except httpcore.TimeoutException as exc:
        return outcome(False, None, f"Timed out after {timeout:g}s ({exc or type(exc).__name__}).")
    except Exception as exc:  # the contract is "never raises": a bad URL must not kill a worker
        return outcome(False, None, f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return outcome(True, status, "", excerpt)
    if 300 <= status < 400:
        return outcome(False, status, f"HTTP {status}: redirects are not followed.", excerpt)
    return outcome(False, status, f"HTTP {status}.", excerpt)


# --- Signing ------------------------------------------------------------------------------


def sign(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `<webhook_id>.<timestamp>.<body>`."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_headers(*, secret: str, webhook_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = sign(secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body)
    return {
        "X-Webhook-Id": webhook_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": f"v1={signature}",
        **standard_headers(secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body),
    }


def verify(
    *, secret: str, headers: Mapping[str, str], body: bytes, tolerance_s: int = 300, now: int | None = None
) -> bool:
    """What an integrator runs on receipt: True when the signature matches and is fresh.

    The timestamp window stops replays of an old, captured request. Several space-separated
    `v1=` values are accepted, so a secret can be rotated without a gap.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("x-webhook-id", "")
    try:
        timestamp = int(lowered.get("x-webhook-timestamp", ""))
    except ValueError:
        return False
    now = int(time.time()) if now is None else now
    if not webhook_id or abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body)
    candidates = [
        part.removeprefix("v1=") for part in lowered.get("x-webhook-signature", "").split() if part.startswith("v1=")
    ]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


# --- Retries, the circuit breaker and DLR templates ---------------------------------------


def url_host(url: str) -> str:
    """The host a URL calls (lower case), or "" when it is not a URL."""
    try:
        return httpx.URL(url).host.lower()
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


class HostBreaker:
    """A circuit breaker per host, in this process's memory. After `failures` failed calls in a row
    a host is open: calls wait (`wait` says how long) for `cooldown` seconds. Then one trial call
    goes (half open): its success closes the host, its failure opens it for another cooldown."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failed: dict[str, int] = {}
        self._open_until: dict[str, float] = {}

    def wait(self, host: str, *, cooldown: float) -> float:
        """0 when a call to `host` may go now (after a cooldown this reserves the one trial call),
        else the seconds until one may."""
        with self._lock:
            until = self._open_until.get(host)
            if until is None:
                return 0
            now = self._clock()
            if now < until:
                return until - now
            self._open_until[host] = now + cooldown  # the others wait for the trial's outcome
            return 0

    def record(self, host: str, *, ok: bool, failures: int, cooldown: float) -> None:
        with self._lock:
            if ok:
                self._failed.pop(host, None)
                self._open_until.pop(host, None)
                return
            self._failed[host] = self._failed.get(host, 0) + 1
            if self._failed[host] >= failures:
                self._open_until[host] = self._clock() + cooldown

    def reset(self) -> None:
        with self._lock:
            self._failed.clear()
            self._open_until.clear()


def backoff_seconds(attempt: int) -> int:
    """Wait before retry number `attempt` (1-based): 30 s, 1 m, 2 m, 4 m ... at most 1 h."""
    return min(_BACKOFF_FIRST_S * 2 ** (max(attempt, 1) - 1), _BACKOFF_CAP_S)


def expand_dlr_template(template: str, *, smsid: str, dlr: str, receiver: str, time: str) -> str:
    """Fill a `dlruri` template (`...?id=%smsid%&dlr=%dlr%`) with URL-encoded values.

    One pass, so a value that itself contains `%dlr%` is not expanded again.
    """
    values = {"smsid": smsid, "dlr": dlr, "receiver": receiver, "time": time}
    return _DLR_PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), template)
