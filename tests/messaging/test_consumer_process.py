"""The real huey consumer process: a message goes from QUEUE to DELIVRD through it, and a
scheduled message survives a consumer restart. Needs a database two processes can share, so it
runs on PostgreSQL (CI's second round, with Redis as the broker when REDIS_URL is set)."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from messaging.models import Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued_for_real(monkeypatch):
    """Enqueue into the real broker instead of running tasks inline; no task lock a killed consumer
    of another test left in the consumers' cache (it would hold for SMS_TASK_LOCK_SECONDS)."""
    monkeypatch.setattr(HUEY, "immediate", False)
    HUEY.flush()
    forget_task_locks()
    yield
    HUEY.flush()
    forget_task_locks()


def forget_task_locks() -> None:
    from django.utils.module_loading import import_string

    from config.settings import base
    from core.locks import task_lock_key

    config = base.CACHES["default"]  # the consumers' cache (the tests' own is in memory)
    consumers_cache = import_string(config["BACKEND"])(config["LOCATION"], {})
    for name in ("dispatch-periodic", "callbacks-due", "simulator-redeliver"):
        consumers_cache.delete(task_lock_key(name))


def start_consumer(**settings: str) -> subprocess.Popen:
    """`manage.py run_huey` on the test database; `settings` are extra environment variables."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SMS_SIMULATOR_LATENCY_SECONDS": "0",
        "SMS_SIMULATOR_DELIVERED_RATIO": "1",
        "SMS_SIMULATOR_REPLY_RATIO": "0",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_consumer(consumer: subprocess.Popen) -> None:
    """SIGINT (huey finishes its running tasks), then SIGKILL if it does not end in 20 s."""
    consumer.send_signal(signal.SIGINT)
    try:
        consumer.wait(timeout=20)
    except subprocess.TimeoutExpired:
        consumer.kill()
        consumer.wait(timeout=10)


def wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def status_of(message) -> str:
    return Message.objects.values_list("status", flat=True).get(pk=message.pk)


def test_a_message_travels_through_the_consumer_process(queued_for_real):
    user = UserFactory(credits=10)
    consumer = start_consumer()
    try:
        message = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test").messages[0]
        assert wait_for(lambda: status_of(message) == Status.DELIVRD), status_of(message)
        assert HUEY.storage.result_store_size() == 0  # no task result is kept in the broker
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=20)


def test_a_scheduled_message_survives_a_consumer_restart(queued_for_real):
    user = UserFactory(credits=10)
    first = start_consumer()
    when = timezone.now() + timedelta(seconds=4)
    message = message_send(
        actor=user, recipients=[Recipient("+37255555555")], text="Later", scheduled_at=when, source="test"
    ).messages[0]
    time.sleep(1)
    first.kill()  # SIGKILL: no goodbye
    first.wait(timeout=10)
    assert status_of(message) == Status.QUEUE
    second = start_consumer()
    try:
        assert wait_for(lambda: status_of(message) == Status.DELIVRD, seconds=90), status_of(message)
        assert Message.objects.get(pk=message.pk).sent_at >= when
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=20)


def test_sigkill_mid_dispatch_loses_nothing_and_sends_nothing_twice(queued_for_real, settings):
    from django.core.management import call_command

    from accounts.selectors import credit_drift_list
    from messaging.models import SimulatedSubmission
    from messaging.services.dispatch import requeue_stale_claims
    from messaging.tasks import dispatch

    total = 10_000
    user = UserFactory(credits=total)
    recipients = [Recipient(f"+3725{i:07d}") for i in range(total)]
    consumer = start_consumer()
    message_send(actor=user, recipients=recipients, text="Crash test", source="test")
    assert wait_for(lambda: Message.objects.filter(status=Status.DELIVRD).exists(), seconds=60)
    consumer.kill()  # SIGKILL part-way through dispatch
    consumer.wait(timeout=10)
    finals = Message.objects.exclude(status__in=[Status.QUEUE, Status.DEQUEUED, Status.SENT]).count()
    assert 0 < finals < total, "the kill should land part-way through"

    settings.SMS_CLAIM_TIMEOUT_SECONDS = 0  # the worker is dead: its claims are stale now
    requeue_stale_claims()
    consumer = start_consumer()
    try:
        dispatch()  # enqueued in the broker for the new consumer
        waiting = [Status.QUEUE, Status.DEQUEUED]
        assert wait_for(lambda: not Message.objects.filter(status__in=waiting).exists(), seconds=120)
        # Receipts the killed worker held in memory are given again by the network (the periodic
        # simulator_redeliver task does this a minute later; here, at once).
        from messaging.gateways.simulator import SimulatorGateway
        from messaging.services.reports import EngineSink

        SimulatorGateway(sink=EngineSink()).redeliver_reports(older_than=timedelta(0))
        assert wait_for(lambda: not Message.objects.filter(status=Status.SENT).exists(), seconds=30)
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=20)
    assert SimulatedSubmission.objects.count() == total  # each message reached the network once
    assert Message.objects.count() == total
    assert credit_drift_list() == []
    call_command("audit_credits")


def test_a_consumer_killed_while_the_catch_up_holds_its_lock_does_not_stop_recovery(queued_for_real):
    """The periodic catch-up is the only way back for a claim a dead worker left and for a scheduled
    message whose wake-up was lost. Its consumer is killed while the catch-up holds its lock (hung in
    the gateway): the next consumer's catch-up still runs once the lock expires, and both messages
    are delivered, with no one clearing anything by hand."""
    from messaging.models import SimulatedSubmission

    user = UserFactory(credits=10)
    claimed = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Stuck", source="test")
    HUEY.storage.flush_queue()  # its dispatch is lost: only the catch-up will find it
    lock = {"SMS_TASK_LOCK_SECONDS": "20", "SMS_CLAIM_TIMEOUT_SECONDS": "5"}
    first = start_consumer(SMS_GATEWAY="tests.gateways.HangingGateway", **lock)
    try:  # the catch-up runs at the next whole minute, claims the message and hangs in submit
        assert wait_for(lambda: status_of(claimed.messages[0]) == Status.DEQUEUED, seconds=90)
    finally:
        first.kill()  # SIGKILL while the catch-up holds its lock
        first.wait(timeout=10)
    scheduled = message_send(
        actor=user,
        recipients=[Recipient("+37255555556")],
        text="Later",
        scheduled_at=timezone.now() + timedelta(seconds=2),
        source="test",
    )
    HUEY.storage.flush_queue()  # its wake-up is lost too
    HUEY.storage.flush_schedule()
    second = start_consumer(**lock)
    try:
        both = [claimed.messages[0], scheduled.messages[0]]
        assert wait_for(lambda: all(status_of(m) == Status.DELIVRD for m in both), seconds=150), [
            status_of(m) for m in both
        ]
    finally:
        stop_consumer(second)
    assert SimulatedSubmission.objects.count() == 2


@pytest.fixture
def holding_receiver():
    """A local HTTP server that holds every request until the test releases it (a customer's slow
    URL); it records the paths it was asked."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Event, Thread

    release, asked = Event(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            asked.append(self.path)
            release.wait(300)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", asked, release
    release.set()
    server.shutdown()


def test_a_slow_callback_url_does_not_delay_another_teams_sending(queued_for_real, holding_receiver):
    """Twenty callbacks owed to one team's URL that does not answer: another team's message still
    reaches the gateway while they are all pending (they used to take both of huey's threads)."""
    from messaging.models import Callback, CallbackAttempt, CallbackKind
    from messaging.tasks import callback_deliver

    url, asked, release = holding_receiver
    slow_team = UserFactory().team
    owed = [
        Callback.objects.create(
            team=slow_team, kind=CallbackKind.REPLY_FORWARD, method="POST", url=url, next_attempt_at=timezone.now()
        )
        for _ in range(20)
    ]
    for callback in owed:
        callback_deliver(callback.pk)
    consumer = start_consumer(SMS_CALLBACKS_ALLOW_PRIVATE="true", SMS_CALLBACK_TIMEOUT_SECONDS="240")
    try:
        assert wait_for(lambda: len(asked) >= 2, seconds=60)  # the slow URL holds two requests
        other = UserFactory(credits=10)
        message = message_send(actor=other, recipients=[Recipient("+37255555555")], text="Hi", source="test")
        assert wait_for(lambda: status_of(message.messages[0]) == Status.DELIVRD, seconds=60), status_of(
            message.messages[0]
        )
        pending = Callback.objects.filter(pk__in=[c.pk for c in owed], state=Callback.State.PENDING).count()
        assert pending == 20 and not CallbackAttempt.objects.exists()  # not one of them has finished
        release.set()
        delivered = Callback.objects.filter(pk__in=[c.pk for c in owed], state=Callback.State.DELIVERED)
        assert wait_for(lambda: delivered.count() == 20, seconds=60), delivered.count()
    finally:
        stop_consumer(consumer)
