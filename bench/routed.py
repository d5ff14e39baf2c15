"""The `dispatch_routed` scenario: routed sending over two SMSC processes (tests/smsc.py), two SMPP
binds each, traffic shared by a weighted route, two dispatcher threads (a consumer's two huey
workers), every receipt stored. Then the same again with one SMSC killed halfway: where its traffic
goes, how soon the rate is back, and that nothing is lost or sent twice."""

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from . import serve
from .core import Figure, scenario
from .scenarios import _analyze, _database, _set_aside_queued, _team_user, _wait_delivered

BINDS, WINDOW = 2, 50


@dataclass
class Smsc:
    port: int
    journal: Path
    process: subprocess.Popen

    def events(self, kind: str) -> list[dict]:
        lines = self.journal.read_text(encoding="utf-8").splitlines(keepends=True)
        events = [json.loads(line) for line in lines if line.endswith("\n")]
        return [e for e in events if e["event"] == kind]

    def submits(self) -> list[dict]:
        """The submit_sm it accepted."""
        return [e for e in self.events("submit") if e["status"] == 0]

    def wait_bound(self, binds: int, *, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.events("bind")) < binds and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.events("bind")) >= binds

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@contextmanager
def _smsc(directory: Path, port: int = 0) -> Iterator[Smsc]:
    import socket

    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    journal = directory / f"smsc-{port}-{time.monotonic_ns()}.jsonl"
    args = [sys.executable, "-m", "tests.smsc", "--port", str(port), "--journal", str(journal)]
    process = subprocess.Popen(args, cwd=serve.ROOT, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not (journal.exists() and '"listening"' in journal.read_text()):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the test SMSC did not start")
            time.sleep(0.05)
        yield Smsc(port, journal, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def _drain(threads: int = 2) -> int:
    """Dispatch until nothing is due, in `threads` threads at once; the number claimed."""
    from django.conf import settings
    from django.db import connection

    from messaging.services.dispatch import dispatch_due
    from messaging.services.engine import get_gateway

    counts = [0] * threads

    def work(i: int) -> None:
        try:
            while claimed := dispatch_due(gateway=get_gateway(), limit=settings.SMS_DISPATCH_CHUNK):
                counts[i] += claimed
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts)


# What became of each message after a kill. Only the last three are lost: a message the network took
# whose receipt never came (its SMSC died first) is not, nor one waiting in the queue for its retry.
FATES = {
    "delivered": "DELIVRD",
    "no receipt": "accepted by an SMSC that died before its receipt",
    "waiting": "in the queue for a retry",
    "nowhere": "sent or failed, but no SMSC took it",
    "stranded": "claimed and left (DEQUEUED)",
    "receipt dropped": "receipt acknowledged to the SMSC but not stored",
}
LOST = ("nowhere", "stranded", "receipt dropped")


def _fates(user, smscs: list[Smsc]) -> Counter:
    """How many messages of `user` met each fate (FATES), judged by their status and by what each
    SMSC journaled: the submits it accepted, the receipts it saw acknowledged."""
    from messaging.models import Message, Status

    taken = {e["destination_addr"]: e["message_id"] for s in smscs for e in s.submits()}
    acknowledged = {e["message_id"] for s in smscs for e in s.events("receipt") if e.get("delivered")}
    fates: Counter = Counter()
    for recipient, status in Message.objects.filter(user=user).values_list("recipient", "status"):
        network_id = taken.get(recipient.removeprefix("+"))
        if status == Status.DELIVRD:
            fates["delivered"] += 1
        elif network_id in acknowledged:
            fates["receipt dropped"] += 1
        elif status == Status.QUEUE:
            fates["waiting"] += 1
        elif status == Status.DEQUEUED:
            fates["stranded"] += 1
        elif network_id is not None and status in (Status.SENT, Status.ENROUTE, Status.ACCEPTD):
            fates["no receipt"] += 1
        else:
            fates["nowhere"] += 1
    return fates


def _fates_text(fates: Counter) -> str:
    return "; ".join(f"{fates[f]:,} {FATES[f]}" for f in FATES if fates[f] or f == "delivered")


def _routes(a: Smsc, b: Smsc) -> None:
    from messaging.models import Connector, Route, RouteConnector, RouteMode
    from messaging.routing.secrets import secret_seal

    route = Route.objects.create(name="bench", mode=RouteMode.WEIGHTED)
    for i, smsc in enumerate((a, b)):
        settings = {"host": "127.0.0.1", "port": smsc.port, "system_id": "bench", "window": WINDOW, "binds": BINDS}
        connector = Connector.objects.create(name=f"smsc-{i}", kind="smpp", settings=settings, secret=secret_seal("x"))
        RouteConnector.objects.create(route=route, connector=connector, position=i + 1, weight=1)


def _queue(user, n: int, prefix: str) -> None:
    from messaging.services import Recipient, message_send

    for start in range(0, n, 10_000):
        recipients = [Recipient(f"{prefix}{i:06d}") for i in range(start, min(n, start + 10_000))]
        message_send(actor=user, recipients=recipients, text="Hello routed", source="bench")


@scenario("dispatch_routed")
def dispatch_routed(smoke: bool) -> list[Figure]:
    n = 600 if smoke else 50_000
    with TemporaryDirectory() as directory, ExitStack() as stack:
        a, b = (stack.enter_context(_smsc(Path(directory))) for _ in range(2))
        _routes(a, b)
        figures = _steady(n, a, b)
        figures += _with_a_kill(n, a, b, Path(directory), stack)
    _reset()
    return figures


def _reset() -> None:
    from messaging.models import Connector, Route
    from messaging.services.engine import reset_gateway

    reset_gateway()
    Route.objects.all().delete()
    Connector.objects.all().delete()


def _steady(n: int, a: Smsc, b: Smsc) -> list[Figure]:
    # A live system has its binds up and statistics of non-empty tables: analysed while messagepart
    # was still empty, the planner read every batch of receipts' parts with a sequential scan of it.
    warm_up = max(100, n // 50)
    early = _team_user(credits=warm_up * 2)
    _queue(early, warm_up, "+37256")
    _drain()
    _wait_delivered(early, warm_up)
    user = _team_user(credits=n * 2)
    _queue(user, n, "+37257")
    _set_aside_queued(but=user)
    _analyze()
    before = len(a.submits()), len(b.submits())  # the warm-up's, and what other scenarios left queued
    cpu = _cpu(a, b)
    started = time.perf_counter()
    claimed = _drain()
    submit_time = time.perf_counter() - started
    delivered = _wait_delivered(user, n)
    total_time = time.perf_counter() - started
    spent = [round((after - before) / n * 1000, 2) for before, after in zip(cpu, _cpu(a, b), strict=True)]
    assert claimed == n and delivered == n, (claimed, delivered)
    shares = f"{len(a.submits()) - before[0]}/{len(b.submits()) - before[1]}"
    how = (
        f"{n:,} one-part messages, weighted route over 2 SMSC processes x {BINDS} binds (window {WINDOW}), "
        f"2 dispatcher threads, shares about {shares}, {_database()}, after a warm-up of {warm_up:,} messages; "
        f"CPU per message (ms): this process {spent[0]}, PostgreSQL {spent[1]}, the two SMSCs {spent[2]}"
    )
    return [
        Figure("dispatch_routed", "submit_sm per second, both SMSCs", round(n / submit_time), "PDU/s", ">= 2000", how),
        Figure(
            "dispatch_routed",
            "submitted and receipted (DELIVRD) per second",
            round(n / total_time),
            "msg/s",
            ">= 1500",
            how,
        ),
    ]


def _cpu(a: Smsc, b: Smsc) -> tuple[float, float, float]:
    """CPU seconds so far of this process (the dispatchers and the receipts' threads), of PostgreSQL
    and of the two SMSC processes, which share the machine's two cores with them."""
    smscs = serve.cpu_seconds(a.process.pid) + serve.cpu_seconds(b.process.pid)
    return serve.own_cpu_seconds(), serve.database_cpu_seconds(), smscs


def _with_a_kill(n: int, a: Smsc, b: Smsc, directory: Path, stack: ExitStack) -> list[Figure]:
    """The same load; the first SMSC is killed (SIGKILL) once half the messages are sent."""
    from django.db import connection
    from django.utils import timezone

    from messaging.models import Message, Status

    user = _team_user(credits=n * 2)
    _queue(user, n, "+37258")
    _set_aside_queued(but=user)
    before_a, before_b = len(a.submits()), len(b.submits())
    sent = Message.objects.filter(user=user).exclude(status__in=[Status.QUEUE, Status.DEQUEUED])
    killed_at: list[float] = []

    def killer() -> None:
        try:
            while sent.count() < n // 2:
                time.sleep(0.02)
            killed_at.append(time.time())
            a.kill()
        finally:
            connection.close()

    watcher = threading.Thread(target=killer)
    watcher.start()
    started = time.perf_counter()
    _drain()
    elapsed = time.perf_counter() - started
    watcher.join()
    to_a, to_b = a.submits()[before_a:], b.submits()[before_b:]
    # Messages that got no answer before the kill may be at that SMSC: they wait for it (never sent
    # elsewhere), in the queue with a back-off. Bring it back, let the connector bind again by itself
    # (its back-off is at most CONNECTOR_BACKOFF_MAX_SECONDS), and skip their back-off.
    pinned = Message.objects.filter(user=user, status=Status.QUEUE).count()
    again = stack.enter_context(_smsc(directory, port=a.port))
    again.wait_bound(BINDS)
    Message.objects.filter(user=user, status=Status.QUEUE).update(scheduled_at=timezone.now())
    _drain()
    _wait_delivered(user, n, quiet=5)
    by_a = Counter(e["destination_addr"] for e in to_a + again.submits())
    by_b = Counter(e["destination_addr"] for e in to_b)
    twice_by_failover = len(set(by_a) & set(by_b))
    twice_on_a = sum(count - 1 for count in by_a.values() if count > 1)
    recovery = _recovery_seconds(killed_at[0], to_a + to_b, to_b)
    fates = _fates(user, [a, again, b])
    how = (
        f"{n:,} messages as above, SMSC 1 killed with SIGKILL after {n // 2:,} were sent; {pinned} unanswered at "
        f"the kill waited for it, {len(again.submits())} were sent when it came back ({twice_on_a} of them had "
        f"reached it before); {len(to_b):,} went through SMSC 2; outcome: {_fates_text(fates)}"
    )
    return [
        Figure(
            "dispatch_routed",
            "with a kill: messages per second until drained",
            round(n / elapsed),
            "msg/s",
            ">= 500",
            how,
        ),
        Figure("dispatch_routed", "with a kill: seconds until the rate is back", round(recovery, 1), "s", "<= 5", how),
        Figure("dispatch_routed", "with a kill: messages lost", sum(fates[f] for f in LOST), "msgs", "<= 0", how),
        Figure(
            "dispatch_routed",
            "with a kill: sent to both SMSCs (failover twice)",
            twice_by_failover,
            "msgs",
            "<= 0",
            how,
        ),
    ]


def _recovery_seconds(killed_at: float, everything: list[dict], survivor: list[dict]) -> float:
    """From the kill until the surviving SMSC alone takes 80% of the rate both took before it
    (over 0.5 s steps); the time to its last submit if it never does (the queue ran dry first)."""
    before = [e["at"] for e in everything if e["at"] < killed_at]
    if len(before) < 2 or not survivor:
        return 0.0
    rate_before = len(before) / max(killed_at - min(before), 0.5)
    after = sorted(e["at"] for e in survivor if e["at"] >= killed_at)
    steps = Counter(int((at - killed_at) / 0.5) for at in after)
    for step in sorted(steps):
        if steps[step] / 0.5 >= 0.8 * rate_before:
            return (step + 1) * 0.5
    return (after[-1] - killed_at) if after else 0.0
