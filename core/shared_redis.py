"""A plain Redis client on the default cache's server, for the per-request counters (rate limits, the
configuration generation): one round trip each, without the cache API's per-call client object,
key versioning and pickling."""

import functools

from django.conf import settings

# Gives up quickly: an unreachable Redis must not hold requests (callers fail open or bypass).
TIMEOUT_SECONDS = 1.0


def redis_location() -> str | None:
    """The address of the default cache's Redis server, or None when the cache is something else."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    return config["LOCATION"]


def redis_client():
    """A client of the default cache's Redis server, or None when the cache is something else."""
    location = redis_location()
    return _client_for(location) if location is not None else None


@functools.cache
def _client_for(location: str):
    import redis  # only when the cache is Redis: a deployment on the embedded cache never loads it

    return redis.Redis.from_url(location, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
