"""The process's gateways. With no connectors configured, one gateway chosen by name in settings
the way EMAIL_BACKEND works: `simulator` (default), `console`, `smpp`, or the dotted path of a class
taking `sink=` and settings as keywords. With connectors (messaging/routing), one gateway per
connector, built from its row and built again when its settings change (no restart needed).

The engine builds it and hands it what it reports to: the `EngineSink` (receipts and replies go
into the services), and for the simulator a scheduler for the receipts its pretend network sends
later (a task, through the enqueue seam). Gateways import neither the services nor the queue.
"""

import logging
import threading
import time

from django.conf import settings
from django.utils.module_loading import import_string

from core.enqueue import enqueue_later
from messaging.gateways import BUILTIN
from messaging.gateways.base import DeliveryReport, Gateway, InboundSms, LinkGateway
from messaging.gateways.console import ConsoleGateway
from messaging.gateways.http import HttpGateway
from messaging.gateways.pool import BindPool
from messaging.gateways.simulator import SimulatorGateway
from messaging.gateways.smpp import SmppGateway
from messaging.models import ConnectorKind
from messaging.routing.options import options_of
from messaging.routing.secrets import secret_open
from messaging.routing.status import binds_publish
from messaging.routing.table import ConnectorInfo, routing_table
from messaging.services.reports import EngineSink

log = logging.getLogger(__name__)
# A connector's SMPP bind that is down refuses (for now) after this long, so its messages move on
# to the next connector of their route instead of waiting for the link.
CONNECTOR_OUTAGE_SECONDS = 3.0
CONNECTOR_BACKOFF_MAX_SECONDS = 10.0  # a carrier's bind that dropped is tried again at least this often
STATUS_EVERY_SECONDS = 5.0  # how often a process reports its connectors' binds to the status page

_lock = threading.Lock()
_gateway: Gateway | None = None
_by_connector: dict[int, tuple[tuple, Gateway]] = {}  # connector id -> (its fingerprint, its gateway)


def simulator_deliver_later(reports: list[DeliveryReport], replies: list[InboundSms], delay: float) -> None:
    """The simulator's scheduler: its network's receipts and replies reach the sink in `delay` seconds."""
    enqueue_later("messaging.tasks.simulator_deliver", reports, replies, delay=delay)


def _options(name: str) -> dict:
    if name == "smpp":
        return {**settings.SMS_SMPP, "receipts_with_results": True}  # dispatch stores them with the submit
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


def connector_gateway(connector: ConnectorInfo) -> Gateway:
    """The gateway of a connector, built on first use and again when its settings changed (the old
    one closes in the background: an SMPP unbind waits for its receipts to be stored)."""
    with _lock:
        held = _by_connector.get(connector.id)
        if held is not None and held[0] == connector.fingerprint:
            return held[1]
        if held is not None:
            _close_in_background(held[1], connector.id)
        gateway = _build(connector)
        _by_connector[connector.id] = (connector.fingerprint, gateway)
        _status_reporter.start()
        return gateway


def receivers_start() -> None:
    """Bind every enabled receive-only SMPP connector (bind mode "receiver"): nothing is sent
    through it, so no submit binds it. Its receipts are matched to their messages by network id,
    whichever connector sent them (the carrier's transmitter). One already bound is left alone; one
    disabled or deleted since it was bound here is unbound."""
    table = routing_table()
    for connector in table.connectors.values():
        receiver = connector.kind == ConnectorKind.SMPP and dict(connector.options).get("bind_mode") == "receiver"
        if receiver and not connector.enabled:
            _connector_close(connector.id)
        elif receiver:
            try:
                gateway = connector_gateway(connector)
                if isinstance(gateway, LinkGateway):  # a BindPool of SMPP binds
                    gateway.ready(0)
            except Exception:  # a password no key opens: the others still bind
                log.exception("Receiver connector %s cannot be set up", connector.name)
    for connector_id in set(connector_gateways()) - set(table.connectors):
        _connector_close(connector_id)


def _connector_close(connector_id: int) -> None:
    """Close this process's gateway of a connector, if it has one."""
    with _lock:
        held = _by_connector.pop(connector_id, None)
    if held is not None:
        _close_in_background(held[1], connector_id)


def _close_in_background(gateway: Gateway, connector_id: int) -> None:
    """An SMPP unbind waits for its receipts to be stored: nobody waits for it."""
    threading.Thread(target=gateway.close, name=f"close-connector-{connector_id}", daemon=True).start()


def connector_gateways() -> dict[int, Gateway]:
    """The connectors' gateways this process has built, by connector id (for the status page)."""
    with _lock:
        return {connector_id: gateway for connector_id, (_, gateway) in _by_connector.items()}


class _StatusReporter:
    """A thread that reports this process's binds every few seconds, busy or idle, so the status
    page shows a link that went down while nothing was being sent."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """(Hold _lock.)"""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="connector-status", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while connector_gateways():
            for connector_id, gateway in connector_gateways().items():
                if binds := getattr(gateway, "binds", None):
                    try:
                        binds_publish(connector_id=connector_id, binds=binds())
                    except Exception:  # the cache is down: the page shows the reports as old
                        log.warning("could not report the binds of connector %s", connector_id, exc_info=True)
            time.sleep(STATUS_EVERY_SECONDS)


_status_reporter = _StatusReporter()


def _build(connector: ConnectorInfo) -> Gateway:
    options = options_of(kind=connector.kind, values=dict(connector.options))
    sink = EngineSink()
    if connector.kind == ConnectorKind.SMPP:
        password = secret_open(connector.sealed_secret)
        binds = options.pop("binds")
        options["port"] = int(options["port"])
        return BindPool(
            [
                SmppGateway(
                    sink=sink,
                    password=password,
                    outage_timeout=CONNECTOR_OUTAGE_SECONDS,
                    backoff_max=CONNECTOR_BACKOFF_MAX_SECONDS,
                    receipts_with_results=True,  # dispatch stores them with the submit
                    **options,
                )
                for _ in range(binds)
            ],
            name=connector.name,
        )
    if connector.kind == ConnectorKind.HTTP:
        return HttpGateway(sink=sink, name=connector.name, password=secret_open(connector.sealed_secret), **options)
    if connector.kind == ConnectorKind.SIMULATOR:
        return SimulatorGateway(sink=sink, deliver_later=simulator_deliver_later, **options)
    return ConsoleGateway(sink=sink)


def reset_gateway() -> None:
    """Close and forget the process's gateways (settings changed, tests)."""
    global _gateway
    with _lock:
        held = [gateway for _, gateway in _by_connector.values()]
        if _gateway is not None:
            held.append(_gateway)
        _gateway = None
        _by_connector.clear()
    for gateway in held:
        gateway.close()
