"""The huey consumer's heartbeat: a timestamp in the cache (Redis in production, shared by every
process), written every SMS_HEARTBEAT_INTERVAL_SECONDS by a thread each consumer process starts
(ops/tasks.py), read by /health/ready."""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
KEY = "ops:consumer-heartbeat"
_started = threading.Lock()
_thread: threading.Thread | None = None


def heartbeat_beat(*, now: float | None = None) -> None:
    """Record that a consumer is alive now (kept ten times the allowed age, so a stale one shows)."""
    cache.set(KEY, time.time() if now is None else now, timeout=settings.SMS_HEARTBEAT_MAX_AGE_SECONDS * 10)


def heartbeat_age(*, now: float | None = None) -> float | None:
    """Seconds since a consumer last beat; None when none ever did (or too long ago to remember)."""
    beat = cache.get(KEY)
    if beat is None:
        return None
    return max(0.0, (time.time() if now is None else now) - float(beat))


def _beat_forever(interval: float) -> None:
    while True:
        try:
            heartbeat_beat()
        except Exception:  # Redis away for a moment: the next beat tries again, readiness shows it
            log.warning("consumer heartbeat not written", exc_info=True)
        time.sleep(interval)


def heartbeat_thread_start() -> bool:
    """Start this process's heartbeat thread once (huey calls its startup hook in every worker)."""
    global _thread
    with _started:
        if _thread is not None:
            return False
        _thread = threading.Thread(
            target=_beat_forever, args=(settings.SMS_HEARTBEAT_INTERVAL_SECONDS,), name="heartbeat", daemon=True
        )
        _thread.start()
        return True
