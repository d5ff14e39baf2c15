"""The whole engine over SMPP: message_send -> dispatcher -> SmppGateway -> a real SMSC process
(tests/smsc.py) -> delivery receipts on the reader thread -> DELIVRD / UNDELIV, replies stored."""

import pytest
from django.utils import timezone

from messaging.gateways import get_gateway
from messaging.models import Direction, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.dispatch import dispatch_due
from tests.factories import UserFactory
from tests.messaging.test_smpp_gateway import Smsc, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smsc(tmp_path, settings):
    server = Smsc(tmp_path, free_port())
    server.start("--reject-prefix", "+3725999", "--fail-prefix", "+3725888")  # real-looking numbers
    settings.SMS_GATEWAY = "smpp"
    settings.SMS_SMPP = {"host": "127.0.0.1", "port": server.port, "system_id": "test", "password": "x", "window": 5}
    yield server
    server.stop()


def status_of(message) -> str:
    return Message.objects.values_list("status", flat=True).get(pk=message.pk)


def test_messages_reach_delivered_and_failed_through_smpp(smsc):
    user = UserFactory(credits=100)
    sent = message_send(
        actor=user,
        recipients=[Recipient("+37255555555"), Recipient("+37258881234")],
        text="Hello SMPP " * 20,
        source="test",
    ).messages
    dispatch_due(gateway=get_gateway(), limit=100)
    wait_for(lambda: status_of(sent[0]) == Status.DELIVRD, timeout=10)
    wait_for(lambda: status_of(sent[1]) == Status.UNDELIV, timeout=10)  # the SMSC fails +3725888...
    assert sent[0].segments == 2 and Message.objects.get(pk=sent[0].pk).parts.count() == 2
    assert len(smsc.events("submit")) == 4  # two parts each, each submitted once


def test_a_refused_destination_is_refunded(smsc):
    user = UserFactory(credits=10)
    message = message_send(actor=user, recipients=[Recipient("+37259991234")], text="x", source="test").messages[0]
    dispatch_due(gateway=get_gateway(), limit=10)
    message.refresh_from_db()
    assert message.status == Status.REJECTD and message.is_refunded
    user.refresh_from_db()
    assert user.balance == 10


def test_a_reply_from_the_network_is_stored(smsc):
    user = UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient("+37255555555")], text="PING", sender="+37250000000", source="test")
    dispatch_due(gateway=get_gateway(), limit=10)
    wait_for(lambda: Message.objects.filter(direction=Direction.IN).exists(), timeout=10)
    reply = Message.objects.get(direction=Direction.IN)
    assert reply.sender == "+37255555555" and reply.reply_to is not None and reply.created_at <= timezone.now()
