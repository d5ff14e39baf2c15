"""Long replies that arrive part by part (SMPP deliver_sm with a concatenation UDH) are stored as one
message: the UDH parsing, the reassembly service, its clean-up of replies that never complete, a
three-part reply from a real SMSC process, and parts arriving on many threads at once (PostgreSQL)."""

import threading
from datetime import timedelta
from itertools import permutations
from urllib.parse import quote_plus

import pytest
from django.db import connection
from django.utils import timezone

from messaging.gateways.base import Concatenation, InboundSms
from messaging.gateways.smpp import parse_concatenation, parse_mo
from messaging.models import BlacklistEntry, Callback, Direction, InboundPart, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from messaging.services.reports import EngineSink
from messaging.tasks import inbound_parts_expire_periodic
from tests.factories import UserFactory
from tests.gateways import deliver_sm
from tests.smsc import SmscProcess, wait_for

HANDSET = "+37255512345"
OUR_NUMBER = "+37250000000"


# -- the user data header ------------------------------------------------------------------


def test_8bit_reference() -> None:
    assert parse_concatenation(bytes((0x00, 3, 0x9C, 3, 2))) == Concatenation(reference=0x9C, total=3, sequence=2)


def test_16bit_reference() -> None:
    assert parse_concatenation(bytes((0x08, 4, 0x12, 0x34, 2, 1))) == Concatenation(0x1234, 2, 1)


def test_other_elements_around_it_are_skipped() -> None:
    ports = bytes((0x05, 4, 0x0B, 0x84, 0x23, 0xF0))  # application port addressing
    formatting = bytes((0x0A, 3, 0, 4, 0x01))  # text formatting

    assert parse_concatenation(ports + bytes((0x00, 3, 7, 2, 2)) + formatting) == Concatenation(7, 2, 2)
    assert parse_concatenation(ports + formatting) is None


@pytest.mark.parametrize(
    "header",
    [
        b"",
        bytes((0x00,)),  # no length octet
        bytes((0x00, 3, 7, 2)),  # the element runs past the header
        bytes((0x05, 4, 0x0B, 0x84, 0x00, 3, 7, 2, 1)),  # an element before it runs into it
        bytes((0x00, 3, 7, 2, 1, 0x0A)),  # a stray octet after it
        bytes((0x00, 4, 7, 2, 1, 0)),  # the wrong length for its id
        bytes((0x00, 3, 7, 2, 0)),  # sequence 0
        bytes((0x00, 3, 7, 2, 3)),  # sequence past the total
        bytes((0x00, 3, 7, 1, 1)),  # part 1 of 1: a whole message
        bytes((0x00, 3, 7, 0, 0)),
    ],
)
def test_a_malformed_header_gives_no_concatenation(header: bytes) -> None:
    assert parse_concatenation(header) is None


def mo_pdu(short_message: bytes, esm_class: int = 0x40):
    return deliver_sm(
        source_addr=HANDSET[1:].encode(),
        source_addr_ton=1,
        destination_addr=OUR_NUMBER[1:].encode(),
        esm_class=esm_class,
        data_coding=0,
        short_message=short_message,
    )


def test_a_part_keeps_its_place_and_loses_its_header() -> None:
    mo = parse_mo(mo_pdu(bytes((6, 0x08, 4, 0x01, 0x00, 3, 3)) + b"the end"))

    assert (mo.sender, mo.text, mo.concat) == (HANDSET, "the end", Concatenation(256, 3, 3))


def test_without_the_udhi_bit_the_body_is_all_text() -> None:
    mo = parse_mo(mo_pdu(bytes((5, 0, 3, 9, 2, 1)) + b"hi", esm_class=0))

    assert mo.concat is None and mo.text.endswith("hi") and len(mo.text) == 8


@pytest.mark.parametrize("body", [bytes((9, 0, 3, 9)), bytes((3, 0, 7, 1)) + b"hi", bytes((0,)) + b"hi"])
def test_a_malformed_header_is_read_as_a_whole_message(body: bytes) -> None:
    mo = parse_mo(mo_pdu(body))

    assert mo.concat is None


