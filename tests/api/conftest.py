"""What the API tests share: a request whose on-commit work runs (the send is dispatched, callbacks
written) as after a real request, and REST API v1's two credential headers."""

import pytest

from tests.factories import issue_key


@pytest.fixture
def call(api, django_capture_on_commit_callbacks):
    """`call("post", path, body, **client_kwargs)`: the test client's request, with what it left for
    after its commit run."""

    def go(method, path, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(api, method)(path, *args, **kwargs)

    return go


@pytest.fixture
def auth(owner):
    """REST API v1's credentials of `owner`: the Email and Token headers."""
    return {"HTTP_EMAIL": owner.email, "HTTP_TOKEN": issue_key(owner)}
