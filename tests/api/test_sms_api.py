"""SMS API (seed 004, package api/sms_api): sends (v1 with a login, v2 with a key) as the seed's
examples show them, balance, generate/revoke/regenerate key, 401 shapes, rate-limit headers."""

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import ApiKey
from core.shared_redis import _client_for
from messaging.models import Message
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db
KEY_REQUIRED = {"error": "API key is required", "help": "Provide X-API-Key header or api_key parameter"}


@pytest.fixture
def user():
    return UserFactory(credits=12.5)


def test_balance_without_key_is_the_documented_401_with_rate_headers(api):
    response = api.get("/api/v2/account/balance", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json() == KEY_REQUIRED
    assert response["X-RateLimit-Limit"] == "60"
    assert response["X-RateLimit-Remaining"] == "59"


def test_balance_with_header_or_parameter(api, user):
    key = issue_key(user)
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).json() == {"balance": 12.5, "email": user.email}
    assert api.get("/api/v2/account/balance", {"api_key": key}).json()["balance"] == 12.5


def test_wrong_key_is_unauthorized(api, user):
    response = api.get("/api/v2/account/balance", HTTP_X_API_KEY="sk_nope")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized."}


def test_generate_key_with_password_then_use_it(api, user):
    response = api.post("/api/generate-key", {"username": user.email, "password": PASSWORD, "expiry_days": 3})
    assert response.status_code == 201, response.content
    key = response.json()["api_key"]
    assert response.json()["expires_at"]
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code == 200
    stored = ApiKey.objects.get(user=user)
    assert stored.key_hash != key and key not in stored.prefix + stored.name


@pytest.mark.parametrize("days", [0, 366, "abc", -1])
def test_generate_key_expiry_out_of_range_is_400_and_creates_nothing(api, user, days):
    response = api.post("/api/generate-key", {"expiry_days": days}, format="json", HTTP_X_API_KEY=issue_key(user))
    assert response.status_code == 400
    assert "expiry_days" in response.json()["errors"]
    assert ApiKey.objects.filter(user=user).count() == 1


def test_wrong_password_is_unauthorized_and_failures_are_throttled(api, user):
    with override_settings(SMS_LOGIN_FAILURES_PER_ACCOUNT=4):  # the 4th failure locks the account
        for _ in range(3):
            response = api.post("/api/generate-key", {"username": user.email, "password": "wrong"})
            assert response.status_code == 401
            assert response.json() == {"error": "Unauthorized."}
        assert api.post("/api/generate-key", {"username": user.email, "password": "wrong"}).status_code == 429
        blocked = api.post("/api/generate-key", {"username": user.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert int(blocked["Retry-After"]) > 0
    assert not ApiKey.objects.filter(user=user).exists()


def test_revoke_key_revokes_the_calling_key(api, user):
    key = issue_key(user)
    assert api.post("/api/revoke-key", HTTP_X_API_KEY=key).status_code == 200
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code == 401


def test_regenerate_key_replaces_the_calling_key(api, user):
    old = issue_key(user)
    response = api.post("/api/regenerate-key", {"expiry_days": 9}, format="json", HTTP_X_API_KEY=old)
    assert response.status_code == 200
    new = response.json()["api_key"]
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=old).status_code == 401
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=new).status_code == 200


@pytest.fixture(params=["cache", "redis"])
def counters(request):
    """The rate-limit counters in the test cache, and in Redis as production keeps them."""
    if request.param == "cache":
        yield
        return
    location = settings.REDIS_URL
    if not location:
        pytest.skip("REDIS_URL is not set")
    redis = _client_for(location)
    redis.delete(*redis.keys("ratelimit:*") or ["ratelimit:none"])
    backend = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}
    with override_settings(CACHES=backend):
        yield


@pytest.mark.usefixtures("counters")
def test_rate_limit_per_key_gives_429_with_retry_after(api, user):
    user.team.api_rate_limit = 2
    user.team.save()
    key = issue_key(user)
    assert [api.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code for _ in range(3)] == [200, 200, 429]
    response = api.get("/api/v2/account/balance", HTTP_X_API_KEY=key)
    assert response["X-RateLimit-Remaining"] == "0" and int(response["Retry-After"]) >= 1
    # Another key of another team has its own budget.
    assert api.get("/api/v2/account/balance", HTTP_X_API_KEY=issue_key(UserFactory())).status_code == 200


def test_swagger_pages_are_served_locally(api):
    assert api.get("/api/schema/").status_code == 200
    page = api.get("/api/v2")
    assert page.status_code == 200 and b"swagger" in page.content.lower() and b"cdn.jsdelivr" not in page.content
    assert api.get("/api/oauth2-callback").status_code in (200, 302)


# ---- Sending, as the seed's examples show it --------------------------------------------------------


def test_seed_v1_send_with_national_numbers(call, user):
    user.team.default_country = "KE"
    user.team.save()
    body = {
        "numbers": "0701234567, 0712345678",
        "message_body": "Hello, this is a test message.",
        "username": user.email,
        "password": PASSWORD,
    }
    response = call("post", "/v1/sms/send", body)
    assert response.status_code == 200, response.content
    assert [m["number"] for m in response.json()["messages"]] == ["+254701234567", "+254712345678"]


def test_seed_documented_errors(call, user):
    bad = {"numbers": "0701234567, 12", "message_body": "Hi", "username": user.email, "password": PASSWORD}
    assert call("post", "/v1/sms/send", bad).json() == {"error": "Invalid phone number format."}
    assert call("post", "/v1/sms/send", bad).status_code == 400
    wrong = {"numbers": "+254701234567", "message_body": "Hi", "username": user.email, "password": "x"}
    response = call("post", "/v1/sms/send", wrong)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized."})
    response = call("get", "/api/v2/sms/send")
    assert response.status_code == 401
    assert response.json() == {"error": "API key is required", "help": "Provide X-API-Key header or api_key parameter"}
    assert not Message.objects.exists()


def test_seed_v2_without_key_example_headers(call):
    response = call("get", "/api/v2/sms/send", HTTP_ACCEPT="application/json")
    assert response["X-RateLimit-Limit"] == "60" and response["X-RateLimit-Remaining"] == "59"


def test_seed_v2_send_get_and_post(call, key):
    response = call("get", "/api/v2/sms/send", {"api_key": key, "numbers": "+254701234567", "message_body": "Hi"})
    assert response.status_code == 200 and response.json()["messages"][0]["status"] in ("QUEUE", "DELIVRD")
    response = call("post", "/api/v2/sms/send", {"numbers": "+254701234567", "message_body": "Hi"}, HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert Message.objects.count() == 2
