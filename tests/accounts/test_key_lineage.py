"""A key can't outlive or outrank the key that made it: a key made with a key (seed 004's
generate-key) expires no later than its parent, and revoking or regenerating the parent, on the
API, the dashboard or the admin, revokes every key made with it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services import api_key_create, api_key_revoke
from core.errors import Forbidden
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(credits=10)


def balance(api, key: str) -> int:
    return api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code


def generate(api, key: str, **body) -> dict:
    response = api.post("/api/generate-key", body, format="json", HTTP_X_API_KEY=key)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_key_made_with_a_one_day_key_expires_with_it(api, user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    parent = generate(api, issue_key(user), expiry_days=1)
    child = generate(api, parent["api_key"])  # asks for no expiry at all
    longer = generate(api, parent["api_key"], expiry_days=30)
    assert child["expires_at"] == parent["expires_at"] == longer["expires_at"]
    assert balance(api, child["api_key"]) == 200
    time_machine.shift(timedelta(days=1, seconds=1))
    assert [balance(api, k["api_key"]) for k in (parent, child, longer)] == [401, 401, 401]


def test_a_shorter_child_keeps_its_own_expiry(api, user):
    parent = generate(api, issue_key(user), expiry_days=30)
    child = generate(api, parent["api_key"], expiry_days=2)
    assert child["expires_at"] < parent["expires_at"]


def test_revoking_a_key_on_the_api_revokes_the_keys_made_with_it(api, user):
    root = issue_key(user)
    child = generate(api, root)["api_key"]
    grandchild = generate(api, child)["api_key"]
    sibling = issue_key(user)  # made on the dashboard: not in the lineage
    assert api.post("/api/revoke-key", HTTP_X_API_KEY=root).status_code == 200
    assert [balance(api, k) for k in (root, child, grandchild, sibling)] == [401, 401, 401, 200]


def test_regenerating_a_key_revokes_its_children_and_the_replacement_keeps_its_limits(api, user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    root = generate(api, issue_key(user), expiry_days=2)
    middle = generate(api, root["api_key"])
    child = generate(api, middle["api_key"])
    response = api.post("/api/regenerate-key", {"expiry_days": 300}, format="json", HTTP_X_API_KEY=middle["api_key"])
    assert response.status_code == 200, response.content
    replacement = response.json()
    assert [balance(api, k["api_key"]) for k in (middle, child, replacement)] == [401, 401, 200]
    assert replacement["expires_at"] == root["expires_at"]  # still bound by the key that made `middle`
    assert api.post("/api/revoke-key", HTTP_X_API_KEY=root["api_key"]).status_code == 200
    assert balance(api, replacement["api_key"]) == 401


def test_revoking_on_the_dashboard_revokes_the_keys_made_with_it(client, api, user):
    root = issue_key(user)
    child = generate(api, root)["api_key"]
    client.force_login(user)
    root_id = ApiKey.objects.get(parent__isnull=True, user=user).pk
    client.post("/keys/", {"action": "revoke", "key_id": root_id, "confirmed": "yes"})
    assert balance(api, child) == 401


def test_revoking_in_the_admin_revokes_the_keys_made_with_it_and_dates_are_read_only(client, api, user):
    root = issue_key(user)
    child = generate(api, root)["api_key"]
    root_key = ApiKey.objects.get(parent__isnull=True, user=user)
    client.force_login(User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None))
    client.post(f"/admin/accounts/apikey/{root_key.pk}/change/", {"name": "x", "revoked_at_0": "2020-01-01"})
    assert balance(api, root) == 200  # the change form cannot revoke around the service
    response = client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [root_key.pk], "index": 0}
    )
    assert response.status_code == 302
    assert [balance(api, k) for k in (root, child)] == [401, 401]


def test_a_revoked_or_expired_or_foreign_key_cannot_make_keys(user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    revoked = api_key_revoke(key=api_key_create(user=user).key)
    with pytest.raises(Forbidden):
        api_key_create(user=user, parent=revoked)
    other = api_key_create(user=UserFactory()).key
    with pytest.raises(Forbidden):
        api_key_create(user=user, parent=other)
    short = api_key_create(user=user, expiry_days=1).key
    time_machine.shift(timedelta(days=2))
    with pytest.raises(Forbidden):
        api_key_create(user=user, parent=short)


def test_generate_key_with_the_password_has_no_parent(api, user):
    body = {"username": user.email, "password": PASSWORD}
    assert api.post("/api/generate-key", body).status_code == 201
    assert ApiKey.objects.get(user=user).parent is None
