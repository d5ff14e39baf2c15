"""The 2FA API of seed 000: every documented success and error shape, field by field, in query
string, form, multipart and JSON; auth; another team's pin_id; the caps' 429; and the PIN kept out
of the database, the logs and the callbacks.

The seed's example receiver `372555555555` is not a possible Estonian number (libphonenumber), so
these tests use `37255555555`."""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyRecord
from messaging.models import Callback, Message
from otp.models import Pin
from otp.services import otp_policy_update
from tests.factories import UserFactory, issue_key

from .conftest import sent_texts

pytestmark = pytest.mark.django_db
INVALID = "The given data was invalid."
RECEIVER = "37255555555"


@pytest.fixture
def call(api, django_capture_on_commit_callbacks):
    def go(path, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(path, data, **kwargs)

    return go


@pytest.fixture
def send(call, key):
    def go(**params):
        response = call("/api/2fa/send", {"api_token": key, "receiver": RECEIVER, **params})
        assert response.status_code == 200, response.content
        return response.json()["response"]

    return go


def errors(field: str, text: str) -> dict:
    return {"message": INVALID, "errors": {field: [text]}}


# ---- Send ------------------------------------------------------------------------------------


def test_send_seed_query_string_request(call, key, recording_gateway, user):
    response = call(f"/api/2fa/send?api_token={key}&receiver={RECEIVER}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "response"} and body["message"] == "Success"
    sent = body["response"]
    assert set(sent) == {"pin", "pin_id", "sms"} and sent["sms"] == "sent"
    assert len(sent["pin"]) == 6 and sent["pin"].isalnum() and sent["pin"] == sent["pin"].upper()
    assert len(sent["pin_id"]) == 20 and sent["pin_id"].isalnum() and sent["pin_id"] == sent["pin_id"].upper()
    assert sent_texts(recording_gateway) == [f"Your code is {sent['pin']}"]
    assert recording_gateway[0].to == "+37255555555"
    user.refresh_from_db()
    assert user.balance == Decimal(99)


@pytest.mark.parametrize("style", ["form", "multipart", "json", "bearer-json"])
def test_send_accepts_every_body_style(call, key, style):
    body = {"receiver": RECEIVER, "pin_length": 8}
    if style == "form":
        response = call(
            "/api/2fa/send",
            f"api_token={key}&receiver={RECEIVER}&pin_length=8",
            content_type="application/x-www-form-urlencoded",
        )
    elif style == "multipart":
        response = call("/api/2fa/send", {"api_token": key, **body})
    elif style == "json":
        response = call("/api/2fa/send", {"api_token": key, **body}, format="json")
    else:
        response = call("/api/2fa/send", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    assert len(response.json()["response"]["pin"]) == 8


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"receiver": ""}, errors("receiver", "The receiver field is required.")),
        ({"receiver": None}, errors("receiver", "The receiver field is required.")),
        ({"receiver": "12"}, errors("receiver", "Invalid number")),
        ({"receiver": "3" * 40}, errors("receiver", "Invalid number")),
        ({"pin_length": 21}, errors("pin_length", "The pin length must be between 4 and 20.")),
        ({"pin_length": 3}, errors("pin_length", "The pin length must be between 4 and 20.")),
        ({"pin_length": "six"}, errors("pin_length", "The pin length must be an integer.")),
    ],
)
def test_send_documented_failures_change_nothing(call, key, user, recording_gateway, params, expected):
    body = {"api_token": key, "receiver": RECEIVER, **params}
    body = {k: v for k, v in body.items() if v is not None}
    response = call("/api/2fa/send", body)
    assert response.status_code == 422
    assert response.json() == expected
    assert not recording_gateway and not Message.objects.exists() and not Pin.objects.exists()
    user.refresh_from_db()
    assert user.balance == Decimal(100)


def test_blank_pin_length_means_the_default(send):
    assert len(send(pin_length="")["pin"]) == 6


def test_digits_only_team_refuses_a_short_pin_length_clearly(call, key, user, send):
    otp_policy_update(team=user.team, actor=user, digits_only=True)
    response = call("/api/2fa/send", {"api_token": key, "receiver": RECEIVER, "pin_length": 4})
    assert response.status_code == 422
    assert response.json() == errors("pin_length", "The pin length must be at least 6 when PINs are digits only.")
    assert send()["pin"].isdigit()


