"""The network edge of the tests, in one place (it, and nothing else, is fake): a gateway that keeps
what it was handed and answers as the simulator does, one that never answers, a report sink that
keeps what it is given, and builders of what crosses the edge (an Outbound, an SMPP deliver_sm).
The `recording_gateway` fixture (tests/conftest.py) switches to the first. The SMSC that the SMPP
gateway is tested against, and its harness, are tests/smsc.py."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from smpplib import smpp
from smpplib.command import Command

from messaging.gateways.base import DeliveryReport, InboundSms, Outbound, SubmitResult
from messaging.gateways.simulator import SimulatorGateway

SUBMITTED: list[Outbound] = []
_lock = threading.Lock()


class RecordingGateway(SimulatorGateway):
    """Keeps every message handed to it; the simulator accepts and delivers each at once (so it
    follows the gateway protocol as the engine grows)."""

    name = "recording"

    def __init__(self, *, sink, **options) -> None:
        super().__init__(sink=sink, delivered_ratio=1.0, latency_seconds=0.0, reply_ratio=0.0)

    def submit(self, messages) -> list[SubmitResult]:
        with _lock:
            SUBMITTED.extend(messages)
        return super().submit(messages)


class HangingGateway(RecordingGateway):
    """Never answers a submit: the worker that calls it hangs there (until its process is killed)."""

    name = "hanging"

    def submit(self, messages):
        threading.Event().wait()


@dataclass
class RecordingSink:
    """A ReportSink that keeps what it is given."""

    received_reports: list[DeliveryReport] = field(default_factory=list)
    received_inbound: list[InboundSms] = field(default_factory=list)

    def reports(self, reports: Sequence[DeliveryReport]) -> None:
        self.received_reports.extend(reports)

    def inbound(self, messages: Sequence[InboundSms]) -> None:
        self.received_inbound.extend(messages)

    def thread_done(self) -> None:
        pass


def sms(message_id: int, to: str, *parts: str, sender: str = "+3725000001", encoding: str = "GSM7", **kw) -> Outbound:
    return Outbound(message_id=message_id, sender=sender, to=to, parts=parts, encoding=encoding, **kw)


def deliver_sm(**fields: object) -> Command:
    return smpp.make_pdu("deliver_sm", client=None, sequence=1, **fields)
