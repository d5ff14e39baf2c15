"""SMPP 3.4 gateway: submit_sm over one transceiver bind; receipts and MO arrive as deliver_sm.

Built on smpplib's PDU codec and socket client, over TCP or TLS. One background thread owns the
connection: it binds (lazily, on the first submit), reads every PDU, answers enquire_link and
unbind, sends the enquire_link keep-alive and reconnects with backoff when the link drops. It is
the only thread that reads or writes the socket (an SSL socket must not be used by two threads at
once): submitting threads post their submit_sm PDUs for it to write and wait for their
submit_sm_resp, with at most `window` outstanding across all of them.

A deliver_sm (receipt or MO) is parsed by the reader and handed to a storing thread, which gives
the sink everything that waits in one call and only then posts the answer to each deliver_sm:
reading never waits for the database, and a deliver_sm the SMSC saw acknowledged has been stored
(one that was not is offered again by the SMSC). close() stores what was received before it
returns.

Receipts with the results (receipts_with_results, as the engine builds its connectors): a receipt
that comes while its part's submit() is still under way (a fast SMSC answers the submit_sm and then
sends the receipt within milliseconds) is not stored by the storing thread but handed over with the
message's SubmitResult, so the engine records the submit and its receipt in one write instead of
keeping the receipt aside until the part is stored. Its deliver_sm is answered only when the engine
calls receipts_stored(): still no receipt acknowledged before it is stored.

A part is sent again after a reconnect only if it never got its submit_sm_resp: delivery is at
least once, so a part the SMSC took just before the link died may reach the handset twice.
"""

import contextlib
import functools
import itertools
import logging
import random
import re
import select
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import gsm0338
from smpplib import consts, exceptions, smpp
from smpplib.client import Client, SimpleSequenceGenerator
from smpplib.command import Command

from messaging.gateways.base import (
    REPORT_STATES,
    BindStatus,
    Concatenation,
    DeliveryReport,
    InboundSms,
    Outbound,
    ReportSink,
    SubmitResult,
)

logger = logging.getLogger(__name__)

DATA_CODING = {"GSM7": 0x00, "UCS2": 0x08}
ESM_UDHI = 0x40  # short_message starts with a user data header
ESM_RECEIPT = 0x04  # deliver_sm message type "SMSC delivery receipt"
UDH_CONCAT_8BIT = 0x00  # concatenation element: reference (1 octet), total, sequence
UDH_CONCAT_16BIT = 0x08  # the same with a 2-octet reference
PID_SILENT = 0x40  # "type 0" short message: acknowledged by the handset, never shown
MAX_SHORT_MESSAGE = 254  # octets, UDH included

_GSM7 = gsm0338.Codec()
_STATUS_NAMES = {
    value: name.removeprefix("SMPP_") for name, value in vars(consts).items() if name.startswith("SMPP_ESME_")
}
# Refusals worth retrying later; every other command_status is final for that message.
_TRANSIENT = frozenset({consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL, consts.SMPP_ESME_RX_T_APPN})
# message_state TLV values as receipt "stat" words.
_MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_STAT_ALIASES = {"DELIVERED": "DELIVRD", "UNDELIVERABLE": "UNDELIV", "ACCEPTED": "ACCEPTD", "REJECTED": "REJECTD"}
_RECEIPT_FIELD = re.compile(r"\b(id|stat|err|done date):(\S*)", re.IGNORECASE)
_RECEIPT_TEXT = re.compile(r"\btext:", re.IGNORECASE)
_POLL = 0.2  # seconds between checks of the stop flag and the deadlines
_STORE_BATCH = 500  # deliver_sm handed to the sink at once, at most
_HEADER_SIZE = 16  # command_length, command_id, command_status, sequence_number
_RECV_SIZE = 65536
_ANSWERS = ("submit_sm_resp", "generic_nack")
BIND_MODES = ("transceiver", "transmitter", "receiver")
_SUBMIT_SM, _SUBMIT_SM_RESP = 0x00000004, 0x80000004  # command_id
_DELIVER_SM, _DELIVER_SM_RESP = 0x00000005, 0x80000005
_TLV_RECEIPTED_MESSAGE_ID, _TLV_MESSAGE_PAYLOAD, _TLV_MESSAGE_STATE = 0x001E, 0x0424, 0x0427


class _SequenceNumbers(SimpleSequenceGenerator):
    """smpplib numbers a PDU in whichever thread builds it (even parsing takes a number)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def next_sequence(self) -> int:
        with self._lock:
            return super().next_sequence()


class _PeerUnbound(Exception):
    pass


class _Link(Client):
    """smpplib's Client, changed in two ways.

    Over TLS it checks the SMSC's host name (smpplib wraps its socket without server_hostname)
    and keeps the reason a handshake failed (smpplib says "Connection refused" for everything).

    Once bound, only the connection thread touches the socket: other threads post bytes, which
    that thread writes between reads, woken by a byte on `wakeup` (it selects on both)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: list[bytes] = []
        self._lock = threading.Lock()  # guards _outbox and _closed
        self._closed = False
        self.wakeup, self._wake = socket.socketpair()
        self._wake.setblocking(False)

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        if self._ssl_context is not None:
            sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)  # closes sock if it fails
        self._socket = sock
        self.state = consts.SMPP_CLIENT_STATE_OPEN

    def disconnect(self) -> None:
        with self._lock:
            self._closed = True
        self.wakeup.close()
        self._wake.close()
        super().disconnect()

    def post(self, data: bytes) -> bool:
        """Queue bytes for the connection thread to write; False once the link is closed."""
        with self._lock:
            if self._closed:
                return False
            if not self._outbox:  # one wake-up per batch: the thread takes the whole outbox
                with contextlib.suppress(BlockingIOError):  # a full pair already holds a wake-up
                    self._wake.send(b"\0")
            self._outbox.append(data)
            return True

    def take_outbox(self) -> bytes:
        with self._lock:
            data = b"".join(self._outbox)
            self._outbox.clear()
            return data


