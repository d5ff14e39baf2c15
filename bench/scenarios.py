"""The scenarios of issue 8. Each takes `smoke` (tiny sizes, to keep the scripts working in CI)."""

import random
import time
from datetime import timedelta
from decimal import Decimal

from .core import Figure, peak_memory, scenario, timed

# Cyrillic on purpose: a UCS-2 text.
SAMPLES = [
    "Your parcel 4711 is ready for pickup at the shop on Main Street until 18:00.",
    "Price: 5€ - {special} offer [today] only ~ reply STOP to opt out | 100% free",
    "Привет! Ваш код подтверждения: 4711. Никому его не сообщайте.",  # noqa: RUF001
    "Great news 🎉🎉 your order shipped 🚚 track it here: https://example.com/t/4711 👍",
    "x" * 300,
]


def _team_user(credits: int):
    from accounts.models import Role
    from accounts.services import team_create

    team = team_create(
        name="Bench",
        owner_email=f"bench{random.randrange(10**9)}@example.com",
        owner_password="bench-password-1",
        credits=credits,
    )
    return team.users.get(role=Role.OWNER)


@scenario("segments")
def segments(smoke: bool) -> list[Figure]:
    from messaging.segments import analyse

    n = 20_000 if smoke else 1_000_000
    texts = [SAMPLES[i % len(SAMPLES)] + str(i) for i in range(n)]
    with timed() as elapsed:
        for text in texts:
            analyse(text)
    rate = n / elapsed()
    how = f"{n:,} mixed texts (GSM, extension, Cyrillic, emoji) analysed in one process, one core"
    return [Figure("segments", "texts analysed per second", round(rate), "texts/s", ">= 200000", how)]


@scenario("accept_bulk")
def accept_bulk(smoke: bool) -> list[Figure]:
    """One REST v1 sms/send-bulk request, in process (Django test client), until committed."""
    from rest_framework.test import APIClient

    from accounts.services import api_key_create
    from messaging.models import Message

    n = 1_000 if smoke else 100_000
    user = _team_user(credits=n * 2)
    key = api_key_create(user=user).secret
    body = {"sendSmsRequests": [{"message": "Hello bulk", "recipientNumber": f"+37255{i:06d}"} for i in range(n)]}
    client = APIClient()
    with peak_memory() as peak, timed() as elapsed:
        response = client.post("/api/rest/v1/sms/send-bulk", body, format="json", HTTP_EMAIL=user.email, HTTP_TOKEN=key)
    assert response.status_code == 200, response.content[:300]
    assert Message.objects.filter(user=user).count() == n
    how = f"{n:,} recipients in one request via the Django test client (no network), tracemalloc peak"
    return [
        Figure("accept_bulk", "request until committed", round(elapsed(), 2), "s", "<= 3", how),
        Figure("accept_bulk", "peak Python memory in the request", round(peak(), 1), "MB", "<= 300", how),
    ]


@scenario("dispatch_simulator")
def dispatch_simulator(smoke: bool) -> list[Figure]:
    """Queued messages drained by the dispatcher through the simulator with no latency, one worker."""
    from django.conf import settings

    from messaging.gateways.simulator import SimulatorGateway
    from messaging.models import Message, Status
    from messaging.services import Recipient, message_send
    from messaging.services.dispatch import dispatch_due
    from messaging.services.reports import EngineSink

    n = 1_000 if smoke else 100_000
    user = _team_user(credits=n * 2)
    message_send(
        actor=user,
        recipients=[Recipient(f"+37255{i:06d}") for i in range(n)],
        text="Hi",
        scheduled_at=None,
        source="bench",
    )
    gateway = SimulatorGateway(sink=EngineSink(), delivered_ratio=1.0, latency_seconds=0, reply_ratio=0)
    with timed() as elapsed:
        while dispatch_due(gateway=gateway, limit=settings.SMS_DISPATCH_CHUNK):
            pass
    done = Message.objects.filter(user=user, status__in=[Status.DELIVRD, Status.UNDELIV]).count()
    assert done == n, done  # numbers ending in 666 are the simulator's failures
    how = f"{n:,} messages, chunks of {settings.SMS_DISPATCH_CHUNK}, claim + submit + receipts, one thread"
    return [
        Figure(
            "dispatch_simulator",
            "messages dispatched and delivered per second",
            round(n / elapsed()),
            "msg/s",
            ">= 5000",
            how,
        )
    ]


