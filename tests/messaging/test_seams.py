"""The seams between the engine and what it drives: a gateway reports to the sink and the scheduler
it is given (it imports neither the services nor the queue); callbacks are retried through the
enqueue seam."""

import pytest
from django.test import override_settings

from messaging.callbacks import delivery
from messaging.gateways.base import Outbound
from messaging.gateways.simulator import SimulatorGateway
from messaging.services.engine import get_gateway, reset_gateway, simulator_deliver_later
from tests.gateways import RecordingSink


def _outbound(message_id: int) -> Outbound:
    return Outbound(message_id=message_id, sender="Shop", to="+37250000001", parts=("hi",), encoding="GSM7")


@pytest.mark.django_db
def test_a_simulator_with_latency_hands_its_receipts_to_the_scheduler_it_was_given():
    sink, scheduled = RecordingSink(), []
    gateway = SimulatorGateway(
        sink=sink, latency_seconds=7, delivered_ratio=1.0, deliver_later=lambda *call: scheduled.append(call)
    )
    gateway.submit([_outbound(41)])
    gateway.recorded()
    [(reports, replies, delay)] = scheduled
    assert [(r.part_id, r.state) for r in reports] == [("sim-41-0", "DELIVRD")] and replies == [] and delay == 7
    assert sink.received_reports == []  # not now: the scheduler hands them over later


def test_a_simulator_with_latency_and_no_scheduler_is_refused_when_built():
    with pytest.raises(ValueError, match="deliver_later"):
        SimulatorGateway(sink=RecordingSink(), latency_seconds=1)


@override_settings(SMS_GATEWAY="simulator")
def test_the_engine_builds_the_simulator_with_its_sink_and_scheduler():
    reset_gateway()
    try:
        gateway = get_gateway()
        assert type(gateway.sink).__name__ == "EngineSink"
        assert gateway.deliver_later is simulator_deliver_later
    finally:
        reset_gateway()


def test_a_failed_callback_attempt_is_retried_through_the_enqueue_seam(monkeypatch):
    later = []
    monkeypatch.setattr(delivery, "callback_attempt", lambda *, callback_id: 30)
    monkeypatch.setattr(delivery, "enqueue_later", lambda task, *args, delay: later.append((task, args, delay)))
    delivery.callback_run(5, 12)
    assert later == [("messaging.tasks.callback_deliver", (12, 5), 30)]