@dataclass(frozen=True, slots=True)
class _Received:
    """A parsed deliver_sm waiting to be stored, then answered on the link it came in on."""

    client: _Link
    sequence: int
    content: DeliveryReport | InboundSms


class _Inbox:
    """Received deliver_sm between the reader, which puts, and the storing thread, which takes."""

    def __init__(self) -> None:
        self._items: deque[_Received] = deque()
        self._cond = threading.Condition()
        self._taken = 0  # handed to the storing thread and not done yet
        self._closed = False

    def put(self, item: _Received) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def take(self, limit: int) -> list[_Received]:
        """Up to `limit` waiting items, once there is one; [] when closed and empty."""
        with self._cond:
            self._cond.wait_for(lambda: self._items or self._closed)
            batch = [self._items.popleft() for _ in range(min(limit, len(self._items)))]
            self._taken = len(batch)
            return batch

    def done(self) -> None:
        """The last batch taken is stored and answered."""
        with self._cond:
            self._taken = 0
            self._cond.notify_all()

    def wait_empty(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._items and not self._taken, timeout)

    def close(self) -> None:
        """Nothing more will be put: take() returns what is left, then []."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass(frozen=True, slots=True)
class _SubmitSmResp:
    """A submit_sm_resp, read without smpplib: the PDU read most, one per part sent."""

    sequence: int
    status: int
    message_id: bytes
    command: str = "submit_sm_resp"


@dataclass(slots=True)
class _DeliverSm:
    """A deliver_sm (a receipt or an MO message), read without smpplib: the fields parse_receipt
    and parse_mo read, named as smpplib names them."""

    sequence: int
    source_addr_ton: int
    source_addr: bytes
    destination_addr: bytes
    esm_class: int
    data_coding: int
    short_message: bytes
    message_payload: bytes | None = None
    receipted_message_id: bytes | None = None
    message_state: int | None = None
    command: str = "deliver_sm"


_Pdu = Command | _SubmitSmResp | _DeliverSm


def _read_deliver_sm(raw: bytes) -> _DeliverSm:
    """The deliver_sm in `raw` (a whole PDU); ValueError or IndexError if it is not a sound one.
    Reads what smpplib reads (tested), at a fraction of its cost, except that a receipted_message_id
    sent without its NUL keeps its last character (smpplib cuts it)."""
    pos = raw.index(b"\0", _HEADER_SIZE) + 1  # after service_type
    source_ton = raw[pos]
    end = raw.index(b"\0", pos + 2)  # after source_addr_ton and _npi
    source, pos = raw[pos + 2 : end], end + 3  # then dest_addr_ton and _npi
    end = raw.index(b"\0", pos)
    destination, esm_class = raw[pos:end], raw[end + 1]
    pos = raw.index(b"\0", end + 4) + 1  # after protocol_id, priority_flag and schedule_delivery_time
    pos = raw.index(b"\0", pos) + 1  # after validity_period
    # registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
    data_coding, length = raw[pos + 2], raw[pos + 4]
    short_message, pos = raw[pos + 5 : pos + 5 + length], pos + 5 + length
    if len(short_message) != length or pos > len(raw):
        raise ValueError("short_message runs past the PDU")
    pdu = _DeliverSm(
        int.from_bytes(raw[12:16], "big"), source_ton, source, destination, esm_class, data_coding, short_message
    )
    while pos + 4 <= len(raw):
        tag, size = struct.unpack_from(">HH", raw, pos)
        value, pos = raw[pos + 4 : pos + 4 + size], pos + 4 + size
        if tag == _TLV_RECEIPTED_MESSAGE_ID:
            pdu.receipted_message_id = value.split(b"\0", 1)[0]
        elif tag == _TLV_MESSAGE_PAYLOAD:
            pdu.message_payload = value
        elif tag == _TLV_MESSAGE_STATE and size == 1:
            pdu.message_state = value[0]
    return pdu


class _PduReader:
    """The PDUs of a bound link's non-blocking socket, as many per recv as have arrived. After each
    wait on the socket the reader may wait up to 5 ms (sys.getswitchinterval) for the GIL while
    the other threads run: at one wait per PDU, that set the pace, not the CPU."""

    def __init__(self, client: _Link) -> None:
        self._client = client
        self._buffer = bytearray()

    def read(self, timeout: float) -> list[_Pdu]:
        """The whole PDUs that have arrived, waiting up to `timeout` seconds for more bytes or
        for a post to the link's outbox."""
        if self._readable(timeout):
            with contextlib.suppress(BlockingIOError, ssl.SSLWantReadError):  # a TLS record with no data
                data = self._client._socket.recv(_RECV_SIZE)
                if not data:
                    raise exceptions.ConnectionError()
                self._buffer += data
        return self._whole_pdus()

    def _readable(self, timeout: float) -> bool:
        sock = self._client._socket  # smpplib has no public accessor
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True  # decrypted bytes wait in the SSL object; the raw socket may show nothing
        wakeup = self._client.wakeup
        ready = select.select([sock, wakeup], [], [], timeout)[0]
        if wakeup in ready:
            wakeup.recv(_RECV_SIZE)
        return sock in ready

    def _whole_pdus(self) -> list[_Pdu]:
        pdus = []
        start = 0
        while len(self._buffer) - start >= _HEADER_SIZE:
            length = int.from_bytes(self._buffer[start : start + 4], "big")
            if length < _HEADER_SIZE:
                raise exceptions.PDUError(f"broken PDU: command_length {length}")
            if len(self._buffer) - start < length:
                break  # the rest is still on its way; a link that stalls here fails its enquire_link
            pdu = _parse(self._client, bytes(self._buffer[start : start + length]))
            start += length
            if pdu is not None:
                pdus.append(pdu)
        del self._buffer[:start]
        return pdus


