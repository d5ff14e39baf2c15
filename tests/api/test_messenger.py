"""SMS API V2, Personal API and Blacklist API (seed 000, package api/messenger): the seed's example
requests replayed with their documented answers checked field by field, and its documented errors.
The dialect's 2FA endpoints are tested with the PINs (tests/otp/test_twofa_api.py)."""

from decimal import Decimal

import pytest

from messaging.models import BlacklistEntry, Message, Status
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db
QUEUED = "Your message was succesfully added to the queue"


def test_basic_query_string_request(call, key):
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


def test_form_request_with_all_parameters_returns_dlr_id(call, key, user):
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


def test_json_and_bearer_and_generated_dlr_id(call, key):
    body = {
        "smstext": "Hi",
        "receiver": "37255555555",
        "sender": "Bar",
        "dlruri": "https://example.com/dlr?id=%smsid%&dlr=%dlr%",
    }
    response = call("post", "/api", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert len(response.json()["dlr_id"]) == 36  # a UUID when no dlrid is given


def test_low_balance_warning(call, key, user):
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
def test_documented_failures_change_nothing(call, key, user, body, status, expected):
    response = call("post", "/api", {"api_token": key, "sender": "Bar", **body})
    assert response.status_code == status
    assert response.json() == expected
    assert not Message.objects.exists()
    user.refresh_from_db()
    assert user.balance == Decimal(100)


def test_one_bad_number_among_several_refuses_all(call, key):
    response = call("post", "/api", {"api_token": key, "smstext": "Hi", "receiver": "37255555555,12", "sender": "Bar"})
    assert response.json()["message"] == "Problem with validating numbers"
    assert not Message.objects.exists()


def test_missing_or_wrong_token_is_401(call, key):
    assert call("post", "/api", {"smstext": "Hi", "receiver": "37255555555"}).status_code == 401
    assert call("post", "/api", {"api_token": "nope", "smstext": "Hi", "receiver": "37255555555"}).status_code == 401


def test_personal_api_example(call, key):
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


def test_blacklist_examples(call, key, user):
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
