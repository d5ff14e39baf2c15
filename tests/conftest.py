import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Tests that need PostgreSQL's row locks skip, with the reason, on SQLite."""
    on_postgres = connection.vendor == "postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); SQLite has no row locks")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and throttle counters live in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_breaker():
    """The callback circuit breaker lives in the process: each test starts with every host closed."""
    from messaging.callbacks.delivery import BREAKER

    BREAKER.reset()
    yield
    BREAKER.reset()


@pytest.fixture(autouse=True)
def _fresh_gateway():
    """Each test gets a gateway built from its own settings."""
    from messaging.services.engine import reset_gateway

    reset_gateway()
    yield
    reset_gateway()


# ---- Who acts: fixtures most modules share (a module that needs other figures defines its own) ----


@pytest.fixture
def user(db):
    """A team owner with 100 credits: the API caller of most tests."""
    from tests.factories import UserFactory

    return UserFactory(credits=100)


@pytest.fixture
def key(user):
    """An API key of `user`."""
    from tests.factories import issue_key

    return issue_key(user)


@pytest.fixture
def owner(db):
    """A team owner with 100 credits: the dashboard's user in most page tests."""
    from tests.factories import UserFactory

    return UserFactory(credits=100, email="owner@a.test")


@pytest.fixture
def team(owner):
    return owner.team


@pytest.fixture
def staff_client(client):
    """Django's test client logged in as platform support staff (a superuser without a team)."""
    from accounts.models import User

    client.force_login(User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None))
    return client


# ---- The network edge ----


@pytest.fixture
def recording_gateway(settings):
    """What reached the network, a list of Outbound: the gateway is tests.gateways.RecordingGateway."""
    from messaging.services.engine import reset_gateway
    from tests import gateways

    settings.SMS_GATEWAY = "tests.gateways.RecordingGateway"
    reset_gateway()
    gateways.SUBMITTED.clear()
    yield gateways.SUBMITTED
    gateways.SUBMITTED.clear()