def _parse(client: Client, raw: bytes) -> _Pdu | None:
    """The PDU, or None for one smpplib cannot parse (it was read whole, so the stream is intact)."""
    command_id = int.from_bytes(raw[4:8], "big")
    if command_id == _SUBMIT_SM_RESP:
        status, sequence = struct.unpack_from(">LL", raw, 8)
        return _SubmitSmResp(sequence, status, raw[16:].split(b"\0", 1)[0][:64])
    if command_id == _DELIVER_SM:
        with contextlib.suppress(ValueError, IndexError):  # smpplib has its say on a strange one
            return _read_deliver_sm(raw)
    try:
        return smpp.parse_pdu(raw, client=client, allow_unknown_opt_params=True)
    except (exceptions.UnknownCommandError, ValueError, IndexError) as exc:
        logger.warning("unreadable SMPP PDU ignored: %r", exc)
        return None


@dataclass(eq=False)
class _Job:
    message: Outbound
    part_ids: list[str] = field(default_factory=list)
    error: str = ""
    permanent: bool = True
    uncertain: bool = False  # a part was written and never answered: it may have reached the network
    receipts: list[_Received] = field(default_factory=list)  # came during the call (receipts_with_results)

    def fail(self, error: str, *, permanent: bool) -> None:
        if not self.error:  # the first reason is the one worth reporting
            self.error, self.permanent = error, permanent

    def result(self) -> SubmitResult:
        if self.error:
            untouched = not self.uncertain and not any(self.part_ids)
            return SubmitResult(
                self.message.message_id, accepted=False, error=self.error, permanent=self.permanent, untouched=untouched
            )
        reports = tuple(item.content for item in self.receipts if isinstance(item.content, DeliveryReport))
        return SubmitResult(self.message.message_id, accepted=True, part_ids=tuple(self.part_ids), reports=reports)


@dataclass(eq=False)
class _Call:
    """One submit() call, as the connection thread sees it to decide whether to wake its thread:
    once the call's last part is answered, or when the window has room and the call has parts to
    write. (Waking every submitter on every read cost a tenth of the dispatcher's time.)"""

    unanswered: int = 0  # parts written and not answered, lost or given up yet
    queued: bool = True  # parts still to write


@dataclass(eq=False)
class _Part:
    job: _Job
    index: int
    fields: dict[str, object]  # submit_sm parameters
    call: _Call = field(default_factory=_Call)  # set by _send_all
    client: _Link | None = None  # the connection it was last written to
    sent_at: float = 0.0
    answered: bool = False  # a submit_sm_resp came back: never send this part again
    lost: bool = False  # its connection died before the answer
    status: int = 0
    network_id: str = ""


