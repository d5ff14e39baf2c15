"""Fixtures of the 2FA tests: every test records what reaches the network (tests.gateways, the only
thing faked), a user with credits, sends that run what they queue on commit, and the team cap's
counters in Redis."""

import pytest
from django.conf import settings
from django.test import override_settings

from otp.services import pin_issue
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _recorded(recording_gateway):
    """Every 2FA test sends through the recording gateway; a test reads it as `recording_gateway`."""


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


def sent_texts(submitted) -> list[str]:
    return ["".join(m.parts) for m in submitted]


@pytest.fixture(params=["cache", "redis"])
def team_counters(request):
    """The hourly caps' counters in the test cache, and in Redis as production keeps them."""
    if request.param == "cache":
        yield
        return
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    forget = lambda: client.delete(*client.keys("*otp:*-pins:*") or ["otp:none"])  # noqa: E731
    forget()
    backend = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}}
    with override_settings(CACHES=backend):
        yield
    forget()
