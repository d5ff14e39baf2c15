"""Customer callbacks run on their own threads in the consumer, never on huey's.

Huey's worker threads dispatch messages; a callback task only hands its callback id to this pool
and returns, so a customer's slow or dead URL can hold callback threads but never a message. Inside
the pool, teams take turns (round robin over the teams with callbacks waiting) and one team holds
at most `per_team` threads at once, so one team's slow URL delays its own callbacks, not everyone's.
Nothing here is durable: a callback's row stays PENDING in the database until it is delivered or
given up, and the periodic `callbacks_due` task hands it over again after a restart.
"""

import contextvars
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from messaging.callbacks.delivery import callback_run

log = logging.getLogger(__name__)


class FairPool:
    """`workers` threads running `run(key, item)`, keys taking turns, at most `per_key` threads per key.
    An item already waiting or running is not added twice."""

    def __init__(self, *, workers: int, per_key: int, run: Callable[[int, int], None], name: str = "pool") -> None:
        self._workers, self._per_key, self._run, self._name = workers, per_key, run, name
        self._cond = threading.Condition()
        self._waiting: dict[int, deque[int]] = {}
        self._turns: deque[int] = deque()  # keys with items waiting, in the order of their next turn
        self._running: Counter[int] = Counter()
        self._known: set[int] = set()
        self._contexts: dict[int, contextvars.Context] = {}  # each item runs in its submitter's (log ids)
        self._threads: list[threading.Thread] = []

    def submit(self, *, key: int, item: int) -> bool:
        with self._cond:
            if item in self._known:
                return False
            self._known.add(item)
            self._contexts[item] = contextvars.copy_context()
            if key not in self._waiting:
                self._waiting[key] = deque()
                self._turns.append(key)
            self._waiting[key].append(item)
            while len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return True

    def waiting(self) -> int:
        with self._cond:
            return sum(len(items) for items in self._waiting.values())

    def _take(self) -> tuple[int, int]:
        with self._cond:
            while True:
                for _ in range(len(self._turns)):
                    key = self._turns[0]
                    self._turns.rotate(-1)  # its next turn comes after every other key's
                    if self._running[key] >= self._per_key:
                        continue
                    items = self._waiting[key]
                    item = items.popleft()
                    if not items:
                        del self._waiting[key]
                        self._turns.remove(key)
                    self._running[key] += 1
                    return key, item
                self._cond.wait()

    def _work(self) -> None:
        while True:
            key, item = self._take()
            close_old_connections()
            try:
                self._contexts.pop(item, contextvars.Context()).run(self._run, key, item)
            except Exception:
                log.exception("%s: item %s of %s failed", self._name, item, key)
            finally:
                close_old_connections()
                with self._cond:
                    self._running[key] -= 1
                    if not self._running[key]:
                        del self._running[key]
                    self._known.discard(item)
                    self._cond.notify_all()


_lock = threading.Lock()
_pool: FairPool | None = None


def callback_pool() -> FairPool:
    """The process's callback threads (SMS_CALLBACK_WORKERS; a team holds at most half of them)."""
    global _pool
    with _lock:
        if _pool is None:
            workers = max(1, settings.SMS_CALLBACK_WORKERS)
            _pool = FairPool(workers=workers, per_key=max(1, workers // 2), run=callback_run, name="callbacks")
        return _pool
