"""What each kind of connector is set up with, how a value is checked, and the keyword arguments
its gateway class is built with. One table, read by the admin form and by the engine."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from messaging.models import ConnectorKind


@dataclass(frozen=True)
class Option:
    name: str
    label: str
    default: Any
    check: Callable[[Any], str] = lambda value: ""  # the error for a bad value, "" when it is fine
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()  # the only values it takes (the form offers them as a list)


def _between(low: float, high: float) -> Callable[[Any], str]:
    return lambda value: "" if low <= value <= high else f"must be between {low:g} and {high:g}"


def _at_most(length: int) -> Callable[[Any], str]:
    return lambda value: "" if len(value) <= length else f"at most {length} characters (SMPP 3.4)"


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    return "" if parts.scheme in ("http", "https") and parts.hostname else "must be an http:// or https:// URL"


def _one_of(*choices: str) -> Callable[[Any], str]:
    return lambda value: "" if value in choices else f"must be one of: {', '.join(choices)}"


BIND_MODES = ("transceiver", "transmitter", "receiver")
OPTIONS: dict[str, tuple[Option, ...]] = {
    ConnectorKind.SMPP: (
        Option("host", "host", "", required=True, help="The SMSC's name or address."),
        Option("port", "port", 2775, _between(1, 65535)),
        Option("system_id", "system_id", "", _at_most(15), required=True, help="The account the carrier gave."),
        Option("system_type", "system_type", "", _at_most(12), help="Often empty."),
        Option(
            "bind_mode",
            "bind mode",
            "transceiver",
            _one_of(*BIND_MODES),
            help="transceiver: submits and receipts on one bind; transmitter: submits only; receiver: "
            "receipts and replies only, for a carrier that sends them on a bind of their own (add the "
            "transmitter as another connector; routes name the transmitter).",
            choices=BIND_MODES,
        ),
        Option("tls", "TLS", False, help="Bind over TLS; the SMSC's certificate and host name are checked."),
        Option("tls_ca_file", "TLS CA file", "", help="CA bundle for the SMSC's certificate; empty: the system's."),
        Option("window", "window", 10, _between(1, 1000), help="submit_sm awaiting an answer, per bind."),
        Option("binds", "binds", 1, _between(1, 16), help="Connections kept open; they share the load."),
        Option(
            "enquire_link_interval",
            "enquire_link interval (s)",
            30.0,
            _between(1, 3600),
            help="Seconds between keep-alives on an idle bind.",
        ),
    ),
    ConnectorKind.HTTP: (
        Option("url", "URL", "", _http_url, required=True, help="Where each message is POSTed."),
        Option("username", "user name", "", help="HTTP Basic user; the password is the connector's secret."),
        Option("payload", "payload style", "json", _one_of("json", "form"), choices=("json", "form")),
        Option("timeout", "timeout (s)", 10.0, _between(0.5, 120)),
    ),
    ConnectorKind.SIMULATOR: (
        Option("delivered_ratio", "delivered ratio", 1.0, _between(0, 1)),
        Option("latency_seconds", "receipt latency (s)", 0.0, _between(0, 3600)),
    ),
    ConnectorKind.CONSOLE: (),
}


def options_errors(*, kind: str, values: dict[str, Any]) -> dict[str, str]:
    """Each bad or missing setting of a connector of `kind`, by name: every error at once."""
    errors = {}
    for option in OPTIONS.get(kind, ()):
        value = values.get(option.name, option.default)
        if option.required and value in ("", None):
            errors[option.name] = f"{option.label} is required"
        elif value not in ("", None) and (error := option.check(value)):
            errors[option.name] = f"{option.label} {error}"
    return errors


def options_of(*, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The connector's settings with the defaults filled in (unknown names dropped)."""
    return {option.name: values.get(option.name, option.default) for option in OPTIONS.get(kind, ())}
