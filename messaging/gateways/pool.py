"""Several binds of one connector as one gateway: each submit is shared among the binds that are
up (all of them when none is, so each waits for its link as a lone gateway would), the shares sent
at once, the answers put back in order. Every bind reports to the same sink, so a receipt is
matched to its message whichever bind it comes in on."""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from .base import BindStatus, DeliveryReport, Outbound, SubmitResult


class Bind(Protocol):
    name: str

    def submit(self, messages: Sequence[Outbound], *, outage_timeout: float | None = None) -> list[SubmitResult]: ...
    def ready(self, timeout: float) -> bool: ...
    def binds(self) -> list[BindStatus]: ...
    def close(self) -> None: ...
    def receipts_stored(self, reports: Sequence[DeliveryReport], *, stored: bool = True) -> None: ...


class BindPool:
    uses_database = False  # its submits may run on any thread, alongside other connectors

    def __init__(self, binds: Sequence[Bind], *, name: str) -> None:
        self.name = name
        self._binds = list(binds)
        self._threads = ThreadPoolExecutor(max_workers=len(self._binds), thread_name_prefix=f"binds-{name}")

    def submit(self, messages: Sequence[Outbound], *, outage_timeout: float | None = None) -> list[SubmitResult]:
        for bind in self._binds:  # each one connects (once) even when a few messages need only one
            bind.ready(0)
        up = [b for b in self._binds if b.binds()[0].state == "bound"] or self._binds
        count = min(len(up), len(messages))
        if count <= 1:
            return up[0].submit(messages, outage_timeout=outage_timeout)
        size = -(-len(messages) // count)  # whole messages per bind: a message's parts stay on one link
        shares = [messages[i : i + size] for i in range(0, len(messages), size)]
        answers = self._threads.map(
            lambda pair: pair[0].submit(pair[1], outage_timeout=outage_timeout), zip(up, shares, strict=False)
        )
        return [result for answer in answers for result in answer]

    def ready(self, timeout: float) -> bool:
        """Start every bind; True once one of them is up (within `timeout` seconds)."""
        ready = [self._threads.submit(b.ready, timeout) for b in self._binds]
        return any(f.result() for f in ready)

    def binds(self) -> list[BindStatus]:
        return [status for b in self._binds for status in b.binds()]

    def recorded(self) -> None:
        """Receipts come from the network: nothing to hand over."""

    def receipts_stored(self, reports: Sequence[DeliveryReport], *, stored: bool = True) -> None:
        """Each bind answers those it handed over (SubmitResult.reports)."""
        for bind in self._binds:
            bind.receipts_stored(reports, stored=stored)

    def close(self) -> None:
        for bind in self._binds:
            bind.close()
        self._threads.shutdown(wait=False)
