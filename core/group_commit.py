"""Group commit: the requests of one process hand their writes to one writer thread, which stores
everything waiting in one transaction and then releases each request with its own result.

A request still answers only after its rows are committed; what changes is that a hundred
concurrent requests cost one transaction (a few statements and one WAL flush) instead of a hundred.
The writer takes whatever is waiting when it finishes a transaction, so a lone request waits for
nothing, and under load the groups grow by themselves.

`store(items)` runs in the writer's thread with its own database connection and returns one result
or exception per item. If it raises instead, the group is stored again one item at a time, so a bad
item fails only its own request."""

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from django.db import connection

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MAX_GROUP = 500
IDLE_SECONDS = 60


class GroupCommit(Generic[T, R]):
    def __init__(self, store: Callable[[Sequence[T]], Sequence[object]], *, name: str) -> None:
        self.store = store
        self.name = name
        self.pending: queue.SimpleQueue[tuple[T, Future] | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.lock = threading.Lock()

    def submit(self, item: T) -> R:
        """Store `item` with whatever else is waiting; its result, or its exception raised here."""
        self._ensure_writer()
        future: Future = Future()
        self.pending.put((item, future))
        return future.result()

    def stop(self) -> None:
        """End the writer (after what is waiting) and close its database connection."""
        with self.lock:
            thread, self.thread = self.thread, None
        if thread is not None and self.pid == os.getpid():
            self.pending.put(None)
            thread.join(10)

    def _ensure_writer(self) -> None:
        if self._writing():
            return
        with self.lock:  # first use in this process (gunicorn forks its workers after importing us)
            if not self._writing():
                self.pending, self.pid = queue.SimpleQueue(), os.getpid()
                self.thread = threading.Thread(target=self._run, name=f"group-commit-{self.name}", daemon=True)
                self.thread.start()

    def _writing(self) -> bool:
        return self.thread is not None and self.pid == os.getpid() and self.thread.is_alive()

    def _run(self) -> None:
        try:
            while (group := self._next_group()) is not None:
                try:
                    self._store(group)
                except BaseException:  # its requests are answered; the writer stays for the next group
                    log.exception("group commit writer %s: a group failed past its own handling", self.name)
        finally:
            connection.close()

    def _next_group(self) -> list[tuple[T, Future]] | None:
        while True:
            try:
                first = self.pending.get(timeout=IDLE_SECONDS)
                break
            except queue.Empty:
                connection.close()  # an idle writer holds no database connection
        if first is None:
            return None
        group = [first]
        while len(group) < MAX_GROUP:
            try:
                entry = self.pending.get_nowait()
            except queue.Empty:
                break
            if entry is None:
                self.pending.put(None)  # stop after this group
                break
            group.append(entry)
        return group

    def _store(self, group: list[tuple[T, Future]]) -> None:
        try:
            self._store_group(group)
        finally:  # whatever ended the writer, no request waits for ever on an unanswered item
            for _, future in group:
                if not future.done():
                    future.set_exception(RuntimeError("the group commit writer stopped"))

    def _store_group(self, group: list[tuple[T, Future]]) -> None:
        try:
            outcomes = list(self.store([item for item, _ in group]))
        except Exception as exc:  # retried alone below, each with its own error
            if connection.errors_occurred or connection.connection is None or not connection.is_usable():
                connection.close()  # a broken connection is opened anew for the next try
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return
            log.warning("group of %d failed (%r): storing them one by one", len(group), exc)
            for entry in group:
                self._store([entry])
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
