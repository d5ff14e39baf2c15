"""Logs each message instead of sending it; every message is accepted, no reports follow."""

import logging
from collections.abc import Sequence

from .base import Outbound, ReportSink, SubmitResult

log = logging.getLogger(__name__)


class ConsoleGateway:
    name = "console"

    def __init__(self, *, sink: ReportSink, **options: object) -> None:
        self.sink = sink

    def submit(self, messages: Sequence[Outbound]) -> list[SubmitResult]:
        for m in messages:
            log.info("SMS to %s from %r in %d part(s): %s", m.to, m.sender, len(m.parts), "".join(m.parts))
        return [
            SubmitResult(m.message_id, True, tuple(f"console-{m.message_id}-{i}" for i in range(len(m.parts))))
            for m in messages
        ]

    def recorded(self) -> None:
        pass

    def close(self) -> None:
        pass
