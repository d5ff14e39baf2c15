"""A gateway for tests that keeps what it was handed (the network edge, and nothing else, is fake)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from messaging.gateways.base import DeliveryReport, InboundSms, SubmitResult

SUBMITTED: list = []


class RecordingGateway:
    name = "recording"

    def __init__(self, *, sink, **options):
        self.sink = sink

    def submit(self, messages):
        SUBMITTED.extend(messages)
        return [
            SubmitResult(m.message_id, True, tuple(f"rec-{m.message_id}-{i}" for i in range(len(m.parts))))
            for m in messages
        ]

    def recorded(self):
        pass

    def close(self):
        pass


class HangingGateway(RecordingGateway):
    """Never answers a submit: the worker that calls it hangs there (until its process is killed)."""

    name = "hanging"

    def submit(self, messages):
        import threading

        threading.Event().wait()


@dataclass
class RecordingSink:
    """A ReportSink that keeps what it is given (tests)."""

    received_reports: list[DeliveryReport] = field(default_factory=list)
    received_inbound: list[InboundSms] = field(default_factory=list)

    def reports(self, reports: Sequence[DeliveryReport]) -> None:
        self.received_reports.extend(reports)

    def inbound(self, messages: Sequence[InboundSms]) -> None:
        self.received_inbound.extend(messages)

    def thread_done(self) -> None:
        pass
