"""A small SMSC (SMPP 3.4 server) to test and benchmark the SMPP gateway against.

A test and benchmark peer, not production code: it stores nothing, routes nothing and trusts
every client. It is built on smpp34.Server, whose Rust core does the framing, the binds,
enquire_link and the windowing; this file only decides how to answer each submit_sm and what
to push back:

- every submit_sm gets a fresh message id, or a refusal for a --reject-prefix destination
  (ESME_RINVDSTADR), a --throttle-prefix destination (ESME_RTHROTTLED) or a --reject-text
  text (ESME_RSYSERR);
- with registered_delivery set, a receipt deliver_sm follows after --receipt-delay seconds:
  stat:DELIVRD, or stat:UNDELIV for a --fail-prefix destination;
- a text equal to --mo-keyword brings an MO deliver_sm back from the destination (--mo-reply),
  or --mo-parts concatenated ones (8-bit reference UDH), as a handset sends a long reply;
- with --receipts-elsewhere, receipts and MO come on another bound session than the submit's
  (a carrier that spreads deliver_sm over a client's binds);
- --crash-after N kills the process on the Nth submit_sm, to test what a client does then: that one
  and any later one go unanswered, and it dies once the receipts it already owes are out (at most a
  second later; under load they could otherwise still be waiting in the event loop).

Run it from the project root:

    python -m tests.smsc --port 2775 [--reject-prefix +999] [--receipt-delay 0.0] [--mo-keyword PING]

It writes one JSON object per line to --journal (default: stdout): "listening" once it accepts
connections, then "bind", "submit" (with the parsed UDH and the decoded text), "receipt", "mo"
and "unbind"; and "counters" on SIGUSR1 and on exit (SIGTERM, SIGINT). Tests read the journal
to see what reached the network, e.g. that each part was submitted exactly once.

The tests run it through `SmscProcess` (below), on a `free_port()`, and poll with `wait_for`.

Its event loop is uvloop's: smpp34 hands every PDU from its Rust threads to the loop, and asyncio's
own loop writes its wake-up pipe once per PDU, where uvloop wakes once for all that arrived. That
took a third of this SMSC's CPU per message (0.45 -> 0.32 ms for a submit_sm and its receipt, in
the dispatch_routed benchmark, where it shares the machine's cores with the platform).
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import gsm0338
import smpp34
import uvloop

ESM_UDHI = 0x40
ESM_RECEIPT = 0x04
ESME_RINVSYSID = 0x0F  # not among smpp34's constants; reject() takes any command_status
_GSM7 = gsm0338.Codec()


class Smsc:
    def __init__(self, options: argparse.Namespace, journal: IO[str]) -> None:
        self.options = options
        self.journal = journal
        self.counters: Counter[str] = Counter()
        self.sessions: dict[str, smpp34.Esme] = {}
        self.tasks: set[asyncio.Future[object]] = set()
        self.mo_references = 0  # the UDH reference of the last concatenated MO
        self.crashing: list[smpp34.SubmitSmEvent] = []  # held unanswered (one let go is refused)

    def log(self, event: str, **fields: object) -> None:
        line = {"event": event, "at": round(time.time(), 3), **fields}
        self.journal.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.journal.flush()

    def log_counters(self) -> None:
        self.log("counters", **self.counters)

    async def serve(self) -> None:
        server = smpp34.Server(self.options.host, self.options.port, system_id="TESTSMSC")
        await server.start()
        self.log("listening", host=self.options.host, port=self.options.port)
        try:
            while True:
                event = await server.next()
                if isinstance(event, smpp34.Esme):
                    self.on_bind(event)
                elif isinstance(event, smpp34.SubmitSmEvent):
                    self.on_submit(event)
                elif isinstance(event, smpp34.Unbound):
                    self.sessions.pop(event.session_id, None)
                    self.counters["unbinds"] += 1
                    self.log("unbind", session=event.session_id)
        finally:
            for task in self.tasks:
                task.cancel()
            await server.stop()

    def on_bind(self, esme: smpp34.Esme) -> None:
        self.counters["binds"] += 1
        self.log("bind", session=esme.session_id, system_id=esme.system_id)
        wanted = self.options.system_id
        if wanted is not None and esme.system_id != wanted:
            # smpp34 accepts every bind and does not show the password; unbinding is the refusal.
            self.counters["binds_refused"] += 1
            self.spawn(esme.unbind())
            return
        self.sessions[esme.session_id] = esme

    def on_submit(self, event: smpp34.SubmitSmEvent) -> None:
        if self.crashing:
            self.crashing.append(event)
            return
        self.counters["submits"] += 1
        if self.counters["submits"] == self.options.crash_after:
            self.log("crash", destination_addr=event.destination_addr)
            self.crashing.append(event)
            self.spawn(self.crash())
            return
        to = "+" + event.destination_addr
        udh, text = split_user_data(event.short_message, event.esm_class, event.data_coding)
        status = 0
        if event.session_id not in self.sessions:  # refused by --system-id, not unbound yet
            status = ESME_RINVSYSID
        elif to.startswith(tuple(self.options.reject_prefix)):
            status = smpp34.ESME_RINVDSTADR
        elif to.startswith(tuple(self.options.throttle_prefix)):
            status = smpp34.ESME_RTHROTTLED
        elif text in self.options.reject_text:
            status = smpp34.ESME_RSYSERR
        message_id = uuid.uuid4().hex[:20] if status == 0 else ""
        self.log(
            "submit",
            session=event.session_id,
            message_id=message_id,
            status=status,
            source_addr=event.source_addr,
            source_ton=event.source_addr_ton,
            source_npi=event.source_addr_npi,
            destination_addr=event.destination_addr,
            dest_ton=event.dest_addr_ton,
            dest_npi=event.dest_addr_npi,
            esm_class=event.esm_class,
            protocol_id=event.protocol_id,
            data_coding=event.data_coding,
            registered_delivery=event.registered_delivery,
            udh=udh,
            text=text,
        )
        if status:
            self.counters["rejected"] += 1
            event.reject(status)
            return
        self.counters["accepted"] += 1
        event.accept(message_id)
        if event.registered_delivery & 0x01:
            self.spawn(self.send_receipt(event, message_id, failed=to.startswith(tuple(self.options.fail_prefix))))
        if self.options.mo_keyword is not None and text == self.options.mo_keyword:
            self.spawn(self.send_mo(event))

    async def crash(self) -> None:
        owed = [task for task in self.tasks if task is not asyncio.current_task()]
        if owed:
            await asyncio.wait(owed, timeout=1.0)
        os._exit(3)  # no answer, no unbind: the client sees the TCP connection die

    def spawn(self, work: Awaitable[object]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def session_for(self, event: smpp34.SubmitSmEvent) -> smpp34.Esme | None:
        """The submitting session, else any bound one (a reconnected client still gets its receipts).
        With --receipts-elsewhere, another bound session than the submitting one when there is one.
        Only sessions that may receive (transceiver or receiver binds): a transmitter gets none."""
        receiving = {sid: esme for sid, esme in self.sessions.items() if esme.can_receive}
        if self.options.receipts_elsewhere:
            others = [esme for sid, esme in receiving.items() if sid != event.session_id]
            if others:
                return others[0]
        return receiving.get(event.session_id) or next(iter(receiving.values()), None)

    async def send_receipt(self, event: smpp34.SubmitSmEvent, message_id: str, *, failed: bool) -> None:
        await asyncio.sleep(self.options.receipt_delay)
        stamp = datetime.now(UTC).strftime("%y%m%d%H%M")
        stat, err, state = ("UNDELIV", "001", 5) if failed else ("DELIVRD", "000", 2)
        dlvrd = "000" if failed else "001"
        dates = f"submit date:{stamp} done date:{stamp}"
        text = f"id:{message_id} sub:001 dlvrd:{dlvrd} {dates} stat:{stat} err:{err} text:"
        tlvs = [
            smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
            smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes((state,))),
        ]
        await self.push(
            "receipt",
            event,
            text.encode(),
            esm_class=ESM_RECEIPT,
            data_coding=0,
            tlvs=tlvs,
            message_id=message_id,
            stat=stat,
        )

    async def send_mo(self, event: smpp34.SubmitSmEvent) -> None:
        await asyncio.sleep(self.options.receipt_delay)
        reply, total = self.options.mo_reply, self.options.mo_parts
        coding = data_coding_for(reply)
        if total == 1:
            await self.push("mo", event, encode(reply, coding), esm_class=0, data_coding=coding, tlvs=[], text=reply)
            return
        self.mo_references += 1
        size = -(-len(reply) // total)  # characters per part, the last one shorter
        for seq in range(1, total + 1):
            text = reply[(seq - 1) * size : seq * size]
            udh = bytes((0x05, 0x00, 0x03, self.mo_references % 256, total, seq))
            body = udh + encode(text, coding)
            await self.push("mo", event, body, esm_class=ESM_UDHI, data_coding=coding, tlvs=[], text=text, seq=seq)

    async def push(
        self,
        kind: str,
        event: smpp34.SubmitSmEvent,
        body: bytes,
        *,
        esm_class: int,
        data_coding: int,
        tlvs: list[smpp34.Tlv],
        **fields: object,
    ) -> None:
        """deliver_sm from the handset (the submit's destination) back to the submit's source."""
        esme = self.session_for(event)
        if esme is None:
            self.counters[f"{kind}_dropped"] += 1
            self.log(kind, delivered=False, reason="no bound session", **fields)
            return
        try:
            resp = await esme.deliver_sm(
                event.source_addr,
                body,
                source_addr=event.destination_addr,
                source_addr_ton=event.dest_addr_ton,
                source_addr_npi=event.dest_addr_npi,
                dest_addr_ton=event.source_addr_ton,
                dest_addr_npi=event.source_addr_npi,
                esm_class=esm_class,
                data_coding=data_coding,
                tlvs=tlvs,
            )
            status = resp.command_status
        except smpp34.SmppError as exc:
            self.counters[f"{kind}_failed"] += 1
            self.log(kind, delivered=False, reason=str(exc), **fields)
            return
        self.counters[f"{kind}_sent"] += 1
        self.log(kind, delivered=status == 0, status=status, session=esme.session_id, **fields)


def data_coding_for(text: str) -> int:
    """GSM-7 (0) when the text fits it, else UCS-2 (8)."""
    try:
        _GSM7.encode(text)
    except UnicodeError:
        return 0x08
    return 0x00


def encode(text: str, data_coding: int) -> bytes:
    return _GSM7.encode(text)[0] if data_coding == 0x00 else text.encode("utf-16-be")


def split_user_data(body: bytes, esm_class: int, data_coding: int) -> tuple[dict[str, int] | None, str]:
    """The concatenation header (if any) and the decoded text of a short_message."""
    udh = None
    if esm_class & ESM_UDHI and body:
        header, body = body[1 : 1 + body[0]], body[1 + body[0] :]
        udh = {"raw": header.hex()}
        i = 0
        while i + 2 <= len(header):
            iei, length = header[i], header[i + 1]
            value = header[i + 2 : i + 2 + length]
            if iei == 0x00 and length == 3:
                udh.update(ref=value[0], total=value[1], seq=value[2])
            elif iei == 0x08 and length == 4:
                udh.update(ref=int.from_bytes(value[:2], "big"), total=value[2], seq=value[3])
            i += 2 + length
    if data_coding == 0x08:
        text = body.decode("utf-16-be", "replace")
    elif data_coding == 0x00:
        text = _GSM7.decode(body, "replace")[0]
    else:
        text = body.decode("latin-1")
    return udh, text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.smsc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--system-id", help="refuse (unbind) sessions that bind with another system_id")
    parser.add_argument("--reject-prefix", action="append", default=[], help="refuse submits to it (ESME_RINVDSTADR)")
    parser.add_argument("--throttle-prefix", action="append", default=[], help="refuse with ESME_RTHROTTLED")
    parser.add_argument("--reject-text", action="append", default=[], help="refuse this exact text (ESME_RSYSERR)")
    parser.add_argument("--fail-prefix", action="append", default=[], help="accept, then receipt stat:UNDELIV")
    parser.add_argument("--receipt-delay", type=float, default=0.0, help="seconds before receipts and MO replies")
    parser.add_argument("--mo-keyword", help="a submitted text equal to it brings an MO message back")
    parser.add_argument("--mo-reply", default="PONG", help="the text of that MO message")
    parser.add_argument("--mo-parts", type=int, default=1, help="send that text as this many concatenated parts")
    parser.add_argument("--receipts-elsewhere", action="store_true", help="deliver on another bind than the submit's")
    parser.add_argument("--crash-after", type=int, help="exit abruptly on the Nth submit_sm, leaving it unanswered")
    parser.add_argument("--journal", help="JSON-lines file to append events to (default: stdout)")
    options = parser.parse_args(argv)
    for name in ("reject_prefix", "throttle_prefix", "fail_prefix"):
        setattr(options, name, ["+" + prefix.removeprefix("+") for prefix in getattr(options, name)])
    return options


async def main(options: argparse.Namespace, journal: IO[str]) -> None:
    smsc = Smsc(options, journal)
    loop = asyncio.get_running_loop()
    serving = asyncio.ensure_future(smsc.serve())
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, serving.cancel)
    loop.add_signal_handler(signal.SIGUSR1, smsc.log_counters)
    try:
        await serving
    except asyncio.CancelledError:
        pass
    finally:
        smsc.log_counters()


# ---- Running it from the tests ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
WAIT = 5.0  # seconds: upper bound for anything asynchronous (receipts, MO, restarts)
MO_REPLY = "Tere, õun!"  # not GSM-7: the MO comes back as UCS-2
SMSC_OPTIONS = ("--mo-keyword", "PING", "--mo-reply", MO_REPLY, "--reject-prefix", "+999")
SMSC_OPTIONS += ("--throttle-prefix", "+777", "--fail-prefix", "+888", "--reject-text", "REFUSE ME")


def wait_for(condition: Callable[[], object], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout}s: {condition}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmscProcess:
    """This SMSC as a subprocess (`python -m tests.smsc`), for the tests; its journal is one JSON object
    per line. Started with SMSC_OPTIONS, and whatever a test adds."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.journal = directory / "smsc-0.jsonl"

    def start(self, *extra: str) -> None:
        self.starts += 1
        self.journal = self.directory / f"smsc-{self.starts}.jsonl"
        args = ["--port", str(self.port), "--journal", str(self.journal), *SMSC_OPTIONS, *extra]
        with open(self.directory / "smsc.stderr", "ab") as stderr:
            self.process = subprocess.Popen([sys.executable, "-m", "tests.smsc", *args], cwd=ROOT, stderr=stderr)
        wait_for(lambda: self.events("listening") or self.process.poll() is not None)
        assert self.events("listening"), (self.directory / "smsc.stderr").read_text()

    def kill(self) -> None:
        """Like a crash: no unbind, the TCP connection just dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(WAIT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(WAIT)

    def events(self, kind: str, journal: Path | None = None) -> list[dict]:
        journal = journal or self.journal
        if not journal.exists():
            return []
        lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
        events = [json.loads(line) for line in lines if line.endswith("\n")]  # skip a half-written last line
        return [event for event in events if event["event"] == kind]


if __name__ == "__main__":
    options = parse_args()
    with contextlib.ExitStack() as stack:
        journal = stack.enter_context(open(options.journal, "a", encoding="utf-8")) if options.journal else sys.stdout
        uvloop.run(main(options, journal))
