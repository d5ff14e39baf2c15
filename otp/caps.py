"""The caps on sending PINs, counted in the shared cache (Redis in production): a team's PINs per
hour, a receiver's PINs per hour across all teams, and per team policy a receiver's cooldown and its
PINs per window.

Each cap is a sliding window cut into buckets of a 60th of it (at least a second): a send adds
itself to its bucket's counter and only then sums the window's buckets and decides, so of two racing
sends the later one always sees the earlier, and parallel sends cannot pass a cap. A cooldown is a
window of its length that holds one PIN. All of a send's caps are counted in one round trip
(core/counters.py), with no database lock, so a send's rows can be stored by group commit.

"A window" is the current bucket and the whole buckets before it: a PIN counts until the start of
the bucket one window after its own, and Retry-After points there. A send that is refused or fails
gives its counts back. Costs of that choice: counters start from zero when the cache is emptied, a
send rolled back by a caller's outer transaction still counts (on the safe side), and a PIN counts
up to a bucket (a 60th of the window) longer than the window."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.counters import count_and_read_many, count_back

from .errors import PinRateLimited


@dataclass
class Window:
    """One cap: at most `limit` sends per `seconds` in counters named `name`; `refusal(wait)` is the
    message of a refused send."""

    name: str
    seconds: int
    limit: int
    refusal: Callable[[int], str]
    taken: str = field(default="", init=False)  # the bucket's key, once counted

    @property
    def size(self) -> int:
        return max(1, self.seconds // 60)

    @property
    def buckets(self) -> int:
        return math.ceil(self.seconds / self.size)

    def key(self, bucket: int) -> str:
        return f"{self.name}:{self.size}:{bucket}"

    def span(self, bucket: int) -> range:
        """The buckets summed: this one, those before it in the window, and the next one, which is
        normally empty: a racing send whose clock already reads the next bucket counts there."""
        return range(bucket - self.buckets + 1, bucket + 2)


def caps_take(windows: Sequence[Window], *, now: datetime) -> None:
    """Count a send in every window, then refuse it (PinRateLimited, every count given back) if one
    holds more than its limit; the first such window, in the order given, says why."""
    stamp = now.timestamp()
    buckets = [int(stamp) // w.size for w in windows]
    counted = count_and_read_many(
        [
            (w.key(bucket), [w.key(b) for b in w.span(bucket) if b != bucket], w.seconds + 2 * w.size + 60)
            for w, bucket in zip(windows, buckets, strict=True)
        ]
    )
    for window, bucket in zip(windows, buckets, strict=True):
        window.taken = window.key(bucket)  # counted: given back if the send goes no further
    for window, bucket, (mine, others) in zip(windows, buckets, counted, strict=True):
        if mine + sum(others.values()) > window.limit:
            others[window.taken] = mine - 1
            wait = _seconds_until_room(window, bucket, others, stamp)
            caps_give_back(windows)
            raise PinRateLimited(window.refusal(wait), retry_after=wait)


def _seconds_until_room(window: Window, bucket: int, counts: dict[str, int], stamp: float) -> int:
    """Until enough of the oldest buckets have left the window for one more send."""
    to_leave = sum(counts.values()) - window.limit + 1
    for oldest in window.span(bucket):  # oldest first; limit >= 1, so the loop always stops
        to_leave -= counts.get(window.key(oldest), 0)
        if to_leave <= 0:
            break
    leaves_at = (oldest + window.buckets) * window.size
    return max(1, math.ceil(leaves_at - stamp))


def caps_give_back(windows: Sequence[Window]) -> None:
    """Undo `caps_take` for a send that was refused or failed."""
    for window in windows:
        if window.taken:
            count_back(window.taken)
            window.taken = ""
