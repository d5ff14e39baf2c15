"""The embedded default cache (no REDIS_URL) counts atomically across processes: the API rate
limit and the 2FA hourly caps hold with several web processes. (Failed logins are counted in the
database by django-axes.)"""

import multiprocessing
import pickle
import time
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import override_settings

from config.settings.base import EMBEDDED_CACHE

PROCESSES = 8
EACH = 20


def _embedded(tmp_path) -> dict:
    return {"default": {**EMBEDDED_CACHE, "LOCATION": str(tmp_path / "cache")}}


def _in_processes(target, tmp_path) -> list[int]:
    """Run `target()` in PROCESSES forked processes at once, each on the embedded cache in
    `tmp_path`; the values they return."""
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(PROCESSES), ctx.Queue()

    def child() -> None:
        with override_settings(CACHES=_embedded(tmp_path)):
            start.wait()
            results.put(target())

    children = [ctx.Process(target=child) for _ in range(PROCESSES)]
    for process in children:
        process.start()
    values = [results.get(timeout=120) for _ in children]
    for process in children:
        process.join(timeout=30)
    return values


def _rate_limited_calls() -> int:
    from core.counters import count

    return sum(count("ratelimit:key:1:0", timeout=65) <= 60 for _ in range(EACH))


def test_the_api_rate_limit_holds_across_processes(tmp_path):
    allowed = _in_processes(_rate_limited_calls, tmp_path)
    assert sum(allowed) == 60  # 160 calls from 8 processes against 60 a minute
    with override_settings(CACHES=_embedded(tmp_path)):
        assert cache.get("ratelimit:key:1:0") == PROCESSES * EACH


def _pins_sent() -> int:
    from otp.caps import Window, caps_take
    from otp.errors import PinRateLimited

    sent = 0
    for _ in range(4):
        try:  # a refused send gives its count back itself
            caps_take([Window("otp:receiver-pins:+37255555555", 3600, 10, lambda wait: "no")], now=NOON)
        except PinRateLimited:
            continue
        sent += 1
    return sent


NOON = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_the_receiver_pin_cap_holds_across_processes(tmp_path):
    assert sum(_in_processes(_pins_sent, tmp_path)) == 10  # 32 tries, a cap of 10


def test_incr_keeps_the_expiry(tmp_path):
    """An hourly counter stays for its hour: incr does not shorten it to the default 5 minutes."""
    with override_settings(CACHES=_embedded(tmp_path)):
        cache.add("otp:team-pins:1:100", 0, 7200)
        assert cache.incr("otp:team-pins:1:100") == 1
        with open(cache._key_to_file("otp:team-pins:1:100"), "rb") as f:
            assert pickle.load(f) > time.time() + 7000
        with pytest.raises(ValueError):
            cache.incr("never-set")
