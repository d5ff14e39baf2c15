"""Schemathesis against our own OpenAPI schema, in process: every operation of every dialect, with
real credentials, a bounded number of generated requests each. No 5xx, and every answer matches
what the schema documents."""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import UserFactory, issue_key

# Bounded and deterministic in CI; FUZZ_EXAMPLES=200 FUZZ_RANDOM=1 for a longer hunt by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 8))
DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """A real WSGI handler closes database connections at the end of each request, which would close
    the test's transaction; Django's test client unhooks the same signal handler."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(settings):
    settings.AXES_ENABLED = False  # generated passwords fail by the thousand: no lockout
    user = UserFactory(credits=10**6, email="fuzz@example.com")
    user.team.api_rate_limit = 10**6
    user.team.save()
    key = issue_key(user)
    return {"Authorization": f"Bearer {key}", "email": user.email, "token": key, "X-API-Key": key}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=DERANDOMIZE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(case, credentials):
    # A generated Host header is refused by Django (ALLOWED_HOSTS, 400) before any dialect sees the
    # request: that is the deployment's concern, not an operation's.
    case.headers = {name: value for name, value in (case.headers or {}).items() if name.lower() != "host"}
    case.call_and_validate(
        headers=credentials, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
