"""Requests that build many objects (a 100,000-recipient send) with the cyclic garbage collector
paused: those objects hold no cycles, yet CPython walks them again each time enough new ones pile
up, which took a third of such a request's time. What is garbage is collected once, afterwards."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Re-entrant and safe across threads: whoever paused the collector resumes it (a thread that
    finds it paused leaves it so)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
