"""REST API v1 account endpoints (seed 001): auth styles, documented bodies, errors, isolation."""

import base64
import json
from decimal import Decimal

import pytest

from accounts.models import CreditEntry, Role, User
from accounts.services import api_key_revoke
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db
BASE = "/api/rest/v1"


@pytest.fixture
def headers(owner):
    return {"HTTP_EMAIL": owner.email, "HTTP_TOKEN": issue_key(owner)}


def test_balance_with_email_and_token_headers(api, owner, headers):
    response = api.get(f"{BASE}/account/balance", **headers)
    assert response.status_code == 200
    assert response.json() == {"creditBalance": 100.0}
    assert response["X-RateLimit-Limit"] == "60"


def test_balance_with_basic_auth_and_with_url_parameters(api, owner):
    token = issue_key(owner)
    basic = base64.b64encode(f"{owner.email}:{token}".encode()).decode()
    assert api.get(f"{BASE}/account/balance", HTTP_AUTHORIZATION=f"Basic {basic}").json() == {"creditBalance": 100.0}
    response = api.get(f"{BASE}/account/balance", {"email": owner.email, "token": token})
    assert response.json() == {"creditBalance": 100.0}


@pytest.mark.parametrize("problem", ["missing", "wrong", "revoked", "expired", "other_email"])
def test_bad_credentials_get_the_documented_401(api, owner, problem, time_machine=None):
    token = issue_key(owner, expiry_days=1)
    headers = {"HTTP_EMAIL": owner.email, "HTTP_TOKEN": token}
    if problem == "missing":
        headers = {}
    elif problem == "wrong":
        headers["HTTP_TOKEN"] = token + "x"
    elif problem == "revoked":
        from accounts.models import ApiKey

        api_key_revoke(key=ApiKey.objects.get(user=owner))
    elif problem == "expired":
        from datetime import timedelta

        from django.utils import timezone

        owner.api_keys.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif problem == "other_email":
        headers["HTTP_EMAIL"] = UserFactory().email
    response = api.get(f"{BASE}/account/balance", **headers)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == 401 and body["status"] == "UNAUTHORIZED" and body["message"]
    assert "creditBalance" not in body


def test_transfer_moves_credits_and_returns_the_source_user(api, owner, headers):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@a.test")
    body = {
        "transferFromEmailAddress": owner.email,
        "transferToEmailAddress": member.email,
        "numberOfCreditsToTransfer": 40,
    }
    response = api.post(f"{BASE}/account/transfer", body, format="json", **headers)
    assert response.status_code == 200, response.content
    assert response.json()["emailAddress"] == owner.email
    assert response.json()["creditBalance"] == 60.0
    member.refresh_from_db()
    assert member.balance == Decimal(40)


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (0, "numberOfCreditsToTransfer"),
        (-5, "numberOfCreditsToTransfer"),
        ("abc", "numberOfCreditsToTransfer"),
        ("1e15", "numberOfCreditsToTransfer"),
        (1000, "amount"),
    ],
)
def test_bad_transfer_amounts_are_400_and_change_nothing(api, owner, headers, amount, field):
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    body = {
        "transferFromEmailAddress": owner.email,
        "transferToEmailAddress": member.email,
        "numberOfCreditsToTransfer": amount,
    }
    response = api.post(f"{BASE}/account/transfer", body, format="json", **headers)
    assert response.status_code == 400, response.content
    assert response.json()["status"] == "BAD_REQUEST"
    assert CreditEntry.objects.count() == 1  # only the opening top-up
    owner.refresh_from_db()
    assert owner.balance == Decimal(100)


def test_transfer_to_unknown_or_foreign_email_is_404(api, owner, headers):
    stranger = UserFactory(email="stranger@b.test")
    for email in ("nobody@a.test", stranger.email):
        body = {
            "transferFromEmailAddress": owner.email,
            "transferToEmailAddress": email,
            "numberOfCreditsToTransfer": 1,
        }
        response = api.post(f"{BASE}/account/transfer", body, format="json", **headers)
        assert response.status_code == 404
        assert response.json()["errors"] == {
            "transferToEmailAddress": ["No user with that email address in your team."]
        }
    stranger.refresh_from_db()
    assert stranger.balance == 0


def test_malformed_json_is_a_400_in_the_dialect_shape(api, headers):
    response = api.generic("POST", f"{BASE}/account/transfer", "{not json", content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == 400


def test_create_sub_account_with_starting_credits_transferred_from_the_creator(api, owner, headers):
    body = {
        "password": "A-long-enough-pass-1",
        "creditBalance": 25,
        "emailAddress": "new@a.test",
        "firstName": "Grace",
        "lastName": "Hopper",
        "contactNumber": "+37255555555",
        "userId": 0,
        "company": "Navy",
    }
    response = api.put(f"{BASE}/account/user", body, format="json", **headers)
    assert response.status_code == 200, response.content
    created = response.json()
    assert created == {
        "userId": created["userId"],
        "firstName": "Grace",
        "lastName": "Hopper",
        "emailAddress": "new@a.test",
        "contactNumber": "+37255555555",
        "company": "Navy",
        "creditBalance": 25.0,
    }
    user = User.objects.get(email="new@a.test")
    assert user.team == owner.team and user.role == Role.MEMBER and user.check_password("A-long-enough-pass-1")
    owner.refresh_from_db()
    assert owner.balance == Decimal(75)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"emailAddress": "not-an-email"}, "emailAddress"),
        ({"emailAddress": "owner@a.test"}, "emailAddress"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": "x" * 151}, "firstName"),
        ({"contactNumber": "12"}, "contactNumber"),
        ({"password": "short"}, "password"),
        ({"creditBalance": 1000}, "amount"),
    ],
)
def test_bad_sub_account_input_is_400_and_creates_nothing(api, owner, headers, change, field):
    body = {
        "password": "A-long-enough-pass-1",
        "emailAddress": "new@a.test",
        "firstName": "G",
        "lastName": "H",
        "contactNumber": "+37255555555",
    } | change
    response = api.put(f"{BASE}/account/user", body, format="json", **headers)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert User.objects.count() == 1
    assert CreditEntry.objects.count() == 1


