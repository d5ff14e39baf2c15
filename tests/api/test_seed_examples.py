"""The seed documents' own example requests, replayed, with their documented answers checked
field by field; plus each dialect's documented errors."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest

from messaging.models import BlacklistEntry, Message, Status
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db
QUEUED = "Your message was succesfully added to the queue"


@pytest.fixture
def user():
    return UserFactory(credits=100, email="integrator@example.com")


@pytest.fixture
def call(api, django_capture_on_commit_callbacks):
    def go(method, path, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(api, method)(path, *args, **kwargs)

    return go


# ---- Seed 000: SMS API V2 -------------------------------------------------------------------


def test_000_basic_query_string_request(call, key):
    response = call("post", f"/?api_token={key}&smstext=Foo&receiver=37255555555&sender=Bar".replace("/?", "/api?"))
    assert response.status_code == 200
    assert response.json() == {"status": "Success", "message": "Success", "description": QUEUED}
    message = Message.objects.get()
    assert (message.recipient, message.sender, message.text, message.status) == (
        "+37255555555",
        "Bar",
        "Foo",
        Status.DELIVRD,
    )


def test_000_form_request_with_all_parameters_returns_dlr_id(call, key, user):
    body = {
        "api_token": key,
        "smstext": "Message you want to send",
        "receiver": "37255555555",
        "sender": "Bar",
        "conversion": 2,
        "deliverytime": "2099-12-30 15:30:00",
        "dlruri": "https://www.your-dlr-url.com",
        "dlrid": 158,
    }
    response = call("post", "/api/", body)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "Success", "message": "Success", "description": QUEUED, "dlr_id": "158"}
    message = Message.objects.get()
    assert message.status == Status.QUEUE and message.client_ref == "158"
    assert message.scheduled_at.year == 2099


def test_000_json_and_bearer_and_generated_dlr_id(call, key):
    body = {
        "smstext": "Hi",
        "receiver": "37255555555",
        "sender": "Bar",
        "dlruri": "https://example.com/dlr?id=%smsid%&dlr=%dlr%",
    }
    response = call("post", "/api", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert len(response.json()["dlr_id"]) == 36  # a UUID when no dlrid is given


def test_000_low_balance_warning(call, key, user):
    user.team.low_balance_threshold = Decimal(1000)
    user.team.save()
    response = call("post", "/api", {"api_token": key, "smstext": "Hi", "receiver": "37255555555", "sender": "Bar"})
    assert response.json()["warning"] == "Balance low, please contact us!"


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"smstext": "Hi", "receiver": "37255555555", "dlruri": "not a url"},
            422,
            {"message": "The given data was invalid.", "errors": {"dlruri": ["The dlruri format is invalid."]}},
        ),
        (
            {"smstext": "Hi", "receiver": "12"},
            422,
            {"message": "Problem with validating numbers", "error": "Invalid number"},
        ),
        (
            {"receiver": "37255555555"},
            422,
            {"message": "The given data was invalid.", "errors": {"smstext": ["The smstext field is required."]}},
        ),
        (
            {"smstext": "Hi"},
            422,
            {"message": "The given data was invalid.", "errors": {"receiver": ["The receiver field is required."]}},
        ),
    ],
)
def test_000_documented_failures_change_nothing(call, key, user, body, status, expected):
    response = call("post", "/api", {"api_token": key, "sender": "Bar", **body})
    assert response.status_code == status
    assert response.json() == expected
    assert not Message.objects.exists()
    user.refresh_from_db()
    assert user.balance == Decimal(100)


def test_000_one_bad_number_among_several_refuses_all(call, key):
    response = call("post", "/api", {"api_token": key, "smstext": "Hi", "receiver": "37255555555,12", "sender": "Bar"})
    assert response.json()["message"] == "Problem with validating numbers"
    assert not Message.objects.exists()


def test_000_missing_or_wrong_token_is_401(call, key):
    assert call("post", "/api", {"smstext": "Hi", "receiver": "37255555555"}).status_code == 401
    assert call("post", "/api", {"api_token": "nope", "smstext": "Hi", "receiver": "37255555555"}).status_code == 401


def test_000_personal_api_example(call, key):
    body = {
        "api_token": key,
        "smstext": "Foo %my_var% Bar %second_var%",
        "my_var": "variable",
        "second_var": "another variable",
        "receiver": "37255555555555",
    }
    response = call("post", "/api/personal", body)
    answer = response.json()
    assert answer == {
        "message": "Success",
        "id": answer["id"],
        "original_text": "Foo %my_var% Bar %second_var%",
        "formatted_text": "Foo variable Bar another variable",
        "receiver": "37255555555555",
    }
    assert call("post", "/api/personal", {"api_token": key}).json() == {
        "message": "The given data was invalid.",
        "errors": {"smstext": ["The smstext field is required."]},
    }


def test_000_blacklist_examples(call, key, user):
    create = call("post", "/api/blacklist/create", {"api_token": key, "receiver": "37255555555"})
    assert create.json() == {"response": "Success", "message": "Number (37255555555) added to your blacklist"}
    call("post", "/api/blacklist/create", {"api_token": key, "receiver": "+37255555555"})  # twice: one row
    listing = call("get", "/api/blacklist", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert listing["response"] == "Success" and listing["message"] == "Blacklist"
    [entry] = listing["data"]
    assert set(entry) == {"id", "receiver", "created_at", "source"}
    assert (entry["receiver"], entry["source"]) == ("37255555555", "api")
    # A blacklisted receiver is not sent to, and not charged.
    call("post", "/api", {"api_token": key, "smstext": "Hi", "receiver": "37255555555", "sender": "Bar"})
    assert Message.objects.get().status == Status.BLACKLISTED
    other = UserFactory()
    assert call("post", f"/api/blacklist/delete/{entry['id']}", {"api_token": issue_key(other)}).status_code == 404
    removed = call("post", f"/api/blacklist/delete/{entry['id']}", {"api_token": key})
    assert removed.json() == {"response": "Success", "message": f"Number with id {entry['id']} removed from blacklist"}
    assert not BlacklistEntry.objects.exists()


# ---- Seed 002: HTTP API message ----------------------------------------------------------------


def test_002_one_recipient_example(call, user):
    query = urlencode(
        {
            "_login": user.email,
            "_password": PASSWORD,
            "destination_number": "12123388100",
            "body": "test",
            "require_dlr": 1,
            "request_id": "1",
        }
    )
    response = call("post", f"/api/message?{query}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["attributes"] == {"destination_number": "12123388100", "segments": 1, "status": "ok"}
    assert data["type"] == "message" and data["meta"] == {"request_id": "1"} and data["id"]
    assert "errors" not in response.json()


def test_002_two_recipients_example(call, user):
    query = (
        f"_login={user.email}&_password={PASSWORD}&destination_number=12123388100&body=test&require_dlr=1&request_id=1"
        "&destination_number=12123388101&body=test1&require_dlr=1&request_id=2"
    )
    data = call("post", f"/api/message?{query}").json()["data"]
    assert [d["attributes"]["destination_number"] for d in data] == ["12123388100", "12123388101"]
    assert [d["meta"]["request_id"] for d in data] == ["1", "2"]
    assert sorted(Message.objects.values_list("text", flat=True)) == ["test", "test1"]


def test_002_authentication_error_example(call, user):
    query = urlencode({"_login": user.email, "_password": "wrong", "destination_number": "12123388100", "body": "test"})
    response = call("post", f"/api/message?{query}")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "code": "authentication",
                "detail": "Please check your login and password",
                "title": "Authentication error",
            }
        ]
    }


def test_002_bad_number_is_an_error_entry_and_silent_sms(call, user):
    query = urlencode(
        [
            ("_login", user.email),
            ("_password", PASSWORD),
            ("destination_number", "12123388100"),
            ("destination_number", "1"),
            ("body", "ping"),
            ("stealth_ping", "1"),
        ]
    )
    data = call("post", f"/api/message?{query}").json()["data"]
    assert [d["attributes"]["status"] for d in data] == ["ok", "error"]
    assert Message.objects.get().silent is True


# ---- Seed 003: Outbound SMS -------------------------------------------------------------------------


def test_003_send_example_and_status(call, key):
    body = {
        "from": "2222",
        "text": "We detect an incident outside of us due to a Power Cut that affects your área.",
        "to": "+525500000000",
        "requestDR": True,
        "type": "MT",
    }
    response = call("post", "/raven/v2/messages", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer["meta"]) >= {"timestamp", "transactionId"}
    data = answer["data"]
    for field, value in {
        "from": "2222",
        "to": "+525500000000",
        "requestDR": True,
        "type": "MT",
        "status": "QUEUE",
    }.items():
        assert data[field] == value, field
    assert data["owner"] and data["operator"] == "integrator@example.com" and data["date"].endswith("Z")
    status = call("get", f"/raven/v2/messages/{data['id']}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert status["data"]["status"] == "DELIVRD" and status["data"]["id"] == data["id"]


def test_003_batch_example_with_placeholders(call, key):
    body = {
        "from": "12345",
        "text": "Hi {0}, your balance is ${1}",
        "type": "MT",
        "to": [
            {"to:": "+525500000000", "params": ["Elizabeth", 10.65]},
            {"to:": "+525511111111", "params": ["Joshua", 20.5]},
            {"to": "123", "params": []},
        ],
    }
    response = call("post", "/raven/v3/messages/batch", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [i["mobile"] for i in data["ids"]] == ["+525500000000", "+525511111111"]
    assert data["invalidNumber"] == ["123"] and data["status"] == "QUEUE" and data["text"] == body["text"]
    texts = sorted(Message.objects.values_list("text", flat=True))
    assert texts == ["Hi Elizabeth, your balance is $10.65", "Hi Joshua, your balance is $20.5"]


def test_003_errors_keep_the_envelope(call, key):
    response = call(
        "post",
        "/raven/v2/messages",
        {"from": "1", "to": "+525500000000"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"] and response.json()["meta"]["explain"]
    assert call("get", "/raven/v2/messages/not-an-id", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 404
    assert call("post", "/raven/v2/messages", {}, format="json").status_code == 401


# ---- Seed 004: SMS API ---------------------------------------------------------------------------


def test_004_v1_send_with_national_numbers(call, user):
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


def test_004_documented_errors(call, user):
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


def test_004_v2_without_key_example_headers(call):
    response = call("get", "/api/v2/sms/send", HTTP_ACCEPT="application/json")
    assert response["X-RateLimit-Limit"] == "60" and response["X-RateLimit-Remaining"] == "59"


def test_004_v2_send_get_and_post(call, key):
    response = call("get", "/api/v2/sms/send", {"api_key": key, "numbers": "+254701234567", "message_body": "Hi"})
    assert response.status_code == 200 and response.json()["messages"][0]["status"] in ("QUEUE", "DELIVRD")
    response = call("post", "/api/v2/sms/send", {"numbers": "+254701234567", "message_body": "Hi"}, HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert Message.objects.count() == 2


# ---- One message, seen through every dialect ----------------------------------------------------------


def test_a_message_sent_in_one_dialect_reads_the_same_in_the_others(call, user, key):
    sent = call(
        "post",
        "/raven/v2/messages",
        {"from": "Acme", "text": "Cross", "to": "+37255555555", "requestDR": True},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    ).json()["data"]
    rest = call("get", f"/api/rest/v1/messages/{sent['id']}", HTTP_EMAIL=user.email, HTTP_TOKEN=key).json()
    raven = call("get", f"/raven/v2/messages/{sent['id']}", HTTP_AUTHORIZATION=f"Bearer {key}").json()["data"]
    assert rest["messageId"] == raven["id"] == sent["id"]
    assert rest["messageStatus"] == "DELIVERED" and raven["status"] == "DELIVRD"
    assert rest["toNumber"] == raven["to"] == "+37255555555"
