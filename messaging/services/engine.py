"""The process's gateway, chosen by name in settings the way EMAIL_BACKEND works: `simulator`
(default), `console`, `smpp`, or the dotted path of a class taking `sink=` and settings as keywords.

The engine builds it and hands it what it reports to: the `EngineSink` (receipts and replies go
into the services), and for the simulator a scheduler for the receipts its pretend network sends
later (a task, through the enqueue seam). Gateways import neither the services nor the queue.
"""

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from core.enqueue import enqueue_later
from messaging.gateways import BUILTIN
from messaging.gateways.base import DeliveryReport, Gateway, InboundSms
from messaging.services.reports import EngineSink

_lock = threading.Lock()
_gateway: Gateway | None = None


def simulator_deliver_later(reports: list[DeliveryReport], replies: list[InboundSms], delay: float) -> None:
    """The simulator's scheduler: its network's receipts and replies reach the sink in `delay` seconds."""
    enqueue_later("messaging.tasks.simulator_deliver", reports, replies, delay=delay)


def _options(name: str) -> dict:
    if name == "smpp":
        return dict(settings.SMS_SMPP)
    if name == "simulator":
        return {**settings.SMS_SIMULATOR, "deliver_later": simulator_deliver_later}
    return {}


def get_gateway() -> Gateway:
    """The process's gateway: one per process, so an SMPP bind is kept and shared by worker threads."""
    global _gateway
    with _lock:
        if _gateway is None:
            name = settings.SMS_GATEWAY
            _gateway = import_string(BUILTIN.get(name, name))(sink=EngineSink(), **_options(name))
        return _gateway


def reset_gateway() -> None:
    """Close and forget the process's gateway (settings changed, tests)."""
    global _gateway
    with _lock:
        if _gateway is not None:
            _gateway.close()
        _gateway = None
