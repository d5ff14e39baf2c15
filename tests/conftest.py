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
    """Each test reads the routes it made itself (the process keeps a snapshot of them)."""
    from messaging.routing.table import routing_forget

    routing_forget()
    yield
    routing_forget()


@pytest.fixture(autouse=True)
def _fresh_gateway():
    """Each test gets a gateway built from its own settings."""
    from messaging.services.engine import reset_gateway

    reset_gateway()
    yield
    reset_gateway()
