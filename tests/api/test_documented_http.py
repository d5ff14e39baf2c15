"""What the seed documents show on the wire beyond the bodies: seed 000's query-string example sent
as its PHP code sends it (a GET), and seed 004's headers, CORS preflight and documentation pages."""

import pytest
from django.test import Client

from messaging.models import Message, Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
QUEUED = "Your message was succesfully added to the queue"
SEED_004_HEADERS = {"access-control-allow-origin": "*", "cache-control": "no-cache, private"}


@pytest.fixture
def user():
    return UserFactory(credits=100, email="integrator@example.com")


@pytest.fixture
def client():
    return Client()


# ---- Seed 000: the query-string example is a GET ---------------------------------------------


def test_000_query_string_example_sent_as_a_get(client, key, user, django_capture_on_commit_callbacks):
    # The document's PHP sets only CURLOPT_URL (no CURLOPT_POST): a GET with everything in the URL.
    url = (
        f"/api?api_token={key}&smstext=YOUR_MESSAGE&receiver=37255555555&sender=Bar&conversion=2"
        "&deliverytime=2099-12-30%2015:30:00&dlruri=https://www.your-dlr-url.com&dlrid=158"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "Success", "message": "Success", "description": QUEUED, "dlr_id": "158"}
    message = Message.objects.get(team=user.team)
    assert (message.recipient, message.sender, message.text, message.status) == (
        "+37255555555",
        "Bar",
        "YOUR_MESSAGE",
        Status.QUEUE,  # deliverytime is in the future
    )
    assert message.scheduled_at is not None


def test_000_a_head_request_sends_nothing(client, key):
    response = client.head(f"/api?api_token={key}&smstext=Foo&receiver=37255555555&sender=Bar")
    assert response.status_code == 405
    assert not Message.objects.exists()


def test_000_get_send_errors_keep_the_documented_shapes(client, key):
    assert client.get("/api?smstext=Foo&receiver=37255555555").json() == {"message": "Unauthenticated."}
    response = client.get(f"/api/?api_token={key}&receiver=37255555555")
    assert response.status_code == 422
    assert response.json() == {
        "message": "The given data was invalid.",
        "errors": {"smstext": ["The smstext field is required."]},
    }
    assert not Message.objects.exists()


def test_000_a_method_no_endpoint_takes_is_405_in_the_message_shape(client, key):
    response = client.delete(f"/api?api_token={key}")
    assert response.status_code == 405
    assert response.json() == {"message": 'Method "DELETE" not allowed.'}


# ---- Seed 004: headers, preflight and the two pages ------------------------------------------


def assert_seed_004_headers(response):
    for name, value in SEED_004_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))


def test_004_documented_example_headers_on_every_answer(client, key):
    # The seed's examples: GET api/v2/sms/send and api/v2/account/balance without a key.
    for path in ("/api/v2/sms/send", "/api/v2/account/balance"):
        response = client.get(path, content_type="application/json", HTTP_ACCEPT="application/json")
        assert response.status_code == 401
        assert response.json() == {
            "error": "API key is required",
            "help": "Provide X-API-Key header or api_key parameter",
        }
        assert_seed_004_headers(response)
        assert response["X-RateLimit-Limit"] == "60"
    # And on successes and the other errors of the dialect, v1 included.
    assert_seed_004_headers(client.get("/api/v2/account/balance", HTTP_X_API_KEY=key))
    assert_seed_004_headers(client.post("/v1/sms/send", {"numbers": "1", "message_body": "x"}))
    assert_seed_004_headers(client.post("/api/generate-key", {"expiry_days": 0}, HTTP_X_API_KEY=key))
    assert_seed_004_headers(client.get("/api/v2/nothing"))


def test_004_rate_limit_headers_are_readable_by_a_browser(client, key):
    response = client.get("/api/v2/account/balance", HTTP_X_API_KEY=key, HTTP_ORIGIN="https://app.example")
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"} <= exposed


@pytest.mark.parametrize("path", ["/api/v2/sms/send", "/api/v2/account/balance", "/api/generate-key", "/v1/sms/send"])
def test_004_cors_preflight_is_answered_without_credentials(client, path):
    response = client.options(
        path,
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key, content-type",
    )
    assert response.status_code == 204
    assert_seed_004_headers(response)
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"x-api-key", "content-type"} <= allowed
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods & {"GET", "POST"}


def test_004_preflight_counts_nothing_against_the_rate_limit(client, key, settings):
    settings.SMS_API_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(5):
        assert client.options("/api/v2/sms/send", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET").status_code == 204
    assert client.get("/api/v2/account/balance", HTTP_X_API_KEY=key).status_code == 200


def test_004_oauth2_callback_is_the_documented_200_html_page(client):
    response = client.get("/api/oauth2-callback", content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=UTF-8"
    assert_seed_004_headers(response)
    body = response.content.decode()
    assert body.startswith('<!doctype html>\n<html lang="en-US">\n<body>\n<script src="')
    script = body.split('<script src="')[1].split('"')[0]
    assert script.endswith("/oauth2-redirect.js")
    assert client.get(script).status_code == 200  # served from this server


def test_004_swagger_page_answers_a_json_client_with_the_schema(client):
    # The seed's example: GET api/v2 with Content-Type and Accept application/json, read with .json().
    response = client.get("/api/v2", content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_seed_004_headers(response)
    schema = response.json()
    assert schema["openapi"].startswith("3.") and "/api/v2/sms/send" in schema["paths"]


def test_004_swagger_page_for_a_browser(client):
    response = client.get("/api/v2", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content
    assert_seed_004_headers(response)
    assert client.get("/api/v2").status_code == 200  # curl's */*
