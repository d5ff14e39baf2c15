"""Outages at the network edge, for tests: the huey queue's storage or the cache unreachable."""

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import redis
from django.test import override_settings
from huey.contrib.djhuey import HUEY

UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, the connection is refused


@contextmanager
def queue_down() -> Iterator[mock.Mock]:
    """Huey enqueues for real (not inline) and its storage refuses with redis.ConnectionError, as
    RedisHuey does when Redis is down. Yields the mock of `storage.enqueue`."""
    HUEY.immediate = False
    try:
        refused = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with mock.patch.object(HUEY.storage, "enqueue", side_effect=refused) as enqueue:
            yield enqueue
    finally:
        HUEY.immediate = True


@contextmanager
def cache_down() -> Iterator[None]:
    """The default cache is Redis, and Redis does not answer."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}}
    ):
        yield


@contextmanager
def queue_not_run() -> Iterator[None]:
    """Huey enqueues for real (in memory) and nothing runs the tasks: as in production, where the
    request only hands the work to Redis and a consumer process does it."""
    HUEY.immediate = False
    try:
        yield
    finally:
        HUEY.immediate = True
