"""Soak test, run by hand (not in CI): `python -m bench.soak [--minutes 10] [--rate 50]`.

Steady mixed API traffic (single and bulk sends, reads, 2FA) against gunicorn and a real huey
consumer on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, in a scratch database), production
settings, the Outbound SMS sends asking for callbacks at a receiver that takes 2 s to answer. Then:
errors (target 0), latency percentiles, callbacks received, and memory growth of the web workers
and the consumer between the first and the last minute (target under 10%)."""

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import serve
from .core import scratch_database, setup_django


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=50, help="requests per second, all clients together")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--callback-delay", type=float, default=2.0, help="seconds the callback receiver takes")
    args = parser.parse_args(argv)
    setup_django()

    from accounts.services import api_key_create, team_create

    with scratch_database():
        team = team_create(name="Soak", owner_email="soak@example.com", owner_password="soak-password-1", credits=10**7)
        receiver = _slow_receiver(delay=args.callback_delay)
        team.api_rate_limit = 10**6
        team.save()
        owner = team.users.get()
        key = api_key_create(user=owner).secret
        env = serve.project_env(SMS_SIMULATOR_LATENCY_SECONDS="1", SMS_CALLBACKS_ALLOW_PRIVATE="true")
        with serve.gunicorn(env, workers=3, threads=4) as web:
            consumer = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey"],
                cwd=serve.ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                callback_url = f"http://127.0.0.1:{receiver.server_port}/dlr"
                latencies, errors, memory = _soak(args, web, consumer.pid, owner.email, key, callback_url)
            finally:
                consumer.terminate()
                consumer.wait(20)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) if latencies else 0.0

    first, last = memory[min(3, len(memory) - 1)][1], memory[-1][1]
    growth = 100 * (last - first) / first if first else 0
    print(f"requests {len(latencies):,} in {args.minutes} min at ~{args.rate}/s with {args.clients} clients")
    print(f"errors {len(errors)} (target 0) {errors[:5]}")
    print(f"latency p50 {pct(0.5)} ms, p95 {pct(0.95)} ms, p99 {pct(0.99)} ms")
    print(f"callbacks received by the slow ({args.callback_delay} s) receiver: {receiver.received:,}")
    print(
        f"memory of 3 web workers + consumer: {first / 1024:.0f} MB after warm-up, {last / 1024:.0f} MB at the end, "
        f"growth {growth:.1f}% (target < 10%)"
    )
    return 0 if not errors and growth < 10 else 1


def _slow_receiver(*, delay: float) -> ThreadingHTTPServer:
    """A customer's callback URL that takes `delay` seconds per call; counts what it received."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay)
            self.server.received += 1
            self.send_response(200)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.received = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _soak(args: argparse.Namespace, web: serve.Server, consumer_pid: int, email: str, key: str, callback_url: str):
    """Steady mixed traffic for `args.minutes`: latencies, errors, and (time, RSS) samples."""
    time.sleep(5)
    latencies: list[float] = []
    errors: list[str] = []
    memory: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.minutes * 60
    interval = args.clients / args.rate
    rest = {"email": email, "token": key, "Content-Type": "application/json"}
    calls = [
        ("POST", "/api/rest/v1/sms/send", rest, {"message": "Soak", "recipientNumber": "+37255555555"}),
        (
            "POST",
            "/raven/v2/messages",
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            {"from": "Soak", "text": "Soak", "to": "+37255555556", "requestDR": True, "callbacks": [callback_url]},
        ),
        ("GET", "/api/rest/v1/messages/all?pageSize=20", rest, None),
        (
            "POST",
            "/api/rest/v1/sms/send-bulk",
            rest,
            {"sendSmsRequests": [{"message": "Soak bulk", "recipientNumber": f"+3725555{n:04d}"} for n in range(10)]},
        ),
        ("GET", "/api/v2/account/balance", {"X-API-Key": key}, None),
        (
            "POST",
            "/api/2fa/send",
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            {"receiver": "37255555557"},
        ),
    ]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        i = n
        while time.monotonic() < stop_at:
            method, path, headers, body = calls[i % len(calls)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 500 and (response.status != 422 or "2fa" in path)
                if not ok:
                    errors.append(f"{method} {path}: {response.status}")
            except OSError as exc:
                errors.append(f"{method} {path}: {exc!r}")
                conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - started)
            time.sleep(max(0.0, interval - (time.perf_counter() - started)))

    def sample() -> None:
        while time.monotonic() < stop_at:
            pids = [*children(web.pid), consumer_pid]
            memory.append((time.monotonic(), sum(rss_kb(p) for p in pids)))
            time.sleep(15)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=sample))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, memory


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
