"""SmppGateway against a real SMSC process (tests/smsc.py, built on smpp34.Server).

Each test starts the SMSC as a subprocess on a free port and reads its JSON-lines journal
to see what reached the network. No database: only Django-free modules are imported."""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from smpplib import smpp
from smpplib.client import Client

from messaging.gateways.base import DeliveryReport, Outbound
from messaging.gateways.smpp import (
    SmppGateway,
    _deliver_sm_resp,
    _DeliverSm,
    _Job,
    _parse,
    _receipt_time,
    _submit_sm,
    parse_mo,
    parse_receipt,
)
from tests.gateways import RecordingSink, deliver_sm, sms
from tests.smsc import MO_REPLY, WAIT, SmscProcess, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def make_gateway(smsc: SmscProcess, sink: RecordingSink) -> Iterator[Callable[..., SmppGateway]]:
    made: list[SmppGateway] = []

    def make(**options: object) -> SmppGateway:
        settings = {"sink": sink, "window": 5, "connect_timeout": 2.0, "response_timeout": 5.0, "outage_timeout": WAIT}
        settings.update(options)
        gateway = SmppGateway(host="127.0.0.1", port=smsc.port, system_id="test", password="secret", **settings)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()


@pytest.fixture
def gateway(make_gateway: Callable[..., SmppGateway]) -> SmppGateway:
    return make_gateway()


def test_single_gsm7_submit_and_its_delivery_receipt(
    gateway: SmppGateway, smsc: SmscProcess, sink: RecordingSink
) -> None:
    text = "Hello €uro [ok] {x} ~ | ^ \\ Ä§"  # extension characters travel as escape pairs

    [result] = gateway.submit([sms(1, "+3725550001", text)])

    assert result.accepted and result.message_id == 1
    assert len(result.part_ids) == 1
    [submitted] = smsc.events("submit")
    assert submitted["message_id"] == result.part_ids[0]
    assert submitted["text"] == text
    assert (submitted["data_coding"], submitted["esm_class"], submitted["protocol_id"]) == (0, 0, 0)
    assert submitted["registered_delivery"] == 1
    assert (submitted["source_addr"], submitted["source_ton"], submitted["source_npi"]) == ("3725000001", 1, 1)
    assert (submitted["destination_addr"], submitted["dest_ton"], submitted["dest_npi"]) == ("3725550001", 1, 1)
    wait_for(lambda: sink.received_reports)
    [report] = sink.received_reports
    assert (report.part_id, report.state, report.error) == (result.part_ids[0], "DELIVRD", "")
    assert report.at.tzinfo is not None


def test_ucs2_text_from_an_alphanumeric_sender(gateway: SmppGateway, smsc: SmscProcess) -> None:
    text = "Привет, õun 😀"

    [result] = gateway.submit([sms(2, "+3725550002", text, sender="Brand", encoding="UCS2")])

    assert result.accepted
    [submitted] = smsc.events("submit")
    assert (submitted["data_coding"], submitted["text"]) == (8, text)
    assert (submitted["source_addr"], submitted["source_ton"]) == ("Brand", 5)


def test_concatenated_message_carries_one_reference_and_ordered_parts(
    gateway: SmppGateway, smsc: SmscProcess, sink: RecordingSink
) -> None:
    parts = ("a" * 153, "b" * 153, "the end")
    other = ("x" * 153, "y")

    first, second = gateway.submit([sms(3, "+3725550003", *parts), sms(4, "+3725550004", *other)])

    assert first.accepted and len(set(first.part_ids)) == 3
    assert second.accepted and len(second.part_ids) == 2
    submits = [event for event in smsc.events("submit") if event["destination_addr"] == "3725550003"]
    assert len(submits) == 3  # each part exactly once
    by_id = {event["message_id"]: event for event in submits}
    for seq, (part_id, text) in enumerate(zip(first.part_ids, parts, strict=True), start=1):
        event = by_id[part_id]
        assert event["esm_class"] == 0x40
        assert (event["udh"]["total"], event["udh"]["seq"], event["text"]) == (3, seq, text)
    assert len({event["udh"]["ref"] for event in submits}) == 1
    other_ref = next(e["udh"]["ref"] for e in smsc.events("submit") if e["destination_addr"] == "3725550004")
    assert other_ref != submits[0]["udh"]["ref"]
    wait_for(lambda: len(sink.received_reports) == 5)
    assert {report.part_id for report in sink.received_reports} == {*first.part_ids, *second.part_ids}