# -- reassembly ----------------------------------------------------------------------------


@pytest.fixture
def original(db) -> Message:
    """The message a reply answers: the last one we sent to the handset."""
    user = UserFactory(credits=10)
    user.team.reply_url = "https://example.com/replies"
    user.team.save()
    return Message.objects.create(
        team=user.team, user=user, recipient=HANDSET, sender=OUR_NUMBER, text="Coming?", status=Status.DELIVRD
    )


def part(text: str, sequence: int, total: int, reference: int = 42, sender: str = HANDSET) -> InboundSms:
    return InboundSms(
        sender=sender, to=OUR_NUMBER, text=text, at=timezone.now(), concat=Concatenation(reference, total, sequence)
    )


def replies() -> list[Message]:
    return list(Message.objects.filter(direction=Direction.IN).order_by("id"))


def waiting():
    """Parts whose reply is not stored yet."""
    return InboundPart.objects.filter(completed_at__isnull=True)


@pytest.mark.parametrize("order", list(permutations((1, 2, 3))))
def test_parts_in_any_order_make_one_reply(original: Message, order: tuple[int, ...]) -> None:
    texts = {1: "Yes, I will ", 2: "be there at ", 3: "ten. See you!"}
    sink = EngineSink()

    for i, sequence in enumerate(order):
        sink.inbound([part(texts[sequence], sequence, 3)])
        if i < 2:
            assert replies() == []

    [reply] = replies()
    assert reply.text == "Yes, I will be there at ten. See you!"
    assert (reply.sender, reply.recipient, reply.reply_to) == (HANDSET, OUR_NUMBER, original)
    assert not waiting().exists()
    callback = Callback.objects.get(kind="reply_forward", message=reply)
    assert "message=" + quote_plus(reply.text) in callback.body


def test_a_part_offered_twice_is_kept_once(original: Message) -> None:
    sink = EngineSink()

    sink.inbound([part("one ", 1, 2)])
    sink.inbound([part("one ", 1, 2)])
    assert InboundPart.objects.count() == 1
    sink.inbound([part("two", 2, 2)])

    assert [r.text for r in replies()] == ["one two"]


def test_replies_with_different_references_stay_apart(original: Message) -> None:
    EngineSink().inbound(
        [part("a1 ", 1, 2, reference=1), part("b1 ", 1, 2, reference=2), part("b2", 2, 2, reference=2)]
    )
    EngineSink().inbound([part("a2", 2, 2, reference=1)])

    assert [r.text for r in replies()] == ["b1 b2", "a1 a2"]


def test_the_same_reference_from_another_handset_is_another_reply(original: Message) -> None:
    EngineSink().inbound([part("mine ", 1, 2), part("theirs", 2, 2, sender="+37255599999")])

    assert replies() == [] and InboundPart.objects.count() == 2


def test_an_opt_out_word_split_across_parts_is_read_whole(original: Message) -> None:
    EngineSink().inbound([part("ST", 1, 2)])
    assert not BlacklistEntry.objects.exists()

    EngineSink().inbound([part("OP sending me these", 2, 2)])

    assert replies()[0].text == "STOP sending me these"
    assert BlacklistEntry.objects.get(team=original.team).number == HANDSET


def test_a_whole_message_is_stored_at_once(original: Message) -> None:
    EngineSink().inbound([InboundSms(sender=HANDSET, to=OUR_NUMBER, text="Yes", at=timezone.now())])

    assert [r.text for r in replies()] == ["Yes"] and not InboundPart.objects.exists()


