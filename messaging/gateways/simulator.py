"""A pretend network, so a fresh install shows a living system: it accepts every message, then
reports each part delivered or undelivered (by `delivered_ratio`) after `latency_seconds`, and now
and then has the recipient reply (`reply_ratio`). With `reports=False` it stays silent after
accepting, and a test can play the network. Numbers ending in 666 are always undelivered,
so tests and demos can ask for a failure."""

import random
from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from .base import DeliveryReport, InboundSms, Outbound, ReportSink, SubmitResult

FAILING_SUFFIX = "666"
REPLIES = ("Thanks!", "OK", "STOP", "Got it, see you then.")


class SimulatorGateway:
    name = "simulator"

    def __init__(
        self,
        *,
        sink: ReportSink,
        delivered_ratio: float = 0.9,
        latency_seconds: float = 0.0,
        reply_ratio: float = 0.0,
        reports: bool = True,
        seed: int | None = None,
    ) -> None:
        self.sink = sink
        self.delivered_ratio = delivered_ratio
        self.latency = latency_seconds
        self.reply_ratio = reply_ratio
        self.send_reports = reports
        self.random = random.Random(seed)
        self._due: list[tuple[list[DeliveryReport], list[InboundSms]]] = []

    def submit(self, messages: Sequence[Outbound]) -> list[SubmitResult]:
        results, reports, replies = [], [], []
        at = timezone.now() + timedelta(seconds=self.latency)
        for m in messages:
            part_ids = tuple(f"sim-{m.message_id}-{i}" for i in range(len(m.parts)))
            results.append(SubmitResult(m.message_id, True, part_ids))
            delivered = not m.to.endswith(FAILING_SUFFIX) and self.random.random() < self.delivered_ratio
            if m.request_dlr and self.send_reports:
                state = "DELIVRD" if delivered else "UNDELIV"
                reports += [DeliveryReport(part_id=p, state=state, at=at) for p in part_ids]
            if delivered and not m.silent and self.random.random() < self.reply_ratio:
                replies.append(InboundSms(sender=m.to, to=m.sender, text=self.random.choice(REPLIES), at=at))
        if self.latency <= 0:
            self._due.append((reports, replies))  # handed over in recorded(), once the parts are stored
        else:
            from messaging.tasks import simulator_deliver

            simulator_deliver.schedule(args=(reports, replies), delay=self.latency)
        return results

    def recorded(self) -> None:
        due, self._due = self._due, []
        for reports, replies in due:
            self.sink.reports(reports)
            self.sink.inbound(replies)

    def close(self) -> None:
        pass
