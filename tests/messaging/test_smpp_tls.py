"""SmppGateway over TLS, against the real SMSC (tests/smsc.py) behind a TLS front.

smpp34's server speaks plain TCP only, so a TLS-terminating proxy stands in front of it with a
certificate from a CA made for the test (trustme): the gateway goes through a real handshake and
real certificate and host-name checks, as against a carrier's SMPP-over-TLS port."""

import asyncio
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from messaging.gateways.smpp import SmppGateway
from messaging.models import Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from tests.factories import UserFactory
from tests.gateways import RecordingSink, sms
from tests.smsc import WAIT, SmscProcess, wait_for

pytestmark = pytest.mark.slow


class TlsFront:
    """A TLS-terminating proxy on 127.0.0.1 that relays each connection to a plain port, run by
    an event loop in its own thread."""

    def __init__(self, certificate: trustme.LeafCert, upstream_port: int) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self._context)
        self._upstream_port = upstream_port
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda loop, context: None)  # refused handshakes are expected here
        self._thread = threading.Thread(target=self._loop.run_forever, name="tls-front", daemon=True)
        self._thread.start()
        serving = asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self._context)
        self._server = asyncio.run_coroutine_threadsafe(serving, self._loop).result(WAIT)
        self.port: int = self._server.sockets[0].getsockname()[1]

    async def _relay(self, client: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        smsc, smsc_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        await asyncio.gather(_pipe(client, smsc_writer), _pipe(smsc, client_writer))

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(WAIT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)
        self._loop.close()

    async def _close(self) -> None:
        self._server.close()
        relays = asyncio.all_tasks() - {asyncio.current_task()}
        for relay in relays:
            relay.cancel()
        await asyncio.gather(*relays, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side closes; closing the writer ends the other direction too."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def make_front(smsc: SmscProcess) -> Iterator[Callable[[trustme.LeafCert], TlsFront]]:
    fronts: list[TlsFront] = []

    def make(certificate: trustme.LeafCert) -> TlsFront:
        fronts.append(TlsFront(certificate, smsc.port))
        return fronts[-1]

    yield make
    for front in fronts:
        front.stop()


@pytest.fixture
def front(make_front: Callable[[trustme.LeafCert], TlsFront], ca: trustme.CA) -> TlsFront:
    return make_front(ca.issue_cert("localhost", "127.0.0.1"))


@pytest.fixture
def make_gateway(ca_file: str) -> Iterator[Callable[..., SmppGateway]]:
    made: list[SmppGateway] = []

    def make(port: int, **options: object) -> SmppGateway:
        settings = {
            "sink": RecordingSink(),
            "tls": True,
            "tls_ca_file": ca_file,
            "connect_timeout": 2.0,
            "response_timeout": 5.0,
            "outage_timeout": 1.0,  # a refused handshake is retried until then
            **options,
        }
        made.append(SmppGateway(host="127.0.0.1", port=port, system_id="test", password="secret", **settings))
        return made[-1]

    yield make
    for gateway in made:
        gateway.close()


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_over_tls_ends_delivered(front: TlsFront, ca_file: str, smsc: SmscProcess, settings) -> None:
    settings.SMS_GATEWAY = "smpp"
    settings.SMS_SMPP = {
        "host": "127.0.0.1",
        "port": front.port,
        "system_id": "test",
        "password": "x",
        "tls": True,
        "tls_ca_file": ca_file,
    }
    user = UserFactory(credits=10)
    [message] = message_send(actor=user, recipients=[Recipient("+37255555555")], text="Hi", source="test").messages

    dispatch_due(gateway=get_gateway(), limit=10)

    wait_for(lambda: Message.objects.get(pk=message.pk).status == Status.DELIVRD, timeout=10)
    assert [event["text"] for event in smsc.events("submit")] == ["Hi"]


def test_a_certificate_from_an_unknown_ca_is_refused(
    make_front: Callable[[trustme.LeafCert], TlsFront], make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    stranger = make_front(trustme.CA().issue_cert("localhost", "127.0.0.1"))
    gateway = make_gateway(stranger.port)

    [result] = gateway.submit([sms(1, "+3725550001", "secret")])

    assert (result.accepted, result.permanent) == (False, False)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert smsc.events("bind") == [] and smsc.events("submit") == []


def test_a_certificate_for_another_host_is_refused(
    make_front: Callable[[trustme.LeafCert], TlsFront],
    ca: trustme.CA,
    make_gateway: Callable[..., SmppGateway],
    smsc: SmscProcess,
) -> None:
    elsewhere = make_front(ca.issue_cert("smsc.example.net"))  # our CA, but not for 127.0.0.1
    gateway = make_gateway(elsewhere.port)

    [result] = gateway.submit([sms(2, "+3725550002", "secret")])

    assert (result.accepted, result.permanent) == (False, False)
    assert "mismatch" in result.error
    assert smsc.events("bind") == [] and smsc.events("submit") == []


def test_many_receipts_over_tls_are_all_stored_and_answered(
    front: TlsFront, make_gateway: Callable[..., SmppGateway], smsc: SmscProcess
) -> None:
    sink = RecordingSink()
    gateway = make_gateway(front.port, sink=sink, window=10)
    messages = [sms(100 + i, f"+37256{i:06d}", f"message {i}") for i in range(200)]

    results = gateway.submit(messages)

    assert all(result.accepted for result in results)
    wait_for(lambda: len(sink.received_reports) == 200, timeout=3 * WAIT)
    assert {report.part_id for report in sink.received_reports} == {result.part_ids[0] for result in results}
    assert {report.state for report in sink.received_reports} == {"DELIVRD"}
    wait_for(lambda: len(smsc.events("receipt")) == 200)
    assert {event["status"] for event in smsc.events("receipt")} == {0}  # each deliver_sm answered OK
    assert len(smsc.events("bind")) == 1
