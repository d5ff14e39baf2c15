"""What the dashboard's page tests share: a team owner with credits, logged in."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def owner():
    return UserFactory(credits=100)


@pytest.fixture
def page(client, owner):
    client.force_login(owner)
    return client