@scenario("history")
def history(smoke: bool) -> list[Figure]:
    """First page of the filtered list and 30 days of statistics, with many messages stored."""
    from django.db import connection
    from django.utils import timezone

    from messaging.filters import MessageFilter
    from messaging.models import DailyCount, Message, Status
    from messaging.selectors import message_list
    from messaging.services.stats import statistics

    n = 20_000 if smoke else 1_000_000
    user = _team_user(credits=10)
    team, now = user.team, timezone.now()
    statuses = [Status.DELIVRD] * 8 + [Status.UNDELIV, Status.SENT]
    batch = 20_000
    for start in range(0, n, batch):
        Message.objects.bulk_create(
            [
                Message(
                    team=team,
                    user=user,
                    recipient=f"+37255{i:06d}",
                    text="history",
                    status=statuses[i % 10],
                    price=Decimal(1),
                    created_at=now - timedelta(minutes=i % 43_200),
                    campaign=f"c{i % 7}",
                )
                for i in range(start, min(n, start + batch))
            ],
            batch_size=5000,
        )
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                team=team,
                user=user,
                day=(now - timedelta(days=d)).date(),
                direction="out",
                status=s,
                campaign="",
                count=n // 300,
                credits=Decimal(n // 300),
            )
            for d in range(30)
            for s in (Status.DELIVRD, Status.UNDELIV)
        ]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_message")
    timings = []
    for i in range(50):
        with timed() as elapsed:
            qs = MessageFilter(
                {"status": [Status.DELIVRD], "campaign": f"c{i % 7}"},
                queryset=message_list(team=team, include_deleted=True),
            ).qs.order_by("-id")
            list(qs[:50])
        timings.append(elapsed() * 1000)
    timings.sort()
    with timed() as stats_time:
        statistics(team=team, start=(now - timedelta(days=30)).date(), end=now.date())
    how = f"{n:,} messages of one team; 50 first-page queries (status + campaign filter), 30-day statistics"
    return [
        Figure("history", "first page p95", round(timings[int(len(timings) * 0.95) - 1], 1), "ms", "<= 50", how),
        Figure("history", "30-day statistics", round(stats_time() * 1000, 1), "ms", "<= 100", how),
    ]


@scenario("accept_single")
def accept_single(smoke: bool) -> list[Figure]:
    """REST v1 sms/send over HTTP under gunicorn; 16 client threads with keep-alive connections."""
    import http.client
    import json
    import os
    import secrets
    import subprocess
    import sys
    import threading
    from pathlib import Path

    from django.db import connection

    from accounts.services import api_key_create
    from messaging.models import Message

    clients, seconds = 16, (2 if smoke else 20)
    user = _team_user(credits=10**7)
    user.team.api_rate_limit = 10**9
    user.team.save()
    key = api_key_create(user=user).secret
    db = connection.settings_dict
    workers = max(2, (os.cpu_count() or 2) * 2)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    port = 18000 + random.randrange(1000)
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    body = json.dumps({"message": "Bench message", "recipientNumber": "+37255555555"})
    headers = {"email": user.email, "token": key, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        _wait_for_port(port)
        stop_at = time.perf_counter() + seconds

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine = []
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                conn.request("POST", "/api/rest/v1/sms/send", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status != 200:
                    errors.append(str(response.status))
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    stored = Message.objects.filter(user=user).count()
    assert stored == len(latencies) - len(errors), (stored, len(latencies), errors[:3])
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    how = (
        f"gunicorn {workers} gthread workers x 4 threads and {clients} client threads on the same "
        f"{os.cpu_count()} cores, {seconds} s, {len(latencies):,} requests, {len(errors)} errors"
    )
    return [
        Figure(
            "accept_single", "messages accepted per second", round(len(latencies) / elapsed), "msg/s", ">= 1000", how
        ),
        Figure("accept_single", "p99 latency", round(p99, 1), "ms", "<= 50", how),
    ]


def _wait_for_port(port: int, seconds: float = 20) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on {port}")
