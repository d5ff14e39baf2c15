"""The network edge of the 2FA tests: the simulator (so it follows the gateway protocol as the
engine grows), also keeping what it was handed."""

import threading

from messaging.gateways.base import Outbound, SubmitResult
from messaging.gateways.simulator import SimulatorGateway

SUBMITTED: list[Outbound] = []
_lock = threading.Lock()


class RecordingGateway(SimulatorGateway):
    name = "otp-recording"

    def __init__(self, *, sink, **options) -> None:
        super().__init__(sink=sink, delivered_ratio=1.0, latency_seconds=0.0, reply_ratio=0.0)

    def submit(self, messages) -> list[SubmitResult]:
        with _lock:
            SUBMITTED.extend(messages)
        return super().submit(messages)
