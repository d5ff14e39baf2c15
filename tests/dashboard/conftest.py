"""What the dashboard's page tests share: a team owner with credits, logged in."""

import pytest


@pytest.fixture
def page(client, owner, django_capture_on_commit_callbacks):
    """The owner's logged-in client; `page.post_committed` also runs what the request left for
    after its commit (the dispatch, the callbacks), as a real request would."""
    client.force_login(owner)

    def post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    client.post_committed = post
    return client
