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


@pytest.fixture
def start_smsc(tmp_path):
    """Start test SMSC processes (tests/smsc.py, each on a free port, with the options given);
    all stopped after the test."""
    from tests.messaging.test_smpp_gateway import Smsc, free_port

    started = []

    def start(*options: str):
        directory = tmp_path / f"smsc-{len(started)}"
        directory.mkdir()
        server = Smsc(directory, free_port())
        server.start(*options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
