"""Support staff top up and adjust credits through the admin; both go through the ledger."""

from decimal import Decimal

import pytest

from accounts.models import CreditEntry, EntryKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_top_up_with_memo_writes_a_ledger_row(staff_client):
    user = UserFactory()
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/credits/top-up/", {"amount": "50", "memo": "invoice 17"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.balance == Decimal(50)
    entry = CreditEntry.objects.get(user=user)
    assert (entry.kind, entry.memo, entry.actor.email) == (EntryKind.TOP_UP, "invoice 17", "support@platform.test")


def test_adjust_below_zero_is_refused_with_the_error_on_the_form(staff_client):
    user = UserFactory(credits=5)
    response = staff_client.post(f"/admin/accounts/user/{user.pk}/credits/adjust/", {"amount": "-6", "memo": "fix"})
    assert response.status_code == 200
    assert b"Insufficient credits" in response.content
    user.refresh_from_db()
    assert user.balance == Decimal(5)


def test_memo_is_required(staff_client):
    user = UserFactory()
    response = staff_client.post(f"/admin/accounts/user/{user.pk}/credits/top-up/", {"amount": "5", "memo": ""})
    assert response.status_code == 200
    assert not CreditEntry.objects.exists()


def test_admin_pages_render_and_ledger_is_read_only(staff_client):
    user = UserFactory(credits=3)
    for url in [
        "/admin/accounts/team/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/creditentry/",
        "/admin/accounts/apikey/",
        "/admin/accounts/user/?q=" + user.email,
    ]:
        assert staff_client.get(url).status_code == 200, url
    entry = CreditEntry.objects.get()
    assert staff_client.post(f"/admin/accounts/creditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CreditEntry.objects.count() == 1


def test_operators_cannot_reach_the_admin(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/admin/accounts/user/").status_code == 302


def test_deactivating_a_team_stops_its_api_keys(staff_client, api):
    from tests.factories import issue_key

    user = UserFactory()
    key = issue_key(user)
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code == 200
    data = {"action": "deactivate", "_selected_action": [user.team.pk]}
    assert staff_client.post("/admin/accounts/team/", data).status_code == 302
    user.team.refresh_from_db()
    assert not user.team.is_active
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code == 401
