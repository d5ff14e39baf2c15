"""What every scenario shares: a figure, a separate throw-away database, a timer."""

import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    scenario: str
    name: str
    value: float
    unit: str
    target: str  # e.g. ">= 1000" or "<= 50"
    how: str  # how it was taken (load generator, sizes, database)

    @property
    def ok(self) -> bool:
        op, limit = self.target.split()
        return self.value >= float(limit) if op == ">=" else self.value <= float(limit)

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


SCENARIOS: dict[str, Callable[[bool], list[Figure]]] = {}


def scenario(name: str):
    def register(func: Callable[[bool], list[Figure]]):
        SCENARIOS[name] = func
        return func

    return register


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh database named test_<name>, migrated, dropped afterwards (the real one is untouched)."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from messaging.services.reports import RECEIPTS

    old = setup_databases(verbosity=0, interactive=False)
    try:
        yield connection.vendor
    finally:
        RECEIPTS.stop()  # the receipts writer's connection would keep the database from being dropped
        teardown_databases(old, verbosity=0)


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    elapsed = None
    yield lambda: elapsed if elapsed is not None else time.perf_counter() - start
    elapsed = time.perf_counter() - start


@contextmanager
def peak_memory() -> Iterator[Callable[[], float]]:
    """Peak Python allocations (MB) inside the block, by tracemalloc."""
    tracemalloc.start()
    result: list[float] = []
    try:
        yield lambda: result[0] if result else tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        result.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
