"""Each connector's SMS parts per second, counted in the shared cache (Redis; without Redis the file
cache, atomic across the processes of one machine): the cap holds over every consumer process, and
the same counters give the status page its "per second now"."""

import logging
import time

from core.counters import count, counts_read

log = logging.getLogger(__name__)

WINDOW_KEEP = 120  # seconds a counter is kept: the status page reads the last minute


def _key(connector_id: int, second: int) -> str:
    return f"routing:tps:{connector_id}:{second}"


def throughput_take(*, connector_id: int, cap: int, want: int) -> int:
    """How many of `want` parts may go now (0 < cap: within this second's cap; 0: all of them).
    What is granted is counted; what is not is given back. With the cache unreachable, all of them:
    the carrier's own throttling (a temporary refusal) is the cap then."""
    try:
        used = count(_key(connector_id, int(time.time())), amount=want, timeout=WINDOW_KEEP)
    except Exception as exc:
        log.warning("Throughput not counted (cache unreachable): %r", exc)
        return want
    if cap <= 0:
        return want
    granted = max(0, min(want, cap - (used - want)))
    if granted < want:
        count(_key(connector_id, int(time.time())), amount=granted - want, timeout=WINDOW_KEEP)
    return granted


def throughput_wait(*, connector_id: int, cap: int, want: int) -> int:
    """Like throughput_take, but waits for the next second until at least one part may go."""
    while not (granted := throughput_take(connector_id=connector_id, cap=cap, want=want)):
        time.sleep(1.0 - time.time() % 1.0 + 0.001)
    return granted


def throughput_now(*, connector_id: int, seconds: int = 5) -> float:
    """Parts per second over the last `seconds` whole seconds."""
    now = int(time.time())
    counts = counts_read([_key(connector_id, now - i) for i in range(1, seconds + 1)])
    return sum(counts.values()) / seconds
