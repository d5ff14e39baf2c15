"""The contract between the messaging engine and a gateway (simulator, console, SMPP, ...).

The engine hands a gateway claimed messages, outside any database transaction. The gateway
answers each with a SubmitResult. Whatever arrives later from the network (delivery receipts,
mobile-originated replies) is handed to a ReportSink, which the engine implements."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Outbound:
    message_id: int  # the engine's primary key; unique, stable across retries
    sender: str  # numeric ("+3725...") or alphanumeric (<= 11 chars); may be ""
    to: str  # E.164 with "+"
    parts: tuple[str, ...]  # the text already split into SMS parts (one element for a single SMS)
    encoding: str  # "GSM7" or "UCS2"
    request_dlr: bool = True
    silent: bool = False  # "stealth ping": a type-0 SMS, SMPP protocol_id 0x40


@dataclass(frozen=True, slots=True)
class SubmitResult:
    message_id: int
    accepted: bool
    part_ids: tuple[str, ...] = ()  # the network's id of each part, in order, when accepted
    error: str = ""  # why not, when refused
    permanent: bool = True  # a refused message that must not be retried (else: try again later)
    # A temporary refusal where no part reached the network (never written, or answered with an
    # error): another connector may take it without any risk of a duplicate.
    untouched: bool = False
    # Receipts of its parts that came while it was being submitted (an SMPP gateway built with
    # receipts_with_results): the engine stores them with the submit, then calls the gateway's
    # receipts_stored() with them, and only then does the gateway acknowledge them to the network.
    reports: tuple["DeliveryReport", ...] = ()


# Delivery-report states a gateway may report; the engine maps them to message statuses.
REPORT_STATES = ("ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD")


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    part_id: str  # as returned in SubmitResult.part_ids
    state: str  # one of REPORT_STATES
    at: datetime
    error: str = ""


class Concatenation(NamedTuple):
    """Which part of a long message an SMS is (its user data header's concatenation element)."""

    reference: int  # the same in every part of one message
    total: int
    sequence: int  # 1 ... total


@dataclass(frozen=True, slots=True)
class InboundSms:
    sender: str  # E.164 when the network gives one
    to: str  # our number / short code that received it
    text: str
    at: datetime
    network_id: str = ""
    concat: Concatenation | None = None  # set on one part of a longer message; the engine joins them


class ReportSink(Protocol):
    def reports(self, reports: Sequence[DeliveryReport]) -> None: ...
    def inbound(self, messages: Sequence[InboundSms]) -> None: ...
    def thread_done(self) -> None:
        """The calling thread (a gateway's own) will not call again: release what it holds."""
        ...


@dataclass(frozen=True, slots=True)
class BindStatus:
    """One connection of a gateway, for the live status page."""

    state: str  # "bound", "connecting" or "down"
    since: datetime
    last_error: str = ""
    pending: int = 0  # submit_sm awaiting their answer


class Gateway(Protocol):
    name: str

    def submit(self, messages: Sequence[Outbound]) -> list[SubmitResult]:
        """Hand the messages to the network; one result per message, in order."""
        ...

    def recorded(self) -> None:
        """Called once the engine has stored the results of the last submit. A gateway that makes
        its own reports (the simulator) hands them over now; a real network needs nothing here."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LinkGateway(Gateway, Protocol):
    """A gateway over connections that can be down (SMPP binds)."""

    def ready(self, timeout: float) -> bool:
        """Bind if not bound yet; whether a link is up within `timeout` seconds."""
        ...

    def submit(self, messages: Sequence[Outbound], *, outage_timeout: float | None = None) -> list[SubmitResult]:
        """As Gateway.submit; while the link is down, wait for it up to `outage_timeout` seconds (else
        the gateway's own), then refuse for now what was not written."""
        ...