def test_member_cannot_create_users(api, owner):
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    headers = {"HTTP_EMAIL": member.email, "HTTP_TOKEN": issue_key(member)}
    body = {
        "password": "A-long-enough-pass-1",
        "emailAddress": "new@a.test",
        "firstName": "G",
        "lastName": "H",
        "contactNumber": "+37255555555",
    }
    assert api.put(f"{BASE}/account/user", body, format="json", **headers).status_code == 403
    assert not User.objects.filter(email="new@a.test").exists()


def test_search_get_and_update_users_of_own_team_only(api, owner, headers):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    stranger = UserFactory(email="s@b.test")
    found = api.get(f"{BASE}/account/user", {"searchEmail": "M@a.test"}, **headers).json()
    assert [u["userId"] for u in found["webServiceUserList"]] == [member.pk]
    assert api.get(f"{BASE}/account/user", {"searchEmail": stranger.email}, **headers).json() == {
        "webServiceUserList": []
    }

    assert api.get(f"{BASE}/account/user/{member.pk}", **headers).json()["emailAddress"] == "m@a.test"
    assert api.get(f"{BASE}/account/user/{stranger.pk}", **headers).status_code == 404
    assert api.get(f"{BASE}/account/user/abc", **headers).status_code == 404

    response = api.post(
        f"{BASE}/account/user/{member.pk}",
        {"firstName": "Renamed", "password": "Another-long-pass-2"},
        format="json",
        **headers,
    )
    assert response.status_code == 200 and response.json()["firstName"] == "Renamed"
    member.refresh_from_db()
    assert member.check_password("Another-long-pass-2")

    response = api.post(f"{BASE}/account/user/{stranger.pk}", {"firstName": "Hijack"}, format="json", **headers)
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.first_name != "Hijack" and stranger.check_password(PASSWORD)


@pytest.mark.parametrize("name", ["searchEmail", "emailAddress", "email"])
def test_user_search_accepts_the_natural_parameter_names(api, owner, headers, name):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    response = api.get(f"{BASE}/account/user", {name: " M@a.test "}, **headers)
    assert response.status_code == 200
    assert [u["userId"] for u in response.json()["webServiceUserList"]] == [member.pk]


def test_user_search_with_credentials_in_the_url_reads_email_as_the_caller(api, owner):
    """With `?email=&token=` the `email` is the caller's: it is not what is searched for."""
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="m@a.test")
    token = issue_key(owner)
    found = api.get(f"{BASE}/account/user", {"email": owner.email, "token": token, "searchEmail": member.email})
    assert [u["userId"] for u in found.json()["webServiceUserList"]] == [member.pk]
    missing = api.get(f"{BASE}/account/user", {"email": owner.email, "token": token})
    assert missing.status_code == 400 and "searchEmail" in missing.json()["errors"]


@pytest.mark.parametrize("query", [{}, {"searchEmail": ""}, {"searchEmail": "  "}, {"search": "m@a.test"}])
def test_user_search_without_an_email_is_a_validation_error(api, owner, headers, query):
    response = api.get(f"{BASE}/account/user", query, **headers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400 and body["status"] == "BAD_REQUEST" and body["moreInfoUrl"] is None
    assert body["errors"] == {"searchEmail": [body["message"]]} and body["developerMessage"] == body["message"]


def test_user_update_leaves_company_as_it_is(api, owner, headers):
    """The document lists first name, last name, contact number and password as updatable."""
    member = UserFactory(team=owner.team, role=Role.MEMBER, company="Acme")
    body = {"firstName": "Renamed", "company": "Evil Corp", "emailAddress": "x@a.test", "creditBalance": 1000}
    response = api.post(f"{BASE}/account/user/{member.pk}", body, format="json", **headers)
    assert response.status_code == 200
    assert response.json()["company"] == "Acme" and response.json()["firstName"] == "Renamed"
    member.refresh_from_db()
    assert (member.company, member.email, member.balance) == ("Acme", member.email, Decimal(0))


def test_form_and_query_string_bodies_work_like_json(api, owner, headers):
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    form = {
        "transferFromEmailAddress": owner.email,
        "transferToEmailAddress": member.email,
        "numberOfCreditsToTransfer": "1.5",
    }
    assert api.post(f"{BASE}/account/transfer", form, **headers).status_code == 200
    from urllib.parse import urlencode

    assert api.post(f"{BASE}/account/transfer?{urlencode(form)}", **headers).status_code == 200
    member.refresh_from_db()
    assert member.balance == Decimal(3)
    assert json.loads(api.get(f"{BASE}/account/balance", **headers).content)["creditBalance"] == 97.0
