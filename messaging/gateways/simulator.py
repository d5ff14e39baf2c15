"""A pretend network, so a fresh install shows a living system: it accepts every message, then
reports each part delivered or undelivered (by `delivered_ratio`) after `latency_seconds`, and now
and then has the recipient reply (`reply_ratio`). With `reports=False` it stays silent after
accepting, and a test can play the network. Numbers ending in 666 are always undelivered,
so tests and demos can ask for a failure.

With a latency, the receipts come later: the gateway hands them to `deliver_later(reports,
replies, delay)`, a scheduler its builder passes in (the engine schedules a task)."""

import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from messaging.models import Message, SimulatedSubmission, Status

from .base import DeliveryReport, InboundSms, Outbound, ReportSink, SubmitResult

FAILING_SUFFIX = "666"
REPLIES = ("Thanks!", "OK", "STOP", "Got it, see you then.")
Scheduler = Callable[[list[DeliveryReport], list[InboundSms], float], None]


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
        deliver_later: Scheduler | None = None,
    ) -> None:
        if latency_seconds > 0 and deliver_later is None:
            raise ValueError("a simulator with a latency needs deliver_later, the scheduler of its receipts")
        self.sink = sink
        self.deliver_later = deliver_later
        self.delivered_ratio = delivered_ratio
        self.latency = latency_seconds
        self.reply_ratio = reply_ratio
        self.send_reports = reports
        self.random = random.Random(seed)
        self._due: list[tuple[list[DeliveryReport], list[InboundSms]]] = []

    def submit(self, messages: Sequence[Outbound]) -> list[SubmitResult]:
        known = dict(
            SimulatedSubmission.objects.filter(message_id__in=[m.message_id for m in messages]).values_list(
                "message_id", "part_ids"
            )
        )
        fresh = [(m, self._part_ids(m), self._state(m)) for m in messages if m.message_id not in known]
        self._remember(fresh)
        results, reports, replies = [], [], []
        at = timezone.now() + timedelta(seconds=self.latency)
        parts_and_states = {m.message_id: (part_ids, state) for m, part_ids, state in fresh}
        for m in messages:
            if m.message_id in known:  # handed over again after a crash: the network already has it
                results.append(SubmitResult(m.message_id, True, tuple(known[m.message_id])))
                continue
            part_ids, state = parts_and_states[m.message_id]
            results.append(SubmitResult(m.message_id, True, part_ids))
            delivered = state == "DELIVRD"
            if m.request_dlr and self.send_reports:
                reports += [DeliveryReport(part_id=p, state=state, at=at) for p in part_ids]
            if delivered and not m.silent and self.random.random() < self.reply_ratio:
                replies.append(InboundSms(sender=m.to, to=m.sender, text=self.random.choice(REPLIES), at=at))
        if self.latency <= 0:
            self._due.append((reports, replies))  # handed over in recorded(), once the parts are stored
        elif self.deliver_later is not None:
            self.deliver_later(reports, replies, self.latency)
        return results

    @staticmethod
    def _remember(fresh: list[tuple[Outbound, tuple[str, ...], str]]) -> None:
        """Keep what this network accepted (a message already kept stays as it was)."""
        if not fresh:
            return
        if connection.vendor != "postgresql":
            SimulatedSubmission.objects.bulk_create(
                [SimulatedSubmission(message_id=m.message_id, part_ids=list(p), state=s) for m, p, s in fresh],
                ignore_conflicts=True,
            )
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO messaging_simulatedsubmission (message_id, part_ids, state, submitted_at) "
                "SELECT id, to_jsonb(string_to_array(parts, ' ')), state, now() "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(id, parts, state) "
                "ON CONFLICT (message_id) DO NOTHING",
                [[m.message_id for m, _, _ in fresh], [" ".join(p) for _, p, _ in fresh], [s for _, _, s in fresh]],
            )

    def take_reports(self) -> list[DeliveryReport]:
        """The receipts of what was just submitted, handed to the dispatcher to record with the
        submit (replies still come through the sink in recorded()). Empty with a latency: those
        receipts come later, from a task."""
        taken = [report for reports, _ in self._due for report in reports]
        self._due = [([], replies) for _, replies in self._due if replies]
        return taken

    def _state(self, m: Outbound) -> str:
        delivered = not m.to.endswith(FAILING_SUFFIX) and self.random.random() < self.delivered_ratio
        return "DELIVRD" if delivered else "UNDELIV"

    def redeliver_reports(self, *, older_than: timedelta) -> int:
        """Like an SMSC retrying receipts: messages still SENT a while after submission get their
        receipts again (a worker that died before handing them over lost them)."""
        waiting = Message.objects.filter(
            status=Status.SENT, request_dlr=True, sent_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)[:10_000]
        rows = SimulatedSubmission.objects.filter(message_id__in=list(waiting)).values_list("part_ids", "state")
        reports = [
            DeliveryReport(part_id=p, state=state, at=timezone.now()) for part_ids, state in rows for p in part_ids
        ]
        if reports and self.send_reports:
            self.sink.reports(reports)
        return len(reports)

    @staticmethod
    def _part_ids(m: Outbound) -> tuple[str, ...]:
        return tuple(f"sim-{m.message_id}-{i}" for i in range(len(m.parts)))

    def recorded(self) -> None:
        due, self._due = self._due, []
        for reports, replies in due:
            self.sink.reports(reports)
            self.sink.inbound(replies)

    def close(self) -> None:
        pass
