"""Dashboard account pages: login throttling, overview, team, transfers, keys, settings, isolation."""

from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import ApiKey, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def test_login_then_overview_shows_balances(client, owner):
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'data-testid="balance">100.00<' in page
    assert 'data-testid="team-balance">100.00<' in page


def test_anonymous_is_sent_to_login(client):
    assert client.get("/").url.startswith("/login/")


def test_failed_logins_are_throttled(client, owner):
    with override_settings(SMS_LOGIN_FAILURES_PER_ACCOUNT=3):  # the 3rd failure locks the account
        for _ in range(2):
            assert client.post("/login/", {"username": owner.email, "password": "nope"}).status_code == 200
        assert client.post("/login/", {"username": owner.email, "password": "nope"}).status_code == 429
        response = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content


def test_low_balance_warning(logged_in, owner):
    owner.team.low_balance_threshold = Decimal(500)
    owner.team.save()
    assert b"Your balance is below" in logged_in.get("/").content


def test_transfer_form_moves_credits_and_shows_errors_beside_fields(logged_in, owner):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    ok = logged_in.post(
        "/team/", {"transfer": "1", "from_email": owner.email, "to_email": member.email, "amount": "10"}
    )
    assert ok.status_code == 302
    member.refresh_from_db()
    assert member.balance == Decimal(10)
    bad = logged_in.post(
        "/team/", {"transfer": "1", "from_email": owner.email, "to_email": member.email, "amount": "1000"}
    )
    assert bad.status_code == 200 and b"Insufficient credits." in bad.content
    member.refresh_from_db()
    assert member.balance == Decimal(10)


def test_create_sub_user_from_the_team_page(logged_in, owner):
    data = {
        "email": "new@a.test",
        "first_name": "N",
        "last_name": "U",
        "contact_number": "+37255555555",
        "role": Role.MEMBER,
        "password": "A-long-enough-pass-1",
        "credit_balance": "5",
    }
    assert logged_in.post("/team/", data).status_code == 302
    assert User.objects.get(email="new@a.test").balance == Decimal(5)
    page = logged_in.post("/team/", data | {"email": "other@a.test", "contact_number": "12"})
    assert b"Invalid number" in page.content
    assert not User.objects.filter(email="other@a.test").exists()


def test_members_cannot_open_manager_pages(client, owner):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    client.force_login(member)
    team_page = client.get("/team/").content.decode()  # their own row and transfer form only
    assert "m@a.test" in team_page and "owner@a.test" not in team_page and "Create user" not in team_page
    assert client.get("/settings/").status_code == 403
    assert client.get("/keys/").status_code == 200


def test_other_teams_user_is_404_on_edit(logged_in):
    stranger = UserFactory()
    assert logged_in.get(f"/team/users/{stranger.pk}/").status_code == 404
    assert (
        logged_in.post(
            f"/team/users/{stranger.pk}/",
            {"first_name": "X", "last_name": "Y", "contact_number": "+37255555555", "role": "member"},
        ).status_code
        == 404
    )
    stranger.refresh_from_db()
    assert stranger.first_name == "Ada"


def test_api_key_shown_once_then_revoked(logged_in, owner, api):
    page = logged_in.post("/keys/", {"action": "create", "name": "ci", "expiry_days": "30"}).content.decode()
    key = ApiKey.objects.get(user=owner)
    secret = page.split('data-testid="new-secret">')[1].split("<")[0]
    assert secret.startswith(key.prefix)
    assert secret not in logged_in.get("/keys/").content.decode()
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=secret).status_code == 200
    logged_in.post("/keys/", {"action": "revoke", "key_id": key.pk, "confirmed": "yes"})
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=secret).status_code == 401


def test_cannot_revoke_another_users_key(logged_in):
    from accounts.services import api_key_create

    foreign = api_key_create(user=UserFactory()).key
    assert logged_in.post("/keys/", {"action": "revoke", "key_id": foreign.pk}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_settings_form_saves_through_the_service(logged_in, owner):
    data = {
        "name": "Renamed",
        "default_country": "ke",
        "time_zone": "Africa/Nairobi",
        "default_sender": "Acme",
        "low_balance_threshold": "5",
        "skip_blacklisted": "on",
        "dlr_url": "https://example.com/dlr",
        "reply_url": "",
    }
    assert logged_in.post("/settings/", data).status_code == 302
    owner.team.refresh_from_db()
    assert (owner.team.name, owner.team.default_country, owner.team.time_zone) == ("Renamed", "KE", "Africa/Nairobi")
    bad = logged_in.post("/settings/", data | {"time_zone": "Mars/Olympus"})
    assert b"Unknown time zone." in bad.content
    owner.team.refresh_from_db()
    assert owner.team.time_zone == "Africa/Nairobi"


def test_signing_secret_is_shown_and_can_be_rotated(logged_in, owner):
    old = owner.team.signing_secret
    assert old in logged_in.get("/settings/").content.decode()
    assert logged_in.post("/settings/", {"action": "rotate-secret"}).status_code == 302
    owner.team.refresh_from_db()
    assert owner.team.signing_secret != old and len(owner.team.signing_secret) == 64


def test_the_team_page_reads_credits_with_two_decimals_unless_more_are_needed(logged_in, owner):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    logged_in.post("/team/", {"transfer": "1", "from_email": owner.email, "to_email": member.email, "amount": "0.035"})
    page = logged_in.get("/team/").content.decode()
    assert ">99.965</td>" in page and ">0.035</td>" in page and ">-0.035</td>" in page
    assert ">100.00</td>" in page and "0.0350" not in page