def test_refused_destination_is_permanent_and_spares_the_rest(gateway: SmppGateway) -> None:
    refused, fine = gateway.submit([sms(5, "+9991234567", "no"), sms(6, "+3725550006", "yes")])

    assert (refused.accepted, refused.error, refused.permanent, refused.part_ids) == (
        False,
        "ESME_RINVDSTADR",
        True,
        (),
    )
    assert fine.accepted


def test_a_message_with_one_refused_part_is_refused(gateway: SmppGateway, smsc: SmscProcess) -> None:
    [result] = gateway.submit([sms(18, "+3725550018", "a" * 153, "REFUSE ME", "c")])

    assert (result.accepted, result.error, result.permanent, result.part_ids) == (False, "ESME_RSYSERR", True, ())
    assert any(event["status"] == 0 for event in smsc.events("submit"))  # its first part did go out


def test_text_outside_the_encoding_is_refused_before_the_network(gateway: SmppGateway, smsc: SmscProcess) -> None:
    [result] = gateway.submit([sms(19, "+3725550019", "õun")])  # õ is not GSM-7

    assert (result.accepted, result.permanent) == (False, True)
    assert smsc.events("submit") == [] and smsc.events("bind") == []


def test_throttling_is_a_temporary_refusal(gateway: SmppGateway) -> None:
    [result] = gateway.submit([sms(7, "+7771234567", "slow down")])

    assert (result.accepted, result.error, result.permanent) == (False, "ESME_RTHROTTLED", False)


def test_undeliverable_receipt(gateway: SmppGateway, sink: RecordingSink) -> None:
    [result] = gateway.submit([sms(8, "+8881234567", "lost")])

    assert result.accepted
    wait_for(lambda: sink.received_reports)
    [report] = sink.received_reports
    assert (report.part_id, report.state, report.error) == (result.part_ids[0], "UNDELIV", "001")


def test_mobile_originated_message_reaches_the_sink(gateway: SmppGateway, sink: RecordingSink) -> None:
    [result] = gateway.submit([sms(9, "+3725550009", "PING", request_dlr=False)])

    assert result.accepted
    wait_for(lambda: sink.received_inbound)
    [mo] = sink.received_inbound
    assert (mo.sender, mo.to, mo.text) == ("+3725550009", "3725000001", MO_REPLY)
    assert sink.received_reports == []


def test_silent_sms_uses_protocol_id_0x40(gateway: SmppGateway, smsc: SmscProcess) -> None:
    [result] = gateway.submit([sms(10, "+3725550010", "", silent=True, request_dlr=False)])

    assert result.accepted
    [submitted] = smsc.events("submit")
    assert (submitted["protocol_id"], submitted["registered_delivery"]) == (0x40, 0)