class SmppGateway:
    """A Gateway speaking SMPP 3.4 to one SMSC (see the module docstring)."""

    name = "smpp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        system_id: str,
        password: str,
        sink: ReportSink,
        system_type: str = "",
        window: int = 10,
        enquire_link_interval: float = 30.0,
        source_ton: int = consts.SMPP_TON_UNK,  # for a sender that is neither "+digits" nor alphanumeric
        source_npi: int = consts.SMPP_NPI_ISDN,
        connect_timeout: float = 10.0,
        response_timeout: float = 30.0,  # per submit_sm, for enquire_link, and for a write to go out
        outage_timeout: float = 15.0,  # how long a submit waits for a bind before refusing (temporarily)
        backoff_min: float = 0.5,
        backoff_max: float = 30.0,
        tls: bool = False,
        tls_ca_file: str = "",  # CA bundle for the SMSC's certificate; empty: the system's CAs
        bind_mode: str = "transceiver",  # "transmitter": submits only; "receiver": receipts and MO only
        receipts_with_results: bool = False,  # see "Receipts with the results" in the module doc
    ) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        if bind_mode not in BIND_MODES:
            raise ValueError(f"bind_mode must be one of {', '.join(BIND_MODES)}")
        self._bind_mode = bind_mode
        self.host, self.port = host, int(port)
        self._credentials = {"system_id": system_id, "password": password, "system_type": system_type}
        self._sink = sink
        self._window = window
        self._enquire_link_interval = enquire_link_interval
        self._source_ton, self._source_npi = source_ton, source_npi
        self._connect_timeout = connect_timeout
        self._response_timeout = response_timeout
        self._outage_timeout = outage_timeout
        self._backoff_min, self._backoff_max = backoff_min, backoff_max
        self._tls_context = _tls_context(tls_ca_file) if tls else None

        self._sequence = _SequenceNumbers()
        self._references = itertools.count(random.randrange(256))  # UDH concatenation references
        self._cond = threading.Condition()  # guards _client, _pending, _thread, _last_error
        self._client: _Link | None = None  # set while bound
        self._pending: dict[int, _Part] = {}  # sequence_number -> part awaiting its submit_sm_resp
        self._calls: set[_Call] = set()  # the submit() calls under way
        self._refill = max(1, window // 4)  # room in the window worth waking a call with parts to write
        self._last_error = "not connected yet"
        self._state = ("down", datetime.now(UTC))  # for the status page: (state, since)
        self._started_at = datetime.now(UTC)  # when the connection thread last started
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._inbox = _Inbox()  # a new one for each run of the connection thread
        self._receipts_with_results = receipts_with_results
        self._awaiting: dict[str, _Job] = {}  # network id -> its job, while its submit() is under way
        self._held: dict[int, _Received] = {}  # id(report) -> receipt handed over with a result, unanswered

    # -- the Gateway contract ------------------------------------------------------------

    def submit(self, messages: Sequence[Outbound], *, outage_timeout: float | None = None) -> list[SubmitResult]:
        """`outage_timeout` (else the gateway's own): how long to wait for the link when it is down."""
        if self._bind_mode == "receiver":  # nothing sent: free to go to the next connector
            error = "a receiver bind sends nothing"
            return [SubmitResult(m.message_id, False, error=error, permanent=False, untouched=True) for m in messages]
        jobs = [_Job(message) for message in messages]
        queue: deque[_Part] = deque()
        for job in jobs:
            queue.extend(self._prepare(job))
        if queue:
            self._start()
            try:
                self._send_all(queue, self._outage_timeout if outage_timeout is None else outage_timeout)
            finally:
                self._settle_receipts(jobs)
        return [job.result() for job in jobs]

    def _settle_receipts(self, jobs: list[_Job]) -> None:
        """The call is over: later receipts of its parts go to the storing thread, and those that came
        during it are held for receipts_stored() (an accepted message's, handed over with its result)
        or stored the usual way (a refused one's)."""
        with self._cond:
            if self._awaiting:
                ours = set(jobs)
                for network_id in [n for n, job in self._awaiting.items() if job in ours]:
                    del self._awaiting[network_id]
            for job in jobs:
                for item in job.receipts:
                    if job.error:
                        self._inbox.put(item)
                    else:
                        self._held[id(item.content)] = item

    def recorded(self) -> None:
        """Receipts come from the SMSC and the storing thread stores them; nothing to hand over here."""

    def receipts_stored(self, reports: Sequence[DeliveryReport], *, stored: bool = True) -> None:
        """The engine stored these receipts (SubmitResult.reports; others are ignored): answer
        their deliver_sm, with a temporary error when `stored` is False so the SMSC offers them again."""
        with self._cond:
            items = [item for r in reports if (item := self._held.pop(id(r), None)) is not None]
        if items:
            status = consts.SMPP_ESME_ROK if stored else consts.SMPP_ESME_RX_T_APPN
            self._answer(items, [status] * len(items))

    def ready(self, timeout: float) -> bool:
        """Bind if not bound yet, and say whether the link is up within `timeout` seconds; at once
        when the last try to bind failed (the link is known down: no one waits for it)."""
        self._start()
        with self._cond:
            if self._client is None and self._state[0] == "down" and self._state[1] > self._started_at:
                return False
            return self._cond.wait_for(lambda: self._client is not None, timeout)

    def binds(self) -> list[BindStatus]:
        with self._cond:
            state, since = self._state
            error = "" if state == "bound" else self._last_error
            return [BindStatus(state, since, error, pending=len(self._pending))]

    def _set_state(self, state: str) -> None:
        """(Hold _cond.)"""
        if self._state[0] != state:
            self._state = (state, datetime.now(UTC))

    def close(self) -> None:
        """Unbind, store what was received and stop the threads; a later submit binds again."""
        with self._cond:
            thread = self._thread
            self._stop.set()
            self._cond.notify_all()
        if thread is not None:
            thread.join(self._connect_timeout + self._response_timeout + 5)  # a bind, or storing the last receipts
            if thread.is_alive():
                logger.warning("SMPP connection thread did not stop in time; the SMSC will offer its receipts again")

    # -- building submit_sm --------------------------------------------------------------

    def _prepare(self, job: _Job) -> list[_Part]:
        message = job.message
        if message.encoding not in DATA_CODING:
            job.fail(f"unsupported encoding {message.encoding!r}", permanent=True)
            return []
        if not message.parts or len(message.parts) > 255:
            job.fail(f"cannot send {len(message.parts)} parts", permanent=True)
            return []
        try:
            payloads = [_encode(text, message.encoding) for text in message.parts]
            source_ton, source_npi, source_addr = self._source(message.sender)
        except UnicodeError:
            job.fail(f"text or sender does not fit {message.encoding}", permanent=True)
            return []
        esm_class = 0
        if len(payloads) > 1:
            # 8-bit reference concatenation IE: 00 03 <ref> <total> <seq>, one reference per message
            with self._cond:
                reference = next(self._references) % 256
            header = bytes((0x05, 0x00, 0x03, reference, len(payloads)))
            payloads = [header + bytes((i,)) + payload for i, payload in enumerate(payloads, start=1)]
            esm_class = ESM_UDHI
        if any(len(payload) > MAX_SHORT_MESSAGE for payload in payloads):
            job.fail("a part is longer than one SMS", permanent=True)
            return []
        job.part_ids = [""] * len(payloads)
        common = {
            "source_addr_ton": source_ton,
            "source_addr_npi": source_npi,
            "source_addr": source_addr,
            "dest_addr_ton": consts.SMPP_TON_INTL,
            "dest_addr_npi": consts.SMPP_NPI_ISDN,
            "destination_addr": message.to.removeprefix("+"),
            "esm_class": esm_class,
            "protocol_id": PID_SILENT if message.silent else 0,
            "registered_delivery": 1 if message.request_dlr else 0,
            "data_coding": DATA_CODING[message.encoding],
        }
        return [_Part(job, i, {**common, "short_message": payload}) for i, payload in enumerate(payloads)]

    def _source(self, sender: str) -> tuple[int, int, str]:
        sender.encode("ascii")  # smpplib writes addresses as Latin-1 C strings; anything else is refused
        if sender.startswith("+") and sender[1:].isdigit():
            return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, sender[1:]
        if sender and not sender.isdigit():
            return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK, sender
        return self._source_ton, self._source_npi, sender

    # -- the submitting side -------------------------------------------------------------

    def _send_all(self, queue: deque[_Part], outage_timeout: float) -> None:
        """Write every part, at most `window` unanswered, and wait for their answers."""
        call = _Call()
        for part in queue:
            part.call = call
        with self._cond:
            self._calls.add(call)
        try:
            self._send_parts(queue, call, outage_timeout)
        finally:
            with self._cond:
                self._calls.discard(call)

    def _send_parts(self, queue: deque[_Part], call: _Call, outage_timeout: float) -> None:
        inflight: dict[_Part, None] = {}  # sent and unanswered, in sending order
        outage_since: float | None = None
        while queue or inflight:
            with self._cond:
                now = time.monotonic()
                self._settle(inflight, queue, now)
                if not queue and not inflight:
                    break
                client = self._client
                if self._stop.is_set() or client is None:
                    outage_since = outage_since or now
                    if self._stop.is_set() or now - outage_since >= outage_timeout:
                        reason = "gateway closed" if self._stop.is_set() else f"SMSC unavailable: {self._last_error}"
                        self._give_up(inflight, queue, reason)
                        break
                    self._cond.wait(_POLL)
                    continue
                outage_since = None
                pdus = self._take_sendable(queue, inflight, client, now)
                call.queued = bool(queue)
                if not pdus:
                    self._cond.wait(_POLL)
                    continue
            # Posting to a link that died meanwhile does nothing: _drop gave its parts back as lost.
            client.post(b"".join(pdus))

    def _take_sendable(
        self, queue: deque[_Part], inflight: dict[_Part, None], client: _Link, now: float
    ) -> list[bytes]:
        """submit_sm for the next parts, as many as the window allows; now pending (hold _cond)."""
        pdus = []
        while queue and len(self._pending) < self._window:
            part = queue.popleft()
            if part.job.error:  # a sibling part was refused: the message is lost anyway
                continue
            sequence = self._sequence.next_sequence()
            part.client, part.sent_at, part.lost = client, now, False
            self._pending[sequence] = part
            inflight[part] = None
            pdus.append(_submit_sm(sequence, part.fields))
            part.call.unanswered += 1
            logger.debug("submit_sm seq=%s message=%s part=%s", sequence, part.job.message.message_id, part.index)
        return pdus

    def _settle(self, inflight: dict[_Part, None], queue: deque[_Part], now: float) -> None:
        """Fold answers into their jobs; queue lost parts again, in order; time out silent ones."""
        lost: list[_Part] = []
        for part in list(inflight):
            if part.answered:
                del inflight[part]
                if part.status:
                    name = _STATUS_NAMES.get(part.status, f"ESME status 0x{part.status:08X}")
                    part.job.fail(name, permanent=part.status not in _TRANSIENT)
                else:
                    part.job.part_ids[part.index] = part.network_id
            elif part.lost:
                del inflight[part]
                lost.append(part)  # never answered, so sending it again cannot double an answered part
            elif now - part.sent_at > self._response_timeout:
                del inflight[part]
                self._pending = {seq: p for seq, p in self._pending.items() if p is not part}
                part.call.unanswered -= 1
                part.job.uncertain = True
                part.job.fail("no submit_sm_resp in time", permanent=False)
        queue.extendleft(reversed(lost))

    def _give_up(self, inflight: dict[_Part, None], queue: deque[_Part], reason: str) -> None:
        for part in (*inflight, *queue):
            part.job.uncertain |= part.client is not None  # written once: the SMSC may have it
            part.job.fail(reason, permanent=False)
        self._pending = {seq: p for seq, p in self._pending.items() if p not in inflight}
        for part in inflight:
            part.call.unanswered -= 1
        inflight.clear()
        queue.clear()

    # -- the connection thread -----------------------------------------------------------

    def _start(self) -> None:
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._started_at = datetime.now(UTC)
            self._thread = threading.Thread(target=self._run, name=f"smpp-{self.host}:{self.port}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        self._inbox = inbox = _Inbox()
        storer = threading.Thread(
            target=self._store_all, args=(inbox,), name=f"smpp-store-{self.host}:{self.port}", daemon=True
        )
        storer.start()
        try:
            self._keep_connected()
        finally:
            inbox.close()  # the storing thread stores what is left, then ends
            storer.join()

    def _keep_connected(self) -> None:
        delay = self._backoff_min
        while not self._stop.is_set():
            started = time.monotonic()
            client: _Link | None = None
            reason = "closed"
            try:
                client = self._bind()
                with self._cond:
                    self._client = client
                    self._set_state("bound")
                    self._cond.notify_all()
                logger.info("SMPP bound to %s:%s as %s", self.host, self.port, self._credentials["system_id"])
                self._serve(client)
            except _PeerUnbound:
                reason = "the SMSC unbound"
            except (exceptions.ConnectionError, exceptions.PDUError, OSError) as exc:
                reason = _describe(exc)
            except Exception as exc:  # a bug must not end the thread: the gateway would go silent
                logger.exception("SMPP connection thread failed")
                reason = repr(exc)
            finally:
                if client is not None:
                    self._drop(client, reason)
                    _disconnect(client)
            if self._stop.is_set():
                break
            if time.monotonic() - started > self._backoff_max:  # that session was healthy: start over
                delay = self._backoff_min
            logger.warning("SMPP link to %s:%s down (%s); reconnecting in %.1fs", self.host, self.port, reason, delay)
            self._stop.wait(delay)
            delay = min(delay * 2, self._backoff_max)
        logger.info("SMPP gateway to %s:%s stopped", self.host, self.port)

    def _bind(self) -> _Link:
        client = _Link(
            self.host,
            self.port,
            timeout=self._connect_timeout,
            sequence_generator=self._sequence,
            logger_name=f"{__name__}.wire",  # smpplib logs whole PDUs (texts too) at DEBUG
            allow_unknown_opt_params=True,
            ssl_context=self._tls_context,
        )
        with self._cond:
            self._set_state("connecting")
        try:
            client.connect()
            getattr(client, f"bind_{self._bind_mode}")(**self._credentials)
        except Exception as exc:
            with self._cond:
                self._last_error = _describe(exc)
                self._set_state("down")
            _disconnect(client)
            raise
        return client

    def _serve(self, client: _Link) -> None:
        """Read and answer PDUs until the link fails, the SMSC unbinds or close() is called."""
        client._socket.setblocking(False)  # reads and writes wait in select, where a post wakes them
        reader = _PduReader(client)
        next_ping = time.monotonic() + self._enquire_link_interval
        ping_sent_at: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            if ping_sent_at is not None and now - ping_sent_at > self._response_timeout:
                raise exceptions.ConnectionError("no answer to enquire_link")
            if now >= next_ping:
                client.post(smpp.make_pdu("enquire_link", client=client).generate())
                ping_sent_at = ping_sent_at or now
                next_ping = now + self._enquire_link_interval
            self._flush(client)
            if pdus := reader.read(max(0.0, min(_POLL, next_ping - now))):
                ping_sent_at = None  # any PDU shows the link is alive
                self._dispatch_all(client, pdus)
        if not self._inbox.wait_empty(self._response_timeout):  # answered before we unbind
            logger.warning("SMPP receipts still being stored at unbind; the SMSC will offer them again")
        self._unbind(client, reader)

    def _unbind(self, client: _Link, reader: _PduReader) -> None:
        client.post(smpp.make_pdu("unbind", client=client).generate())
        deadline = time.monotonic() + min(self._response_timeout, 2.0)
        while (left := deadline - time.monotonic()) > 0:
            self._flush(client)
            for pdu in reader.read(left):
                if pdu.command == "unbind_resp":
                    logger.info("SMPP unbound from %s:%s", self.host, self.port)
                    return
                if pdu.command != "unbind":
                    self._dispatch(client, pdu)

    def _dispatch_all(self, client: _Link, pdus: list[_Pdu]) -> None:
        """The PDUs of one read: the submitters hear of all its answers at once (one wake-up, not
        one per submit_sm_resp), then the other PDUs are handled in order."""
        answers = [pdu for pdu in pdus if pdu.command in _ANSWERS]
        if answers:
            self._answered(answers)
        for pdu in pdus:
            if pdu.command not in _ANSWERS:
                self._dispatch(client, pdu)

    def _dispatch(self, client: _Link, pdu: _Pdu) -> None:
        command = pdu.command
        if command in _ANSWERS:
            self._answered([pdu])
        elif command == "deliver_sm":
            self._deliver(client, pdu)
        elif command == "enquire_link":
            self._reply(client, "enquire_link_resp", pdu.sequence)
        elif command == "unbind":
            self._reply(client, "unbind_resp", pdu.sequence)
            self._flush(client)
            raise _PeerUnbound
        elif command not in ("enquire_link_resp", "unbind_resp"):
            logger.warning("ignoring SMPP %s from %s:%s", command, self.host, self.port)

    def _answered(self, pdus: list[_Pdu]) -> None:
        """Give the answers to their parts; wake the submitters if one of them can act (see _Call)."""
        with self._cond:
            done = False
            for pdu in pdus:
                part = self._pending.pop(pdu.sequence, None)
                if part is None:
                    logger.warning("SMPP %s for unknown sequence %s (late or duplicate)", pdu.command, pdu.sequence)
                    continue
                part.answered = True
                part.call.unanswered -= 1
                done |= not part.call.unanswered and not part.call.queued
                if pdu.command == "submit_sm_resp" and pdu.status == consts.SMPP_ESME_ROK:
                    part.network_id = (pdu.message_id or b"").decode("ascii", "replace")
                    if self._receipts_with_results:
                        self._awaiting[part.network_id] = part.job
                else:
                    part.status = pdu.status or consts.SMPP_ESME_RUNKNOWNERR
            room = self._window - len(self._pending) >= self._refill
            if done or (room and any(call.queued for call in self._calls)):
                self._cond.notify_all()

    def _deliver(self, client: _Link, pdu: Command | _DeliverSm) -> None:
        """Queue a receipt or an MO message for the storing thread, which answers it once stored."""
        try:
            if pdu.esm_class & ESM_RECEIPT:
                content = parse_receipt(pdu)
                if content is None:
                    logger.warning("SMPP receipt without a message id; dropped")
                    self._reply(client, "deliver_sm_resp", pdu.sequence)
                    return
            else:
                content = parse_mo(pdu)
        except Exception:  # offering it again would fail the same way
            logger.exception("unreadable SMPP deliver_sm refused")
            self._reply(client, "deliver_sm_resp", pdu.sequence, status=consts.SMPP_ESME_RX_P_APPN)
            return
        received = _Received(client, pdu.sequence, content)
        if isinstance(content, DeliveryReport) and self._awaiting:
            with self._cond:
                job = self._awaiting.get(content.part_id)
                if job is not None:  # its submit() is under way: it goes with the result
                    job.receipts.append(received)
                    return
        self._inbox.put(received)

    # -- the storing thread --------------------------------------------------------------

    def _store_all(self, inbox: _Inbox) -> None:
        """Hand the sink all that waits, one call for the receipts and one for the MO messages,
        then answer each deliver_sm; until the inbox is closed and empty."""
        try:
            while batch := inbox.take(_STORE_BATCH):
                reports = [item for item in batch if isinstance(item.content, DeliveryReport)]
                messages = [item for item in batch if isinstance(item.content, InboundSms)]
                for deliver, items in ((self._sink.reports, reports), (self._sink.inbound, messages)):
                    if items:
                        self._answer(items, self._store(deliver, items))
                inbox.done()
        finally:
            self._sink.thread_done()

    def _store(self, deliver: Callable[[list], None], items: list[_Received]) -> list[int]:
        """The command_status to answer each item with."""
        try:
            deliver([item.content for item in items])
        except Exception:
            if len(items) > 1:  # one at a time: only those that fail are offered again
                return [status for item in items for status in self._store(deliver, [item])]
            # Keep going; a temporary error makes the SMSC offer the PDU again later.
            logger.exception("report sink failed on an SMPP deliver_sm")
            return [consts.SMPP_ESME_RX_T_APPN]
        return [consts.SMPP_ESME_ROK] * len(items)

    def _answer(self, items: list[_Received], statuses: list[int]) -> None:
        """deliver_sm_resp for each item, one post per link they came in on."""
        by_client: dict[_Link, list[bytes]] = {}
        for item, status in zip(items, statuses, strict=True):
            by_client.setdefault(item.client, []).append(_deliver_sm_resp(item.sequence, status))
        for client, resps in by_client.items():
            if not client.post(b"".join(resps)):  # stored all the same; the SMSC offers them again
                logger.info("%d SMPP deliver_sm stored but not answered: link down", len(resps))

    def _reply(self, client: _Link, command: str, sequence: int, status: int = consts.SMPP_ESME_ROK) -> None:
        client.post(_response(client, command, sequence, status).generate())

    def _flush(self, client: _Link) -> None:
        """Write all that was posted in one system call (connection thread only): after each one
        this thread may wait ~5 ms for the GIL."""
        if data := client.take_outbox():
            _write_all(client._socket, data, self._response_timeout)

    def _drop(self, client: _Link, reason: str) -> None:
        """Forget a dead connection: its unanswered parts go back to their submitters."""
        with self._cond:
            if self._client is client:
                self._client = None
                self._last_error = reason
                self._set_state("down")
            for seq in [seq for seq, part in self._pending.items() if part.client is client]:
                part = self._pending.pop(seq)
                part.lost = True
                part.call.unanswered -= 1
            self._cond.notify_all()


# -- PDU helpers ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _encode(text: str, encoding: str) -> bytes:
    """A part's octets. Cached: a bulk send's parts are the same texts, and gsm0338 encodes one
    character at a time in Python."""
    if encoding == "GSM7":
        return _GSM7.encode(text)[0]  # unpacked septets, one per octet: the SMSC packs them
    return text.encode("utf-16-be")


def _submit_sm(sequence: int, fields: dict[str, object]) -> bytes:
    """The submit_sm PDU for `fields` (as _prepare makes them), byte for byte what smpplib's
    make_pdu(...).generate() writes for them (tested), at a fifth of its cost."""
    message = fields["short_message"]
    assert isinstance(message, bytes)
    body = b"".join(
        (
            b"\0",  # service_type: the default
            bytes((fields["source_addr_ton"], fields["source_addr_npi"])),  # type: ignore[arg-type]
            _c_string(fields["source_addr"], 21),
            bytes((fields["dest_addr_ton"], fields["dest_addr_npi"])),  # type: ignore[arg-type]
            _c_string(fields["destination_addr"], 21),
            bytes((fields["esm_class"], fields["protocol_id"], 0)),  # type: ignore[arg-type]  # priority_flag 0
            b"\0\0",  # schedule_delivery_time, validity_period: none
            bytes((fields["registered_delivery"], 0, fields["data_coding"], 0, len(message))),  # type: ignore[arg-type]
            message,
        )
    )
    return struct.pack(">LLLL", _HEADER_SIZE + len(body), _SUBMIT_SM, 0, sequence) + body


def _deliver_sm_resp(sequence: int, status: int) -> bytes:
    """The deliver_sm_resp PDU (its message_id unused: one NUL), byte for byte what smpplib writes
    (tested), without building smpplib's Command: one is written per receipt."""
    return struct.pack(">LLLLB", _HEADER_SIZE + 1, _DELIVER_SM_RESP, status, sequence, 0)


def _c_string(value: object, size: int) -> bytes:
    """A C-Octet String field of at most `size` octets, NUL included (cut as smpplib cuts it)."""
    return str(value)[: size - 1].encode("latin-1") + b"\0"


def _write_all(sock: socket.socket, data: bytes, timeout: float) -> None:
    """sendall for a non-blocking socket: waits up to `timeout` each time the SMSC reads too slowly."""
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view) :]
        except (BlockingIOError, ssl.SSLWantWriteError):  # an SSL write is retried with the same bytes
            if not select.select([], [sock], [], timeout)[1]:
                raise TimeoutError("the SMSC stopped reading") from None


