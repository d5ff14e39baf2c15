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

    from core.generations import clear_process_caches

    cache.clear()
    clear_process_caches()  # the cached keys, prices and blacklists of the last test's database
    yield
    cache.clear()


@pytest.fixture
def api():
    """The API's client, through the API's own middleware chain (config/handler.py), as served."""
    from rest_framework.test import APIClient, ForceAuthClientHandler

    from config.handler import api_middleware

    class ApiClientHandler(ForceAuthClientHandler):
        def load_middleware(self, is_async=False):
            with api_middleware():
                super().load_middleware(is_async)

    client = APIClient()
    client.handler = ApiClientHandler(enforce_csrf_checks=False)
    return client


@pytest.fixture(scope="session", autouse=True)
def _group_commit_writer_stopped(django_db_setup, django_db_blocker):
    """The intake's and the receipts' writer threads hold a connection to the test database: they
    are closed before the database is dropped."""
    yield
    from messaging.services.intake import INTAKE
    from messaging.services.reports import RECEIPTS

    INTAKE.stop()
    RECEIPTS.stop()


@pytest.fixture(autouse=True)
def _fresh_breaker():
    """The callback circuit breaker lives in the process: each test starts with every host closed."""
    from messaging.callbacks.delivery import BREAKER

    BREAKER.reset()
    yield
    BREAKER.reset()


@pytest.fixture(autouse=True)
def _fresh_routing():
    """Each test starts with no routes, known without a query as in a process that has been running
    (its database is empty); the routes a test makes replace the snapshot as they are saved."""
    from messaging.routing.table import routing_forget

    routing_forget(known_empty=True)
    yield
    routing_forget()


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


@pytest.fixture
def start_smsc(tmp_path):
    """Start test SMSC processes (tests/smsc.py, each on a free port, with the options given);
    all stopped after the test."""
    from tests.smsc import SmscProcess, free_port

    started = []

    def start(*options: str):
        directory = tmp_path / f"smsc-{len(started)}"
        directory.mkdir()
        server = SmscProcess(directory, free_port())
        server.start(*options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
