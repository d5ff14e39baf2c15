"""One rule for "active" (accounts.access): once support staff deactivate a team, its users cannot
log in, their open sessions end, every credential style of every dialect is refused, and no key
can be made. Each case also runs against the active team, so a refusal is the rule, not a typo."""

import base64
from decimal import Decimal

import pytest

from accounts.models import ApiKey, KeyKind, User
from accounts.services import api_key_create, team_set_active
from core.errors import Forbidden
from messaging.models import Message
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db

SEND = {"recipientNumber": "+37255555555", "message": "Hello"}


@pytest.fixture
def staff():
    return User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None)


def deactivate(user, staff):
    team_set_active(team=user.team, actor=staff, active=False)


def test_login_is_refused_for_a_deactivated_team(client, owner, staff):
    deactivate(owner, staff)
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/").url.startswith("/login/")


def test_a_session_open_before_deactivation_is_logged_out_and_cannot_send(client, owner, staff):
    assert client.post("/login/", {"username": owner.email, "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    deactivate(owner, staff)
    response = client.post("/send/", {"numbers": "+37255555555", "text": "Hi", "conversion": "0"})
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session  # the session itself ended
    assert not Message.objects.exists()
    owner.refresh_from_db()
    assert owner.balance == Decimal(100)


def test_a_deactivated_user_session_is_logged_out(client, owner):
    client.force_login(owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert client.get("/keys/").url.startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_a_deactivated_team_cannot_create_keys(client, owner, staff):
    client.force_login(owner)
    deactivate(owner, staff)
    owner.refresh_from_db()
    with pytest.raises(Forbidden):
        api_key_create(user=owner, name="late")
    client.post("/keys/", {"action": "create", "name": "late"})
    client.post("/keys/", {"action": "url-token"})
    assert not ApiKey.objects.exists()


def test_admin_login_refuses_staff_of_a_deactivated_team(client, staff):
    member = UserFactory(is_staff=True, email="staff-member@a.test")
    data = {"username": member.email, "password": PASSWORD, "next": "/admin/"}
    deactivate(member, staff)
    response = client.post("/admin/login/?next=/admin/", data)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def _bearer(api, user, key, url_token):
    return api.get("/api/blacklist", HTTP_AUTHORIZATION=f"Bearer {key}")


def _api_token(api, user, key, url_token):
    return api.get("/api/blacklist", {"api_token": key})


def _email_token_headers(api, user, key, url_token):
    return api.get("/api/rest/v1/account/balance", HTTP_EMAIL=user.email, HTTP_TOKEN=key)


def _basic(api, user, key, url_token):
    encoded = base64.b64encode(f"{user.email}:{key}".encode()).decode()
    return api.get("/api/rest/v1/account/balance", HTTP_AUTHORIZATION=f"Basic {encoded}")


def _email_token_params(api, user, key, url_token):
    return api.get("/api/rest/v1/account/balance", {"email": user.email, "token": key})


def _url_token(api, user, key, url_token):
    return api.get(f"/api/rest/v1/sms/send-url/{url_token}", SEND)


def _x_api_key(api, user, key, url_token):
    return api.get("/api/v2/account/balance", HTTP_X_API_KEY=key)


def _api_key_param(api, user, key, url_token):
    return api.get("/api/v2/account/balance", {"api_key": key})


def _login_password(api, user, key, url_token):
    body = {"_login": user.email, "_password": PASSWORD, "destination_number": "+37255555555", "body": "Hi"}
    return api.post("/api/message", body)


def _username_password(api, user, key, url_token):
    body = {"username": user.email, "password": PASSWORD, "numbers": "+37255555555", "message_body": "Hi"}
    return api.post("/v1/sms/send", body)


def _generate_key_with_password(api, user, key, url_token):
    return api.post("/api/generate-key", {"username": user.email, "password": PASSWORD})


def _generate_key_with_key(api, user, key, url_token):
    return api.post("/api/generate-key", HTTP_X_API_KEY=key)


STYLES = [
    _bearer,
    _api_token,
    _email_token_headers,
    _basic,
    _email_token_params,
    _url_token,
    _x_api_key,
    _api_key_param,
    _login_password,
    _username_password,
    _generate_key_with_password,
    _generate_key_with_key,
]


@pytest.mark.parametrize("call", STYLES, ids=[style.__name__.strip("_") for style in STYLES])
def test_every_credential_style_is_refused_for_a_deactivated_team(api, owner, staff, call):
    key, url_token = issue_key(owner), issue_key(owner, kind=KeyKind.URL)
    assert call(api, owner, key, url_token).status_code < 400  # works while the team is active
    keys_before, messages_before = ApiKey.objects.count(), Message.objects.count()
    deactivate(owner, staff)
    response = call(api, owner, key, url_token)
    assert response.status_code == 401, response.content
    assert (ApiKey.objects.count(), Message.objects.count()) == (keys_before, messages_before)