def test_a_whole_message_given_to_the_part_service_is_stored_as_it_is(original: Message) -> None:
    """`inbound_part_receive` with no concatenation (a caller other than EngineSink) used to fail
    unpacking `None`; it stores the message at once, as `inbound_receive` does."""
    from messaging.services.inbound import inbound_part_receive

    stored = inbound_part_receive(sms=InboundSms(sender=HANDSET, to=OUR_NUMBER, text="Yes", at=timezone.now()))

    assert stored is not None and [r.text for r in replies()] == ["Yes"] and not InboundPart.objects.exists()


def test_a_reply_missing_parts_is_stored_after_the_timeout_with_gaps_marked(original: Message, settings) -> None:
    settings.SMS_INBOUND_PART_TIMEOUT_HOURS = 24
    EngineSink().inbound([part("one ", 1, 4), part(" three", 3, 4), part("fresh", 1, 2, reference=7)])
    InboundPart.objects.filter(reference=42).update(created_at=timezone.now() - timedelta(hours=25))

    inbound_parts_expire_periodic.call_local()
    inbound_parts_expire_periodic.call_local()  # nothing left to do

    [reply] = replies()
    assert reply.text == "one … three…" and reply.reply_to == original
    assert list(waiting().values_list("reference", flat=True)) == [7]  # not stale yet


def test_a_part_offered_again_after_its_reply_was_stored_is_dropped(original: Message) -> None:
    sink = EngineSink()
    sink.inbound([part("one ", 1, 2), part("two", 2, 2)])
    sink.inbound([part("one ", 1, 2)])  # its deliver_sm_resp was lost: the SMSC offers it again

    assert [r.text for r in replies()] == ["one two"] and not waiting().exists()


def test_a_new_reply_may_reuse_the_reference_of_a_stored_one(original: Message) -> None:
    sink = EngineSink()
    sink.inbound([part("one ", 1, 2), part("two", 2, 2)])
    sink.inbound([part("three ", 1, 2), part("four", 2, 2)])

    assert [r.text for r in replies()] == ["one two", "three four"]


def test_parts_of_stored_replies_are_forgotten_after_the_timeout(original: Message, settings) -> None:
    settings.SMS_INBOUND_PART_TIMEOUT_HOURS = 24
    EngineSink().inbound([part("one ", 1, 2), part("two", 2, 2)])
    InboundPart.objects.update(completed_at=timezone.now() - timedelta(hours=25))

    inbound_parts_expire_periodic.call_local()

    assert not InboundPart.objects.exists() and [r.text for r in replies()] == ["one two"]


# -- through a real SMSC -------------------------------------------------------------------

LONG_REPLY = "Thanks for the reminder! I will be there at ten, with the documents you asked for. " * 3


@pytest.fixture
def smsc(engine_smsc):
    return engine_smsc("--mo-reply", LONG_REPLY, "--mo-parts", "3")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_three_part_reply_from_the_smsc_is_one_message(smsc: SmscProcess) -> None:
    user = UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient(HANDSET)], text="PING", sender=OUR_NUMBER, source="test")

    dispatch_due(gateway=get_gateway(), limit=10)

    # Each part is acknowledged once stored: the SMSC journals the last after our reply is stored.
    wait_for(lambda: [mo["seq"] for mo in smsc.events("mo") if mo["delivered"]] == [1, 2, 3], timeout=10)
    [reply] = replies()
    assert reply.text == LONG_REPLY and reply.sender == HANDSET and reply.segments == 2
    assert not waiting().exists()


# -- at once (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parts_arriving_on_many_threads_at_once_make_one_reply_each(original: Message) -> None:
    references, total = range(8), 3
    parts = [part(f"<{ref}.{seq}>", seq, total, reference=ref) for ref in references for seq in range(1, total + 1)]
    start, errors = threading.Barrier(len(parts)), []

    def deliver(sms: InboundSms) -> None:
        try:
            start.wait()
            EngineSink().inbound([sms])  # each thread is a gateway's storing thread
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(sms,)) for sms in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    expected = {"".join(f"<{ref}.{seq}>" for seq in range(1, total + 1)) for ref in references}
    assert sorted(r.text for r in replies()) == sorted(expected)
    assert not waiting().exists()