def test_send_caps_answer_429_with_retry_after_in_the_dialect_shape(call, key, send, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    send()
    response = call("/api/2fa/send", {"api_token": key, "receiver": RECEIVER})
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json() == errors(
        "receiver", "A PIN was just sent to this receiver. Wait 30 seconds before requesting another."
    )


def test_country_outside_the_allow_list_and_blacklisted_receiver_are_422(call, key, user):
    otp_policy_update(team=user.team, actor=user, allowed_countries=["FI"])
    response = call("/api/2fa/send", {"api_token": key, "receiver": RECEIVER})
    assert (response.status_code, response.json()) == (422, errors("receiver", "PINs cannot be sent to this country."))
    from messaging.services.blacklist import blacklist_add

    blacklist_add(team=user.team, number="+358401234567")
    response = call("/api/2fa/send", {"api_token": key, "receiver": "358401234567"})
    assert (response.status_code, response.json()) == (422, errors("receiver", "The receiver is on the blacklist."))
    assert not Message.objects.exists()


def test_insufficient_credits_send_nothing(call):
    broke = UserFactory(email="broke@example.com")
    response = call("/api/2fa/send", {"api_token": issue_key(broke), "receiver": RECEIVER})
    assert response.status_code == 422
    assert response.json() == errors("credits", "Insufficient credits: this costs 1.")
    assert not Pin.objects.exists() and not Message.objects.exists()


# ---- Verify ----------------------------------------------------------------------------------


def test_verify_seed_query_string_request(call, key, send):
    sent = send()
    response = call(f"/api/2fa/verify?api_token={key}&pin={sent['pin']}&pin_id={sent['pin_id']}")
    assert response.status_code == 200
    assert response.json() == {
        "message": "Success",
        "response": {"auth_status": "User has been authenticated", "pin": sent["pin"], "pin_id": sent["pin_id"]},
    }


@pytest.mark.parametrize("style", ["form", "multipart", "json", "bearer-json"])
def test_verify_accepts_every_body_style(call, key, send, style):
    sent = send()
    body = {"pin": sent["pin"], "pin_id": sent["pin_id"]}
    if style == "form":
        response = call(
            "/api/2fa/verify",
            f"api_token={key}&pin={sent['pin']}&pin_id={sent['pin_id']}",
            content_type="application/x-www-form-urlencoded",
        )
    elif style == "multipart":
        response = call("/api/2fa/verify", {"api_token": key, **body})
    elif style == "json":
        response = call("/api/2fa/verify", {"api_token": key, **body}, format="json")
    else:
        response = call("/api/2fa/verify", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["auth_status"] == "User has been authenticated"


def test_verify_already_authenticated(call, key, send):
    sent = send()
    body = {"api_token": key, "pin": sent["pin"], "pin_id": sent["pin_id"]}
    assert call("/api/2fa/verify", body).status_code == 200
    response = call("/api/2fa/verify", body)
    assert response.status_code == 422
    assert response.json() == errors("auth_status", "The PIN has already been authenticated")


def test_verify_pin_not_found_for_an_unknown_pin_id(call, key, send):
    sent = send()
    response = call("/api/2fa/verify", {"api_token": key, "pin": sent["pin"], "pin_id": "XOK4426WH1HLOG1BOUJK"})
    assert response.status_code == 422
    assert response.json() == errors("pin", "PIN not found")


def test_another_teams_pin_id_is_pin_not_found(call, send):
    sent = send()
    stranger = issue_key(UserFactory(credits=10, email="stranger@example.com"))
    response = call("/api/2fa/verify", {"api_token": stranger, "pin": sent["pin"], "pin_id": sent["pin_id"]})
    assert (response.status_code, response.json()) == (422, errors("pin", "PIN not found"))
    assert Pin.objects.get().attempts == 0 and Pin.objects.get().verified_at is None


def test_verify_pin_and_pin_id_not_matching(call, key, send):
    sent = send()
    wrong = ("1" if sent["pin"][0] != "1" else "2") + sent["pin"][1:]
    response = call("/api/2fa/verify", {"api_token": key, "pin": wrong, "pin_id": sent["pin_id"]})
    assert response.status_code == 422
    assert response.json() == errors("pin_id", "PIN and PIN ID not matching")


def test_verify_expired_after_five_minutes(call, key, send, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    sent = send()
    time_machine.move_to(start + timedelta(minutes=5), tick=False)
    response = call("/api/2fa/verify", {"api_token": key, "pin": sent["pin"], "pin_id": sent["pin_id"]})
    assert response.status_code == 422
    assert response.json() == errors("expire_time", "The PIN given has expired")


def test_verify_after_too_many_wrong_tries(call, key, send):
    sent = send()
    wrong = ("1" if sent["pin"][0] != "1" else "2") + sent["pin"][1:]
    for _ in range(5):
        assert call("/api/2fa/verify", {"api_token": key, "pin": wrong, "pin_id": sent["pin_id"]}).status_code == 422
    response = call("/api/2fa/verify", {"api_token": key, "pin": sent["pin"], "pin_id": sent["pin_id"]})
    assert response.status_code == 422
    assert response.json() == errors("pin_id", "Too many wrong attempts: request a new PIN")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"pin": None}, errors("pin", "The pin field is required.")),
        ({"pin_id": ""}, errors("pin_id", "The pin id field is required.")),
        ({"pin": "ABC"}, errors("pin", "The pin must be between 4 and 20 characters.")),
        ({"pin": "A" * 21}, errors("pin", "The pin must be between 4 and 20 characters.")),
        ({"pin_id": "SHORT"}, errors("pin_id", "The pin id must be 20 characters.")),
    ],
)
def test_verify_shape_errors(call, key, send, params, expected):
    sent = send()
    body = {"api_token": key, "pin": sent["pin"], "pin_id": sent["pin_id"], **params}
    response = call("/api/2fa/verify", {k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422
    assert response.json() == expected
    assert Pin.objects.get().attempts == 0


def test_idempotency_key_cannot_undo_a_failed_try_nor_store_a_pin(call, key, send):
    sent = send()
    wrong = ("1" if sent["pin"][0] != "1" else "2") + sent["pin"][1:]
    for n in range(3):
        response = call(
            "/api/2fa/verify",
            {"api_token": key, "pin": wrong, "pin_id": sent["pin_id"]},
            HTTP_IDEMPOTENCY_KEY=f"guess-{n}",
        )
        assert response.status_code == 422
    assert Pin.objects.get().attempts == 3
    response = call("/api/2fa/send", {"api_token": key, "receiver": "37255555556"}, HTTP_IDEMPOTENCY_KEY="send-1")
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


# ---- Auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/2fa/send", "/api/2fa/verify"])
def test_missing_or_wrong_key_is_401(call, path):
    body = {"receiver": RECEIVER, "pin": "ABCDEF", "pin_id": "XOK4426WH1HLOG1BOUJK"}
    for extra in ({}, {"api_token": "wrong"}):
        response = call(path, {**body, **extra})
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
    response = call(path, body, HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401
    assert not Pin.objects.exists()


# ---- The PIN stays secret ---------------------------------------------------------------------


def rows_containing(text: str) -> list[str]:
    """Every `table.column` of the whole database with a value containing `text`."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(include_views=False):
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column.name)} AS TEXT) LIKE %s",
                    [f"%{text}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def test_the_pin_is_in_no_table_no_log_and_no_callback(call, key, user, recording_gateway, caplog):
    user.team.dlr_url = "https://example.com/dlr"
    user.team.reply_url = "https://example.com/replies"
    user.team.save()
    caplog.set_level(logging.DEBUG)
    sent = call("/api/2fa/send", {"api_token": key, "receiver": RECEIVER}).json()["response"]
    pin = sent["pin"]
    wrong = ("1" if pin[0] != "1" else "2") + pin[1:]
    call("/api/2fa/verify", {"api_token": key, "pin": wrong, "pin_id": sent["pin_id"]})
    pending = rows_containing(pin)
    assert call("/api/2fa/verify", {"api_token": key, "pin": pin, "pin_id": sent["pin_id"]}).status_code == 200

    assert sent_texts(recording_gateway) == [f"Your code is {pin}"]  # the network got it ...
    assert pending == [] and rows_containing(pin) == []  # ... the database never did
    assert Message.objects.get().text == "Your code is ******"
    assert rows_containing("Your code is ******") == ["messaging_message.text"]
    logged = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert caplog.records and not [line for line in logged if pin in line or sent["pin_id"] in line]
    assert not Callback.objects.exists()


def test_schema_documents_both_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/2fa/send" in paths and "/api/2fa/verify" in paths
    examples = paths["/api/2fa/verify"]["post"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert next(iter(examples.values()))["value"]["response"]["pin_id"] == "XOK4426WH1HLOG1BOUJK"
