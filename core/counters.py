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


def count(key: str, *, timeout: int, amount: int = 1) -> int:
    """Add `amount` (negative: take back) to `key`, kept `timeout` seconds from its first count: the
    new count."""
    client = redis_client()
    if client is None:
        return _count_cached(key, amount, timeout)
    mine = client.incr(key, amount)
    if mine == amount:  # its first count sets its expiry (a count left without one is only garbage)
        client.expire(key, timeout)
    return mine


def counts_read(keys: Sequence[str]) -> dict[str, int]:
    """The counts of `keys` (those never counted are left out)."""
    client = redis_client()
    if client is None:
        return cache.get_many(list(keys))
    return {name: int(v) for name, v in zip(keys, client.mget(keys), strict=True) if v is not None}


def count_and_read_many(counts: Sequence[tuple[str, Sequence[str], int]]) -> list[tuple[int, dict[str, int]]]:
    """For each (key, others, timeout): add one to `key` (kept `timeout` seconds from its first
    count), then read `others`; the new count and the others' counts (those never counted are left
    out), in one round trip on Redis. The read comes after the addition, so of two racing callers
    the later one always sees the earlier one's count."""
    client = redis_client()
    if client is None:
        return [
            (_count_cached(key, 1, timeout), counts_read(others) if others else {}) for key, others, timeout in counts
        ]
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


def _count_cached(key: str, amount: int, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between the two calls
        cache.set(key, amount, timeout)
        return amount


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
