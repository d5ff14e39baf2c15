"""In-process caches of rows that rarely change (API keys with their users and teams, the price
table, which teams have a blacklist), kept exact by one counter in the shared cache.

Every write that could change what these caches hold calls `bump()` once its transaction
commits: the counter is incremented and its new value published. On Redis, a thread in each process
follows the counter (`_Follower`): it reads it when it connects and takes each published value as it
comes, so a request reads the counter from memory and pays nothing for what it finds cached; a
process whose caches were filled under another value empties them before answering. A change is
seen by the requests that start once its message has arrived, a fraction of a millisecond after the
commit. On another shared cache, each request reads the counter once, at its start.

When the counter is unknown (Redis out of reach, the follower not connected yet, or its connection
lost), the caches are bypassed (every lookup goes to the database), never trusted."""

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.shared_redis import redis_client, redis_location

log = logging.getLogger(__name__)
KEY = "generation:config"
V = TypeVar("V")

_request = threading.local()  # the counter read at the start of this thread's request
_caches: list["ProcessCache"] = []


def _read() -> int | None:
    try:
        client = redis_client()
        return int((client.get(KEY) if client is not None else cache.get(KEY)) or 0)
    except Exception as exc:
        log.warning("Configuration generation unknown (cache unreachable): %r", exc)
        return None


def current() -> int | None:
    """The counter as this process's follower knows it (on Redis); elsewhere as this request read it
    at its start, or read now outside requests (tasks)."""
    follower = _follower()
    if follower is not None:
        return follower.value
    value = getattr(_request, "generation", False)
    return _read() if value is False else value


class _Follower(threading.Thread):
    """Follows the counter on Redis: subscribes to its channel, then reads it (so no bump falls
    between the two), and takes each published value. It reads the counter again every few seconds
    as well, which also proves the connection alive; any failure makes the value unknown until the
    follower is connected again."""

    RECHECK_SECONDS = 5.0

    def __init__(self, location: str) -> None:
        super().__init__(name="generation-follower", daemon=True)
        self.location = location
        self.value: int | None = None

    def run(self) -> None:
        import redis

        client = redis.Redis.from_url(
            self.location, socket_connect_timeout=1.0, socket_timeout=self.RECHECK_SECONDS + 5
        )
        while True:
            try:
                self._follow(client)
            except Exception as exc:
                if self.value is not None:
                    log.warning("Configuration generation unknown (follower lost Redis): %r", exc)
                self.value = None
                time.sleep(1)

    def _follow(self, client) -> None:
        with client.pubsub(ignore_subscribe_messages=True) as channel:
            channel.subscribe(KEY)
            while True:
                self.value = int(client.get(KEY) or 0)
                deadline = time.monotonic() + self.RECHECK_SECONDS
                while (left := deadline - time.monotonic()) > 0:
                    message = channel.get_message(timeout=left)
                    if message is not None:
                        self.value = int(message["data"])


_followers: dict[tuple[str, int], _Follower] = {}
_followers_lock = threading.Lock()


def _follower() -> _Follower | None:
    """This process's follower of the default cache's Redis (a forked worker starts its own)."""
    location = redis_location()
    if location is None:
        return None
    key = (location, os.getpid())
    follower = _followers.get(key)
    if follower is None:
        with _followers_lock:
            follower = _followers.get(key)
            if follower is None:
                follower = _followers[key] = _Follower(location)
                follower.start()
    return follower


def bump() -> None:
    """Mark every process's caches stale: this process's at once, the others' when the current
    transaction commits (at once outside one). Bumping the shared counter after the commit matters:
    a request elsewhere that reloads between the write and the commit would otherwise keep the old
    rows under the new value; and no Redis call waits inside the caller's transaction."""
    clear_process_caches()
    transaction.on_commit(_increment, robust=True)


def _increment() -> None:
    try:
        client = redis_client()
        if client is not None:
            client.publish(KEY, client.incr(KEY))
        elif not cache.add(KEY, 1, timeout=None):
            cache.incr(KEY)
    except Exception as exc:
        log.error("Configuration generation not bumped (cache unreachable): %r", exc)
    clear_process_caches()  # this process needs no second look


def clear_process_caches() -> None:
    for process_cache in _caches:
        process_cache.clear()


class ProcessCache(Generic[V]):
    """A dictionary valid for one value of the counter. `get(key, load)`: the cached value, else
    `load()` stored (None results are stored too: "no such key" is worth remembering)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.generation: int | None = None
        self.values: dict[Hashable, V] = {}
        self.lock = threading.Lock()
        _caches.append(self)

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        generation = current()
        if generation is None:
            return load()
        with self.lock:
            if generation != self.generation:
                self.values, self.generation = {}, generation
            elif key in self.values:
                return self.values[key]
        value = load()
        with self.lock:
            if generation == self.generation:
                if len(self.values) >= self.size:
                    self.values.clear()
                self.values[key] = value
        return value

    def clear(self) -> None:
        with self.lock:
            self.values, self.generation = {}, None


def bump_on_change(*models: type) -> None:
    """Bump whenever a row of these models is saved or deleted one by one (the admin, `save()`);
    services that change them in bulk (`update()`) call `bump()` themselves."""
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"core.generations.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"core.generations.delete.{model.__name__}")


def _changed(**kwargs) -> None:
    bump()


def _request_started(**kwargs) -> None:
    if _follower() is None:
        _request.generation = _read()


def _request_finished(**kwargs) -> None:
    _request.__dict__.pop("generation", None)


request_started.connect(_request_started, dispatch_uid="core.generations.started")
request_finished.connect(_request_finished, dispatch_uid="core.generations.finished")