def test_window_bounds_outstanding_submits_and_loses_nothing(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    gateway = make_gateway(window=5)
    gateway._pending = outstanding = _HighWater()  # observe the window from the inside
    messages = [sms(100 + i, f"+37256{i:06d}", f"message {i}", request_dlr=False) for i in range(50)]

    results = gateway.submit(messages)

    assert [r.message_id for r in results] == [m.message_id for m in messages]
    assert all(r.accepted for r in results)
    assert len({r.part_ids[0] for r in results}) == 50
    destinations = sorted(event["destination_addr"] for event in smsc.events("submit"))
    assert destinations == sorted(m.to.removeprefix("+") for m in messages)  # none lost, none twice
    assert 1 < outstanding.high <= 5


def test_reconnects_after_the_smsc_restarts(gateway: SmppGateway, smsc: SmscProcess, sink: RecordingSink) -> None:
    [before] = gateway.submit([sms(11, "+3725550011", "before", request_dlr=False)])
    old_journal = smsc.journal
    smsc.kill()
    smsc.start()  # same port, new process

    [after] = gateway.submit([sms(12, "+3725550012", "after")])

    assert before.accepted and after.accepted
    assert [event["text"] for event in smsc.events("submit")] == ["after"]
    assert len(smsc.events("submit", old_journal)) == 1
    wait_for(lambda: sink.received_reports)
    assert sink.received_reports[0].part_id == after.part_ids[0]


def test_worker_threads_share_one_bind(gateway: SmppGateway, smsc: SmscProcess) -> None:
    batches = [[sms(300 + 20 * t + i, f"+37258{t}{i:05d}", "hi") for i in range(20)] for t in range(3)]

    with ThreadPoolExecutor(3) as pool:
        results = [r for batch in pool.map(gateway.submit, batches) for r in batch]

    assert all(r.accepted for r in results) and len({r.part_ids[0] for r in results}) == 60
    assert len(smsc.events("bind")) == 1
    assert len({e["destination_addr"] for e in smsc.events("submit")}) == len(smsc.events("submit")) == 60


def test_after_a_crash_only_unanswered_parts_are_sent_again(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    smsc.stop()
    smsc.start("--crash-after", "3")  # dies on the 3rd submit_sm, with up to 5 in flight
    first_journal = smsc.journal
    gateway = make_gateway(window=5)
    messages = [sms(200 + i, f"+37257{i:06d}", f"message {i}", request_dlr=False) for i in range(10)]

    with ThreadPoolExecutor(1) as pool:
        submitting = pool.submit(gateway.submit, messages)
        smsc.process.wait(WAIT)
        smsc.start()
        results = submitting.result(timeout=2 * WAIT)

    assert all(result.accepted for result in results)
    before = {e["message_id"]: e["destination_addr"] for e in smsc.events("submit", first_journal)}
    after = {e["message_id"]: e["destination_addr"] for e in smsc.events("submit")}
    assert smsc.events("crash", first_journal) and after  # the link really died with work left
    for message, result in zip(messages, results, strict=True):
        destination = message.to.removeprefix("+")
        [part_id] = result.part_ids
        assert before.get(part_id) == destination or after.get(part_id) == destination
        if part_id in before:  # answered by the first SMSC: never offered to the second
            assert destination not in after.values()


def test_an_outage_longer_than_the_bound_refuses_temporarily(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    gateway = make_gateway(outage_timeout=1.0)
    assert gateway.submit([sms(13, "+3725550013", "up")])[0].accepted
    smsc.kill()

    started = time.monotonic()
    [result] = gateway.submit([sms(14, "+3725550014", "down")])

    assert time.monotonic() - started < 3
    assert (result.accepted, result.permanent) == (False, False)
    assert result.error.startswith("SMSC unavailable")


def test_a_failing_sink_does_not_stop_the_reader(make_gateway: Callable[..., SmppGateway], smsc: SmscProcess) -> None:
    sink = _FlakySink()
    gateway = make_gateway(sink=sink)

    [first] = gateway.submit([sms(15, "+3725550015", "one")])
    wait_for(lambda: smsc.events("receipt"))
    [second] = gateway.submit([sms(16, "+3725550016", "two")])

    wait_for(lambda: sink.received_reports)
    assert [report.part_id for report in sink.received_reports] == [second.part_ids[0]]
    refused = smsc.events("receipt")[0]
    assert (refused["message_id"], refused["status"]) == (first.part_ids[0], 0x64)  # ESME_RX_T_APPN: retry later


def test_receipts_are_read_while_the_sink_is_busy_and_answered_once_stored(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    sink = _GatedSink()
    gateway = make_gateway(sink=sink)
    [first] = gateway.submit([sms(20, "+3725550020", "first")])
    assert sink.entered.wait(WAIT)  # the storing thread is held inside the sink with that receipt

    more = gateway.submit([sms(21 + i, f"+37255500{21 + i}", "more") for i in range(10)])
    wait_for(lambda: len(gateway._inbox._items) == 10)  # their receipts were read all the same

    assert all(result.accepted for result in more)
    assert smsc.events("receipt") == []  # none answered before it is stored
    sink.gate.set()
    gateway.close()

    stored = {report.part_id for report in sink.received_reports}
    assert stored == {first.part_ids[0], *(result.part_ids[0] for result in more)}  # before close() returned
    assert sink.batches == [1, 10]  # what waited went to the sink in one call
    wait_for(lambda: len(smsc.events("receipt")) == 11)
    assert {event["status"] for event in smsc.events("receipt")} == {0}  # answered before the unbind


@pytest.mark.parametrize("stored", [True, False])
def test_receipts_that_come_during_the_submit_go_with_its_results_answered_once_stored(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess, sink: RecordingSink, stored: bool
) -> None:
    gateway = make_gateway(window=1, receipts_with_results=True)  # one part at a time: receipts come meanwhile
    messages = [sms(300 + i, f"+37255530{i:02d}", f"message {i}") for i in range(20)]

    results = gateway.submit(messages)

    handed = [report for result in results for report in result.reports]
    assert len(handed) >= 10
    for result in results:
        assert all(report.part_id in result.part_ids for report in result.reports)  # each with its message
    wait_for(lambda: len(sink.received_reports) + len(handed) == 20)  # the others, through the sink
    assert {r.part_id for r in sink.received_reports} & {r.part_id for r in handed} == set()
    answered = {event["message_id"] for event in smsc.events("receipt")}
    assert answered & {r.part_id for r in handed} == set()  # not acknowledged before they are stored

    gateway.receipts_stored(handed, stored=stored)

    wait_for(lambda: len(smsc.events("receipt")) == 20)
    statuses = {event["message_id"]: event["status"] for event in smsc.events("receipt")}
    assert {statuses[r.part_id] for r in handed} == ({0} if stored else {0x64})  # ESME_RX_T_APPN: offer it again


def test_a_refused_messages_receipts_go_through_the_sink(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess, sink: RecordingSink
) -> None:
    gateway = make_gateway(window=1, receipts_with_results=True)
    parts = "x" * 300  # two parts; the refused text ends it after the first was taken
    [result] = gateway.submit(
        [Outbound(message_id=7, sender="Shop", to="+3725550007", parts=(parts[:150], "REFUSE ME"), encoding="GSM7")]
    )

    assert not result.accepted and result.reports == ()
    wait_for(lambda: len(sink.received_reports) == 1)  # the first part's receipt, stored the usual way


def test_a_receipt_the_sink_refuses_does_not_refuse_its_batch(
    make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    sink = _GatedSink(refused=("UNDELIV",))
    gateway = make_gateway(sink=sink)
    gateway.submit([sms(40, "+3725550040", "first")])
    assert sink.entered.wait(WAIT)
    fine, failed = gateway.submit([sms(41, "+3725550041", "fine"), sms(42, "+8885550042", "failed")])
    wait_for(lambda: len(gateway._inbox._items) == 2)

    sink.gate.set()

    wait_for(lambda: len(smsc.events("receipt")) == 3)
    statuses = {event["message_id"]: event["status"] for event in smsc.events("receipt")}
    assert statuses[fine.part_ids[0]] == 0
    assert statuses[failed.part_ids[0]] == 0x64  # ESME_RX_T_APPN: offered again later
    assert sink.batches == [1, 1]  # the batch of two failed, then each was tried alone


def test_close_unbinds(gateway: SmppGateway, smsc: SmscProcess) -> None:
    gateway.submit([sms(17, "+3725550017", "bye", request_dlr=False)])

    gateway.close()

    wait_for(lambda: smsc.events("unbind"))


class _HighWater(dict):
    """A dict that remembers its largest size."""

    high = 0

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.high = max(self.high, len(self))


class _FlakySink(RecordingSink):
    """Fails on its first batch of reports, like a database that was briefly away."""

    failed = False

    def reports(self, reports: object) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("database is away")
        super().reports(reports)


class _GatedSink(RecordingSink):
    """Holds its first call until `gate` is set, like a busy database; refuses reports in `refused` states."""

    def __init__(self, refused: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.entered, self.gate = threading.Event(), threading.Event()
        self.refused = refused
        self.batches: list[int] = []  # the size of each batch stored

    def reports(self, reports: list[DeliveryReport]) -> None:
        self.entered.set()
        self.gate.wait(WAIT)
        if any(report.state in self.refused for report in reports):
            raise RuntimeError("cannot store that one")
        self.batches.append(len(reports))
        super().reports(reports)


def test_receipt_text_alone_is_enough() -> None:
    pdu = deliver_sm(
        esm_class=0x04,
        short_message=b"id:0A1B2C sub:001 dlvrd:000 submit date:2501011200 done date:250101120159 "
        b"stat:UNDELIV err:034 text:stat:DELIVRD",
    )

    report = parse_receipt(pdu)

    assert report == DeliveryReport("0A1B2C", "UNDELIV", datetime(2025, 1, 1, 12, 1, 59, tzinfo=UTC), "034")


def test_receipt_tlvs_win_and_long_state_names_are_mapped() -> None:
    assert parse_receipt(deliver_sm(esm_class=0x04, receipted_message_id=b"77", message_state=3)).state == "EXPIRED"
    assert parse_receipt(deliver_sm(esm_class=0x04, short_message=b"id:5 stat:DELIVERED")).state == "DELIVRD"
    assert parse_receipt(deliver_sm(esm_class=0x04, short_message=b"stat:DELIVRD")) is None


def test_mo_with_alphanumeric_source_and_udh() -> None:
    pdu = deliver_sm(
        source_addr=b"Bank",
        source_addr_ton=5,
        destination_addr=b"3725000001",
        esm_class=0x40,
        data_coding=0,
        short_message=bytes((5, 0, 3, 9, 2, 1)) + "Hi €".encode("gsm03.38"),
    )

    mo = parse_mo(pdu)

    assert (mo.sender, mo.to, mo.text) == ("Bank", "3725000001", "Hi €")


@pytest.mark.parametrize(
    "message",
    [
        sms(1, "+3725550001", "Hi"),
        Outbound(2, "Bank", "+3725550002", ("Привет",), "UCS2", request_dlr=False, silent=True),
        Outbound(3, "12345", "+3725550003", ("a" * 160, "b" * 10), "GSM7"),
        Outbound(4, "+4915112345678", "+123456789012345678901234", ("x",), "GSM7"),  # addresses cut to 20
    ],
)
def test_submit_sm_is_written_as_smpplib_writes_it(message: Outbound) -> None:
    gateway = SmppGateway(host="127.0.0.1", port=1, system_id="test", password="x", sink=RecordingSink())
    client = Client("127.0.0.1", 1, sequence_generator=gateway._sequence, allow_unknown_opt_params=True)
    for part in gateway._prepare(_Job(message)):
        expected = smpp.make_pdu("submit_sm", client=client, **part.fields)
        assert _submit_sm(expected.sequence, part.fields) == expected.generate()


@pytest.mark.parametrize("status", [0, 0x64, 0x65])
def test_deliver_sm_resp_is_written_as_smpplib_writes_it(status: int) -> None:
    client = Client("127.0.0.1", 1, allow_unknown_opt_params=True)
    expected = smpp.make_pdu("deliver_sm_resp", client=client, status=status)
    expected.sequence = 123456
    assert _deliver_sm_resp(123456, status) == expected.generate()


def test_submit_sm_resp_is_read_as_smpplib_reads_it() -> None:
    client = Client("127.0.0.1", 1, allow_unknown_opt_params=True)
    for status, message_id in ((0, "0a1b2c3d"), (0x58, "")):
        resp = smpp.make_pdu("submit_sm_resp", client=client, status=status, message_id=message_id or None)
        resp.sequence = 4242
        raw = resp.generate()
        ours, theirs = _parse(client, raw), smpp.parse_pdu(raw, client=client)
        assert (ours.command, ours.sequence, ours.status) == (theirs.command, theirs.sequence, theirs.status)
        assert ours.message_id == theirs.message_id


@pytest.mark.parametrize("value", ["2501011200", "250101120159", "6912312359", "6801010000", "9902281230"])
def test_receipt_times_are_read_as_strptime_reads_them(value: str) -> None:
    pattern = "%y%m%d%H%M%S" if len(value) == 12 else "%y%m%d%H%M"
    assert _receipt_time(value) == datetime.strptime(value, pattern).replace(tzinfo=UTC)


def test_a_receipt_time_that_is_no_date_is_now() -> None:
    for value in ("2513011200", "25010112", "25O1011200"):
        assert abs((_receipt_time(value) - datetime.now(UTC)).total_seconds()) < 5


@pytest.mark.parametrize(
    "fields",
    [
        {"esm_class": 0x04, "short_message": b"id:0A1B sub:001 dlvrd:001 stat:DELIVRD err:000 text:"},
        {"esm_class": 0x04, "receipted_message_id": "77", "message_state": 3, "source_addr": "3725550001"},
        {
            "esm_class": 0x40,
            "source_addr": "Bank",
            "source_addr_ton": 5,
            "destination_addr": "3725000001",
            "short_message": bytes((5, 0, 3, 9, 2, 1)) + b"Hi",
            "data_coding": 8,
        },
        {
            "esm_class": 0,
            "message_payload": b"x" * 300,
            "source_addr": "37255500",
            "network_error_code": b"\x03\x00\x01",
        },
    ],
)
def test_deliver_sm_is_read_as_smpplib_reads_it(fields: dict) -> None:
    raw = deliver_sm(**fields).generate()
    client = Client("127.0.0.1", 1, allow_unknown_opt_params=True)
    ours, theirs = _parse(client, raw), smpp.parse_pdu(raw, client=client, allow_unknown_opt_params=True)
    assert isinstance(ours, _DeliverSm)
    for name in ("command", "sequence", "source_addr_ton", "source_addr", "destination_addr", "esm_class"):
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in ("data_coding", "short_message", "message_payload", "receipted_message_id", "message_state"):
        assert (getattr(ours, name) or None) == (getattr(theirs, name) or None), name
    if fields["esm_class"] & 0x04:
        mine, smpplibs = parse_receipt(ours), parse_receipt(theirs)
        assert (mine.part_id, mine.state, mine.error) == (smpplibs.part_id, smpplibs.state, smpplibs.error)
    else:
        assert (parse_mo(ours).sender, parse_mo(ours).text) == (parse_mo(theirs).sender, parse_mo(theirs).text)
