"""Choose the gateway by name in settings, the way EMAIL_BACKEND works: `simulator` (default),
`console`, `smpp`, or the dotted path of a class taking `sink=` and settings as keywords."""

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Gateway

BUILTIN = {
    "simulator": "messaging.gateways.simulator.SimulatorGateway",
    "console": "messaging.gateways.console.ConsoleGateway",
    "smpp": "messaging.gateways.smpp.SmppGateway",
}
_lock = threading.Lock()
_gateway: Gateway | None = None


def _options(name: str) -> dict:
    if name == "smpp":
        return dict(settings.SMS_SMPP)
    if name == "simulator":
        return dict(settings.SMS_SIMULATOR)
    return {}


def get_gateway() -> Gateway:
    """The process's gateway: one per process, so an SMPP bind is kept and shared by worker threads."""
    global _gateway
    with _lock:
        if _gateway is None:
            from messaging.services.reports import EngineSink

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
