"""Rules message_send keeps for every dialect, page and task: a message needs text, a message needs
a sender, a blacklisted message tells its integrator it was not sent, and a send the balance cannot
pay is refused on a quote before anything is read or written. Each through the service and through
the dialects whose documents say how they answer."""

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import numbers
from core.errors import InsufficientCredits, ValidationFailed
from messaging.models import Batch, BlacklistEntry, Callback, CallbackKind, Message, PriceRule, Status
from messaging.services import EmptyText, Recipient, message_send
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db
INVALID = "The given data was invalid."


def send(user, numbers, text="Hello", **kwargs):
    return message_send(actor=user, recipients=[Recipient(n) for n in numbers], text=text, source="test", **kwargs)


def unchanged(user) -> bool:
    user.refresh_from_db()
    return not Message.objects.exists() and user.balance == Decimal(100)


# ---- A message needs text ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "conversion"), [("", 0), ("   \n", 0), ("\U0001f600\U0001f44d", 2)])
def test_an_empty_text_is_refused_by_the_service(user, text, conversion):
    with pytest.raises(EmptyText) as refused:
        send(user, ["+37255555555", "+37255555556"], text=text, conversion=conversion)
    assert (refused.value.field, refused.value.message) == ("text", "Message cannot be empty")
    assert isinstance(refused.value, ValidationFailed)
    assert unchanged(user)


def test_a_recipient_with_an_empty_personal_text_is_rejected_alone(user):
    result = message_send(
        actor=user,
        recipients=[Recipient("+37255555555", text="Hi Ann"), Recipient("+37255555556", text=" ")],
        source="test",
    )
    assert [m.recipient for m in result.messages] == ["+37255555555"]
    [rejection] = result.rejected
    assert (rejection.index, rejection.reason) == (1, "Message cannot be empty")
    assert result.cost == Decimal(1)


def test_002_a_request_without_body_is_neither_sent_nor_charged(api, user):
    query = urlencode({"_login": user.email, "_password": PASSWORD, "destination_number": "37255555555"})
    response = api.post(f"/api/message?{query}")
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "code": "invalid",
                "title": "Request error",
                "detail": "Message cannot be empty",
                "source": {"parameter": "body"},
            }
        ]
    }
    assert unchanged(user)


def test_001_an_empty_message_is_code_3(api, user):
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    body = {"message": "  ", "recipientNumber": "+37255555555"}
    response = api.post("/api/rest/v1/sms/send", body, format="json", **auth)
    assert response.status_code == 400
    assert response.json() == {
        "code": 3,
        "status": "BAD_REQUEST",
        "message": "Message cannot be empty",
        "developerMessage": "Message cannot be empty",
        "moreInfoUrl": None,
        "errors": {"message": ["Message cannot be empty"]},
    }
    assert unchanged(user)


def test_000_a_text_that_converts_to_nothing_is_refused(api, user):
    body = {"api_token": issue_key(user), "smstext": "\U0001f600", "receiver": "37255555555", "sender": "Bar"}
    response = api.post("/api", {**body, "conversion": 2})
    assert (response.status_code, response.json()) == (
        422,
        {"message": INVALID, "errors": {"smstext": ["Message cannot be empty"]}},
    )
    assert unchanged(user)


def test_004_and_003_answer_an_empty_text_in_their_shapes(api, user):
    key = issue_key(user)
    response = api.post("/api/v2/sms/send", {"numbers": "37255555555", "message_body": "  "}, HTTP_X_API_KEY=key)
    assert response.status_code == 400
    assert response.json()["errors"] == {"message_body": ["Message cannot be empty"]}
    body = {"from": "Bar", "to": "+37255555555", "text": "  "}
    response = api.post("/raven/v2/messages", body, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"text": ["Message cannot be empty"]}
    assert unchanged(user)


# ---- A message needs a sender --------------------------------------------------------------------


def test_000_without_sender_and_team_default_answers_the_documented_validation_error(api, user):
    body = {"api_token": issue_key(user), "smstext": "Hi", "receiver": "37255555555"}
    response = api.post("/api", body)
    assert (response.status_code, response.json()) == (
        422,
        {"message": INVALID, "errors": {"sender": ["The sender field is required."]}},
    )
    assert unchanged(user)


def test_000_without_sender_takes_the_team_default(api, user):
    user.team.default_sender = "Shop"
    user.team.save()
    response = api.post("/api", {"api_token": issue_key(user), "smstext": "Hi", "receiver": "37255555555"})
    assert response.status_code == 200
    assert Message.objects.get().sender == "Shop"


def test_dialects_without_a_sender_take_the_team_then_the_platform_default(api, user, settings):
    settings.SMS_DEFAULT_SENDER = "Platform"
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    api.post("/api/rest/v1/sms/send", {"message": "Hi", "recipientNumber": "+37255555555"}, format="json", **auth)
    query = urlencode({"_login": user.email, "_password": PASSWORD, "destination_number": "37255555556", "body": "Hi"})
    api.post(f"/api/message?{query}")
    assert sorted(Message.objects.values_list("sender", flat=True)) == ["Platform", "Platform"]
    user.team.default_sender = "Shop"
    user.team.save()
    assert send(user, ["+37255555557"]).messages[0].sender == "Shop"
    assert send(user, ["+37255555558"], sender="Given").messages[0].sender == "Given"