def _tls_context(ca_file: str) -> ssl.SSLContext:
    """Verifies the SMSC's certificate and host name, against `ca_file` or the system's CAs."""
    return ssl.create_default_context(cafile=ca_file or None)


def _response(client: Client, command: str, sequence: int, status: int = consts.SMPP_ESME_ROK) -> Command:
    resp = smpp.make_pdu(command, client=client, status=status)
    resp.sequence = sequence
    return resp


def _describe(exc: BaseException) -> str:
    # smpplib raises a bare ConnectionError() when the peer closes the socket
    return f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__}: connection closed"


def _disconnect(client: Client) -> None:
    client.state = consts.SMPP_CLIENT_STATE_OPEN  # else smpplib warns about closing a bound session
    client.disconnect()


def _text(raw: object) -> str:
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw or "")


def parse_receipt(pdu: Command | _DeliverSm) -> DeliveryReport | None:
    """A delivery receipt from its TLVs (receipted_message_id, message_state) or its text.

    Text form (SMPP 3.4 appendix B): "id:IIII sub:001 dlvrd:001 submit date:YYMMDDhhmm
    done date:YYMMDDhhmm stat:DELIVRD err:000 text:...". Dates are taken as UTC."""
    body = _RECEIPT_TEXT.split(_text(pdu.short_message or pdu.message_payload), maxsplit=1)[0]
    fields = {key.lower(): value for key, value in _RECEIPT_FIELD.findall(body)}
    part_id = _text(pdu.receipted_message_id) or fields.get("id", "")
    if not part_id:
        return None
    if pdu.message_state in _MESSAGE_STATES:
        state = _MESSAGE_STATES[pdu.message_state]
    else:
        stat = fields.get("stat", "").upper()
        state = stat if stat in REPORT_STATES else _STAT_ALIASES.get(stat, "UNKNOWN")
    err = fields.get("err", "")
    error = err if err.strip("0") else ""  # "000" means no error
    return DeliveryReport(part_id=part_id, state=state, at=_receipt_time(fields.get("done date", "")), error=error)


