"""Counters and flags in the shared cache, for what every process must see alike (API rate limits,
the 2FA caps, a dispatch wake-up already waiting): on Redis one round trip a call through the plain
client (core/shared_redis.py); on another cache through Django's cache API, whose `incr` is atomic
on the in-memory cache and the embedded file cache (config/cache.py). Django's cache API would take
three round trips to count on Redis, and check every key it reads in Python, which made reading an
hour of minute counters the costliest step of sending a 2FA PIN."""

import contextlib
from collections.abc import Sequence

from django.core.cache import cache

from core.shared_redis import redis_client


def count_and_read(key: str, others: Sequence[str] = (), *, timeout: int) -> tuple[int, dict[str, int]]:
    """Add one to `key` (kept `timeout` seconds from its first count), then read `others`: the new
    count and the others' counts (those never counted are left out). The read comes after the
    addition, so of two racing callers the later one always sees the earlier one's count."""
    return count_and_read_many([(key, others, timeout)])[0]


def count_and_read_many(counts: Sequence[tuple[str, Sequence[str], int]]) -> list[tuple[int, dict[str, int]]]:
    """`count_and_read` of each (key, others, timeout), in one round trip on Redis."""
    client = redis_client()
    if client is None:
        return [_count_and_read_cached(key, others, timeout) for key, others, timeout in counts]
    if len(counts) == 1 and not counts[0][1]:  # a plain count (a rate limit): no pipeline to build
        key, _, timeout = counts[0]
        mine = client.incr(key)
        if mine == 1:  # its first count sets its expiry (a count left without one is only garbage)
            client.expire(key, timeout)
        return [(mine, {})]
    pipe = client.pipeline(transaction=False)
    for key, others, timeout in counts:
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        if others:
            pipe.mget(others)
    results = iter(pipe.execute())
    answers = []
    for _, others, _ in counts:
        mine, _ = next(results), next(results)
        values = next(results) if others else []
        answers.append((mine, {name: int(v) for name, v in zip(others, values, strict=True) if v is not None}))
    return answers


def _count_and_read_cached(key: str, others: Sequence[str], timeout: int) -> tuple[int, dict[str, int]]:
    cache.add(key, 0, timeout)
    try:
        mine = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout)
        mine = 1
    return mine, cache.get_many(list(others)) if others else {}


def count_back(key: str) -> None:
    """Take back one count of `key` (nothing when it has expired meanwhile)."""
    client = redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.exists(key)
        pipe.decr(key)
        if not pipe.execute()[0]:
            client.delete(key)  # the DECR of an expired key made a new one at -1
        return
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(key)


def flag_raise(key: str, *, timeout: int) -> bool:
    """Raise the flag `key` for `timeout` seconds: True when it was down (this caller raised it),
    False when it was already up."""
    client = redis_client()
    if client is not None:
        return bool(client.set(key, 1, nx=True, ex=timeout))
    return cache.add(key, 1, timeout)


def flag_lower(key: str) -> None:
    client = redis_client()
    if client is not None:
        client.delete(key)
    else:
        cache.delete(key)