def test_without_any_sender_the_optional_dialects_refuse_too(api, user, settings):
    settings.SMS_DEFAULT_SENDER = ""
    with pytest.raises(ValidationFailed) as refused:
        send(user, ["+37255555555"])
    assert refused.value.field == "sender"
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    body = {"message": "Hi", "recipientNumber": "+37255555555"}
    response = api.post("/api/rest/v1/sms/send", body, format="json", **auth)
    assert response.status_code == 400 and response.json()["errors"] == {"sender": ["The sender field is required."]}
    assert unchanged(user)


# ---- A blacklisted message tells its integrator --------------------------------------------------


@pytest.fixture
def blacklisted(user):
    BlacklistEntry.objects.create(team=user.team, number="+37255555555")
    return "+37255555555"


def test_000_dlruri_is_owed_a_failed_dlr_for_a_blacklisted_message(api, user, blacklisted):
    body = {
        "api_token": issue_key(user),
        "smstext": "Hi",
        "receiver": "37255555555",
        "sender": "Bar",
        "dlrid": "158",
        "dlruri": "https://example.com/dlr?id=%smsid%&dlr=%dlr%",
    }
    assert api.post("/api", body).status_code == 200
    assert Message.objects.get().status == Status.BLACKLISTED
    [callback] = Callback.objects.all()
    assert (callback.kind, callback.method, callback.url) == (
        CallbackKind.DLR_URI,
        "GET",
        "https://example.com/dlr?id=158&dlr=16",  # 16: rejected, as the README's %dlr% table says
    )


def test_003_callbacks_get_the_blacklisted_status(api, user, blacklisted):
    body = {
        "from": "Bar",
        "to": blacklisted,
        "text": "Hi",
        "requestDR": True,
        "callbacks": ["https://example.com/sms-status"],
    }
    response = api.post("/raven/v2/messages", body, format="json", HTTP_AUTHORIZATION=f"Bearer {issue_key(user)}")
    assert response.status_code == 200
    [callback] = Callback.objects.all()
    assert (callback.kind, callback.url) == (CallbackKind.STATUS_JSON, "https://example.com/sms-status")
    document = json.loads(callback.body)
    assert (document["status"], document["to"]) == ("BLACKLISTED", blacklisted)


def test_the_team_dlr_url_gets_the_failure_of_a_blacklisted_message(api, user, blacklisted):
    user.team.dlr_url = "https://example.com/dlr"
    user.team.save()
    auth = {"HTTP_EMAIL": user.email, "HTTP_TOKEN": issue_key(user)}
    response = api.post("/api/rest/v1/sms/send", {"message": "Hi", "recipientNumber": blacklisted}, **auth)
    message_id = response.json()["messageId"]
    [callback] = Callback.objects.all()
    assert (callback.kind, callback.url) == (CallbackKind.DLR_FORWARD, "https://example.com/dlr")
    assert callback.body == urlencode({"status": "FAILED_OPTOUT", "messageId": message_id})


def test_a_blacklisted_message_without_dlr_request_owes_nothing(user, blacklisted):
    send(user, [blacklisted], dlr_url="https://example.com/dlr?d=%dlr%", request_dlr=False)
    assert not Callback.objects.exists()


# ---- A send the balance cannot pay is refused on a quote -----------------------------------------


@pytest.fixture
def poor():
    return UserFactory(credits=1)


def test_a_big_send_without_credit_is_refused_before_reading_a_number(poor, monkeypatch):
    read = []
    real = numbers.normalize_number
    monkeypatch.setattr("messaging.services.send.normalize_number", lambda *a, **k: read.append(a) or real(*a, **k))
    recipients = [f"+3725{i:07d}" for i in range(5000)] + ["not a number"]
    with CaptureQueriesContext(connection) as queries, pytest.raises(InsufficientCredits) as refused:
        send(poor, recipients, all_or_nothing=True)
    # Refused for credits although a bad number would otherwise have stopped the request: no
    # number was read, no row built, and only the prices and the balance were queried.
    assert refused.value.message == "Insufficient credits: this costs 5001."
    assert read == []
    assert len(queries) <= 3, [q["sql"] for q in queries]
    assert not Message.objects.exists() and not Batch.objects.exists()
    poor.refresh_from_db()
    assert poor.balance == Decimal(1)


def test_the_quote_takes_the_cheapest_price_and_the_blacklist_into_account(poor):
    PriceRule.objects.create(country="FI", credits_per_segment=Decimal("0.0001"))
    # At most 0.0002 credits if every number were Finnish: not refused on the quote ...
    with pytest.raises(InsufficientCredits) as refused:
        send(poor, ["+37255555555", "+37255555556"])
    # ... but on the exact cost, still before anything was written.
    assert refused.value.message == "Insufficient credits: this costs 2."
    assert not Message.objects.exists()
    PriceRule.objects.all().delete()
    BlacklistEntry.objects.create(team=poor.team, number="+37255555555")
    result = send(poor, ["+37255555555", "+37255555556"])  # one is blacklisted: 1 credit is enough
    assert result.cost == Decimal(1)


def test_what_the_balance_covers_is_still_charged_exactly(poor):
    result = send(poor, ["+37255555555"])
    assert result.cost == Decimal(1)
    poor.refresh_from_db()
    assert poor.balance == Decimal(0)
    with pytest.raises(InsufficientCredits):
        send(poor, ["+37255555556"])
