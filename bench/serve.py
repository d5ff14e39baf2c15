"""What the HTTP scenarios share: the project under gunicorn, as deployed, and a load generator of
keep-alive client threads in this process (so they share the machine's cores with the server)."""

import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
# gthread workers of several threads, as config/gunicorn.py serves: the concurrent single sends of a
# worker share their transaction (group commit), which one thread per worker would never do.
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS") or max(2, os.cpu_count() or 2))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS") or 8)


def gunicorn_how() -> str:
    return f"gunicorn {WORKERS} gthread workers x {THREADS} threads, persistent database connections"


class Server(NamedTuple):
    port: int
    pid: int  # gunicorn's master (its workers are its children)


def project_env(**environment: str) -> dict[str, str]:
    """The environment of the project's processes: production settings on this process's
    (scratch) database, with persistent connections as a deployment configures them."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        database = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}?conn_max_age=600"
    else:
        database = f"sqlite:///{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database,
        **environment,
    }


@contextmanager
def gunicorn(
    env: dict[str, str] | None = None,
    *,
    workers: int = WORKERS,
    threads: int = THREADS,
    app: str = "config.wsgi",
) -> Iterator[Server]:
    """The project (or another WSGI `app`) under gunicorn (`env`: `project_env()` unless given)
    until the block ends."""
    port = 18000 + random.randrange(1000)
    command = [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "-k", "gthread", "--threads", str(threads), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env or project_env())
    try:
        wait_for_port(port)
        yield Server(port, server.pid)
    finally:
        server.terminate()  # a graceful stop: gunicorn lets requests in flight finish (up to 30 s)
        try:
            server.wait(40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far (Linux /proc): gunicorn's
    master and workers. A figure that other load on the machine barely moves, unlike a rate."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        own = _own_cpu(pid)
    except OSError:
        return 0.0
    return own + sum(cpu_seconds(int(child)) for child in children)


def own_cpu_seconds() -> float:
    """CPU time (user + system) of this process so far: the load generator's client threads."""
    times = os.times()
    return times.user + times.system


def database_cpu_seconds() -> float:
    """CPU time so far of the PostgreSQL server's processes on this machine (its backends, WAL writer
    and checkpointer: whatever any client makes it do), 0 when none is visible here. Backends that
    ended count too, through their parent's share of its ended children."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "postgres":
                total += _own_cpu(int(proc.name), ended_children=True)
        except OSError:
            continue  # ended meanwhile
    return total


def _own_cpu(pid: int, *, ended_children: bool = False) -> float:
    """utime + stime of one process (+ cutime + cstime: of its children that ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(tick) for tick in fields[11 : 15 if ended_children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class Load:
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, of each call of `work`
    errors: list[str] = field(default_factory=list)
    warmup_calls: int = 0  # calls in the warm-up second, not counted in the figures
    warmup_errors: int = 0
    server_cpu: float = 0.0  # seconds of the server's CPU in the timed window (run_clients(server_pid=))
    client_cpu: float = 0.0  # seconds of the load generator's CPU (this process) in the timed window
    database_cpu: float = 0.0  # seconds of the local PostgreSQL's CPU in the timed window

    @property
    def succeeded(self) -> int:
        """Calls without an error, the warm-up's included (what the database should show)."""
        return len(self.latencies) - len(self.errors) + self.warmup_calls - self.warmup_errors

    @property
    def rate(self) -> float:
        """Successful calls per second."""
        return (len(self.latencies) - len(self.errors)) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * p) - 1)] * 1000 if ordered else 0.0


Request = Callable[[str, str, dict], tuple[int, bytes]]


def run_clients(
    port: int, *, clients: int, seconds: float, work: Callable[[int, int, Request], str | None], server_pid: int = 0
) -> Load:
    """`clients` threads, each with its own keep-alive connection, call `work(client, i, request)`
    until `seconds` have passed; `work` returns an error description or None. A warm-up second
    first (every worker loads its code and opens its database connection), not counted; its
    clients are numbered from `clients` on."""
    load = Load()
    lock = threading.Lock()

    def client(number: int, until: float, record: bool) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def request(method: str, path: str, headers: dict, body: str = "") -> tuple[int, bytes]:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()

        mine, errors, i = [], [], 0
        while time.perf_counter() < until:
            started = time.perf_counter()
            error = work(number, i, request)
            mine.append(time.perf_counter() - started)
            if error:
                errors.append(error)
            i += 1
        conn.close()
        with lock:
            if record:
                load.latencies.extend(mine)
                load.errors.extend(errors)
            else:
                load.warmup_calls += len(mine)
                load.warmup_errors += len(errors)

    for record, duration in ((False, 1.0), (True, seconds)):
        until = time.perf_counter() + duration
        threads = [
            threading.Thread(target=client, args=(n + (0 if record else clients), until, record))
            for n in range(clients)
        ]
        started, cpu = time.perf_counter(), cpu_seconds(server_pid) if server_pid else 0.0
        own, database = own_cpu_seconds(), database_cpu_seconds()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if record:
            load.elapsed = time.perf_counter() - started
            load.server_cpu = (cpu_seconds(server_pid) - cpu) if server_pid else 0.0
            load.client_cpu = own_cpu_seconds() - own
            load.database_cpu = database_cpu_seconds() - database
    return load