def _receipt_time(value: str) -> datetime:
    """YYMMDDhhmm[ss] as UTC (years 69-99 are 1969-1999, as strptime's %y reads them); now if it
    is not one. Sliced by hand: strptime was a twentieth of the dispatcher's time."""
    if len(value) in (10, 12) and value.isdigit():
        year = int(value[0:2])
        with contextlib.suppress(ValueError):
            return datetime(
                year + (2000 if year < 69 else 1900),
                int(value[2:4]),
                int(value[4:6]),
                int(value[6:8]),
                int(value[8:10]),
                int(value[10:12] or 0),
                tzinfo=UTC,
            )
    return datetime.now(UTC)


def parse_mo(pdu: Command | _DeliverSm) -> InboundSms:
    """A mobile-originated message, or one part of a longer one (`concat` says which)."""
    body: bytes = pdu.short_message or pdu.message_payload or b""
    concat = None
    if pdu.esm_class & ESM_UDHI and body:
        header, body = body[1 : 1 + body[0]], body[1 + body[0] :]
        concat = parse_concatenation(header)
    coding = pdu.data_coding or 0
    if coding == 0x00:
        text = _GSM7.decode(body, "replace")[0]
    elif coding == 0x08:
        text = body.decode("utf-16-be", "replace")
    elif coding == 0x01:
        text = body.decode("ascii", "replace")
    else:  # Latin-1 (0x03) and anything we do not know: never fail on an MO
        text = body.decode("latin-1")
    source = _text(pdu.source_addr)
    numeric = source.isdigit() and pdu.source_addr_ton in (consts.SMPP_TON_UNK, consts.SMPP_TON_INTL)
    return InboundSms(
        sender="+" + source if numeric else source,
        to=_text(pdu.destination_addr),
        text=text,
        at=datetime.now(UTC),
        concat=concat,
    )


def parse_concatenation(header: bytes) -> Concatenation | None:
    """The concatenation element of a user data header (without its length octet), if it holds a
    sound one. The header is a run of elements (id, length, value); others, such as port numbers,
    are skipped. A malformed header gives None: the PDU is then taken as a whole message."""
    found = None
    i = 0
    while i < len(header):
        if i + 2 > len(header) or i + 2 + header[i + 1] > len(header):
            return None  # an element runs past the header
        iei, value = header[i], header[i + 2 : i + 2 + header[i + 1]]
        if iei == UDH_CONCAT_8BIT and len(value) == 3:
            found = Concatenation(value[0], value[1], value[2])
        elif iei == UDH_CONCAT_16BIT and len(value) == 4:
            found = Concatenation(int.from_bytes(value[:2], "big"), value[2], value[3])
        i += 2 + len(value)
    if found is None or found.total < 2 or not 1 <= found.sequence <= found.total:
        return None  # a "part 1 of 1" or a part out of range is a message of its own
    return found
