"""The huey queue's own hygiene: what it keeps, its locks, and how callbacks share the consumer."""

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from core.locks import task_lock
from messaging.callbacks.delivery import callback_attempt
from messaging.callbacks.webhooks import HostBreaker
from messaging.callbacks.workers import FairPool
from messaging.models import Callback, CallbackKind, Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_task_results_are_not_kept(django_capture_on_commit_callbacks):
    """Nothing reads a task's return value, so none is stored (in Redis they stayed forever)."""
    HUEY.storage.flush_results()
    user = UserFactory(credits=10)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test")
    assert Message.objects.get().status == Status.DELIVRD  # dispatch ran (inline) and returned a count
    assert HUEY.storage.result_store_size() == 0


def test_a_periodic_lock_left_by_a_hung_or_killed_run_expires(settings):
    """A run that never ends (its consumer was killed) holds the lock until SMS_TASK_LOCK_SECONDS,
    not forever; meanwhile other runs are skipped, and a run that ends releases it at once."""
    settings.SMS_TASK_LOCK_SECONDS = 300
    started, release, runs = threading.Event(), threading.Event(), []

    @task_lock("test-periodic")
    def periodic(hang: bool) -> str:
        runs.append(hang)
        if hang:
            started.set()
            release.wait()
        return "ran"

    with time_machine.travel(datetime(2026, 1, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        hung = threading.Thread(target=periodic, args=(True,), daemon=True)
        hung.start()
        assert started.wait(10)
        assert periodic(False) is None  # skipped: the hung run holds the lock
        clock.shift(timedelta(seconds=299))
        assert periodic(False) is None
        clock.shift(timedelta(seconds=2))
        assert periodic(False) == "ran"  # the dead run's lock expired
        assert periodic(False) == "ran"  # and a finished run released its own
    release.set()
    hung.join(10)
    assert runs == [True, False, False]


# --- callbacks: their own threads, teams taking turns, a breaker per host ---------------------


def test_a_team_whose_callbacks_hang_holds_at_most_its_share_of_the_callback_threads():
    """Team 1's callbacks all hang: they hold half of the threads, and team 2's still run."""
    hanging, done, release = threading.Semaphore(0), [], threading.Event()

    def run(team: int, callback: int) -> None:
        if team == 1:
            hanging.release()
            release.wait()
        done.append((team, callback))

    pool = FairPool(workers=4, per_key=2, run=run, name="test")
    for callback in range(20):
        pool.submit(key=1, item=callback)
    assert hanging.acquire(timeout=10) and hanging.acquire(timeout=10)  # two of team 1's are running
    for callback in range(100, 105):
        pool.submit(key=2, item=callback)
    deadline = threading.Event()
    for _ in range(100):
        if len(done) == 5:
            break
        deadline.wait(0.1)
    assert sorted(done) == [(2, c) for c in range(100, 105)]
    assert pool.waiting() == 18  # team 1's others wait their turn; a third never started
    release.set()


def test_teams_take_turns_and_an_id_waits_once():
    order, gate = [], threading.Event()

    def run(team: int, callback: int) -> None:
        gate.wait()
        order.append(team)

    pool = FairPool(workers=1, per_key=1, run=run, name="test")
    pool.submit(key=0, item=0)  # occupies the one thread until the gate opens
    for callback in range(1, 5):
        pool.submit(key=1, item=callback)
    assert not pool.submit(key=1, item=4)  # already waiting
    pool.submit(key=2, item=10)
    pool.submit(key=3, item=20)
    gate.set()
    for _ in range(100):
        if len(order) == 7:
            break
        threading.Event().wait(0.1)
    assert order == [0, 1, 2, 3, 1, 1, 1]


def test_the_breaker_opens_after_n_failures_and_closes_after_a_cool_down():
    now = [1000.0]
    breaker = HostBreaker(clock=lambda: now[0])
    for _ in range(4):
        breaker.record("dead.example", ok=False, failures=5, cooldown=60)
        assert breaker.wait("dead.example", cooldown=60) == 0
    breaker.record("dead.example", ok=False, failures=5, cooldown=60)
    assert breaker.wait("dead.example", cooldown=60) == 60  # open
    assert breaker.wait("alive.example", cooldown=60) == 0  # other hosts are not concerned
    now[0] += 60
    assert breaker.wait("dead.example", cooldown=60) == 0  # the one trial after the cool-down
    assert breaker.wait("dead.example", cooldown=60) == 60  # the others wait for its outcome
    breaker.record("dead.example", ok=False, failures=5, cooldown=60)
    assert breaker.wait("dead.example", cooldown=60) == 60  # the trial failed: open again
    now[0] += 60
    assert breaker.wait("dead.example", cooldown=60) == 0
    breaker.record("dead.example", ok=True, failures=5, cooldown=60)
    assert breaker.wait("dead.example", cooldown=60) == 0  # closed
    breaker.record("dead.example", ok=False, failures=5, cooldown=60)
    assert breaker.wait("dead.example", cooldown=60) == 0  # and counting from zero again


@pytest.fixture
def failing_receiver():
    """A local HTTP server answering 503 to everything; it counts the requests."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_callbacks_to_a_host_that_keeps_failing_are_skipped_while_its_breaker_is_open(failing_receiver, settings):
    settings.SMS_CALLBACKS_ALLOW_PRIVATE = True
    settings.SMS_CALLBACK_BREAKER_FAILURES, settings.SMS_CALLBACK_BREAKER_SECONDS = 3, 60
    url, hits = failing_receiver
    team = UserFactory().team
    now = timezone.now()
    owed = [
        Callback.objects.create(team=team, kind=CallbackKind.REPLY_FORWARD, method="POST", url=url, next_attempt_at=now)
        for _ in range(10)
    ]
    waits = [callback_attempt(callback_id=c.pk) for c in owed]
    assert len(hits) == 3  # three failures open the breaker: the other seven never reach the host
    assert waits[:3] == [30, 30, 30] and all(55 <= w <= 60 for w in waits[3:])
    skipped = Callback.objects.get(pk=owed[-1].pk)
    assert skipped.attempts == 0 and skipped.state == Callback.State.PENDING  # not counted as a try
    assert not skipped.tries.exists()
