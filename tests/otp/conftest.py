"""Fixtures of the 2FA tests: a recording gateway (the network edge, the only thing faked), a user
with credits, and sends that run what they queue on commit."""

import pytest

from messaging.gateways import reset_gateway
from otp.services import pin_issue
from tests.factories import UserFactory
from tests.otp import gateway as recording_gateway


@pytest.fixture(autouse=True)
def gateway(settings):
    """What reached the network: a list of Outbound."""
    settings.SMS_GATEWAY = "tests.otp.gateway.RecordingGateway"
    reset_gateway()
    recording_gateway.SUBMITTED.clear()
    yield recording_gateway.SUBMITTED
    recording_gateway.SUBMITTED.clear()


@pytest.fixture
def user(db):
    return UserFactory(credits=100, email="integrator@example.com")


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """pin_issue, with the SMS submitted as it is after the request's commit."""

    def go(user, receiver="+37255555555", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return pin_issue(team=user.team, actor=user, receiver=receiver, **kwargs)

    return go


def sent_texts(gateway) -> list[str]:
    return ["".join(m.parts) for m in gateway]
