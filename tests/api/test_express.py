"""The hottest endpoints through the served WSGI application, whose express lane answers their plain
requests (api/express.py): REST API v1 `sms/send` and the 2FA send and verify of seed 000. Each
answer must be the one the full view gives, headers included, and whatever the lane does not take
must reach the full view untouched."""

import json
from decimal import Decimal

import pytest

from accounts.models import CreditEntry
from accounts.services import api_key_revoke
from config.handler import SplitHandler
from messaging.models import Message
from otp.models import Pin
from tests.factories import issue_key
from tests.served import served_app

pytestmark = pytest.mark.django_db
PATH = "/api/rest/v1/sms/send"
PLAIN = {"message": "Hello", "recipientNumber": "+27725551234", "campaign": "shoes", "dataField": "x1"}
VARIES = {"X-RateLimit-Remaining", "Content-Length"}  # a count, and the length of a new message id


@pytest.fixture
def app(django_capture_on_commit_callbacks):
    """The served application (tests/served.py), its JSON bodies read."""
    with served_app() as served:

        def call(body, *, headers, lane=None, path=PATH, query=""):
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            with django_capture_on_commit_callbacks(execute=True):
                status, answer_headers, content = served(
                    "POST", path, body=raw, query=query, headers=headers, content_type="application/json", lane=lane
                )
            return status, answer_headers, json.loads(content) if content else None

        call.handler = served.handler
        yield call


@pytest.fixture
def headers(user, key):
    return {"Email": user.email, "Token": key}


@pytest.fixture
def express_only(app, monkeypatch):
    """The express lane must answer by itself: reaching the full view fails the test."""

    def refuse(environ, start_response):
        raise AssertionError("the request left the express lane")

    monkeypatch.setattr(app.handler.express, "full", refuse)


def both_lanes(app, body, headers, path=PATH):
    """The answer of the served application and of the full view alone, to the same request."""
    return app(body, headers=headers, path=path), app(body, headers=headers, path=path, lane=app.handler.api)


def assert_alike(first, second):
    (status, head, body), (status_2, head_2, body_2) = first, second
    assert status == status_2
    assert {k: v for k, v in head.items() if k not in VARIES} == {k: v for k, v in head_2.items() if k not in VARIES}
    if status == 200:
        assert set(body) == set(body_2) == {"messageId", "error"} and body["error"] is None
    else:
        assert body == body_2


def test_a_plain_send_is_stored_charged_and_answered_by_the_express_lane(app, express_only, headers, user):
    status, head, body = app(PLAIN, headers=headers)
    assert status == 200 and body["error"] is None
    message = Message.objects.get(uuid=body["messageId"])
    assert (message.recipient, message.campaign, message.data_field) == ("+27725551234", "shoes", "x1")
    assert message.user == user
    user.refresh_from_db()
    assert user.balance == Decimal(99)
    assert CreditEntry.objects.get(message=message).amount == Decimal(-1)
    assert head["Content-Type"] == "application/json" and int(head["X-RateLimit-Remaining"]) > 0


def test_the_express_answer_is_the_full_views_answer_headers_included(app, headers):
    assert_alike(*both_lanes(app, PLAIN, headers))
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Hi", "recipientNumber": "12"},  # documented code 2
        {"message": "", "recipientNumber": "+27725551234"},  # documented code 3
        {"message": "Hi", "recipientNumber": "+27725551234", "dateToSend": "next tuesday"},
        {"message": "x" * 1601, "recipientNumber": "+27725551234"},
    ],
)
def test_refusals_in_the_express_lane_are_the_full_views_and_change_nothing(app, express_only, headers, user, body):
    express_answer = app(body, headers=headers)
    app.handler.express.full = app.handler.api  # the comparison's own call
    assert_alike(express_answer, app(body, headers=headers, lane=app.handler.api))
    assert express_answer[0] == 400
    assert not Message.objects.exists() and not CreditEntry.objects.filter(amount__lt=0).exists()


def test_not_enough_credits_is_refused_alike(app, user, headers):
    user.balance = Decimal(0)
    user.save(update_fields=["balance"])
    express_answer, full_answer = both_lanes(app, PLAIN, headers)
    assert_alike(express_answer, full_answer)
    assert express_answer[0] == 400 and "credits" in express_answer[2]["message"].lower()
    assert not Message.objects.exists()


def test_past_the_rate_limit_the_answer_is_429_with_retry_after(app, user, headers):
    user.team.api_rate_limit = 1
    user.team.save(update_fields=["api_rate_limit"])
    assert app(PLAIN, headers=headers)[0] == 200
    status, head, body = app(PLAIN, headers=headers)
    assert status == 429 and int(head["Retry-After"]) >= 1 and body["code"] == 429
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Hi", "recipientNumber": 27725551234},  # a number, not a string
        {"message": "Hi", "recipientNumber": " +27725551234 "},  # spaces the serializer trims
        {"message": "Hi", "recipientNumber": "+27725551234", "campaign": "c" * 101},  # over its limit
        {"message": "Hi\x00", "recipientNumber": "+27725551234"},
        {"message": "Hi \ud800", "recipientNumber": "+27725551234"},  # a lone surrogate
        ["not", "an", "object"],
        b"{not json",
        b'{"message": ' + b"[" * 50_000,  # nested past Python's decoder
    ],
)
def test_what_the_lane_does_not_take_gets_the_full_views_answer(app, headers, body):
    express_answer, full_answer = both_lanes(app, body, headers)
    assert_alike(express_answer, full_answer)


@pytest.mark.parametrize("problem", ["wrong email", "revoked", "deactivated"])
def test_refused_credentials_get_the_full_views_401(app, user, key, headers, problem):
    if problem == "wrong email":
        headers = {**headers, "Email": "someone@else.test"}
    elif problem == "revoked":
        api_key_revoke(key=user.api_keys.get())
    else:
        user.is_active = False
        user.save(update_fields=["is_active"])
    express_answer, full_answer = both_lanes(app, PLAIN, headers)
    assert_alike(express_answer, full_answer)
    assert express_answer[0] == 401 and not Message.objects.exists()


def test_an_idempotency_key_or_a_query_string_takes_the_full_lane(app, headers):
    assert not app.handler.express.wants({"PATH_INFO": PATH, "REQUEST_METHOD": "POST", "HTTP_IDEMPOTENCY_KEY": "k1"})
    once = app(PLAIN, headers={**headers, "Idempotency-Key": "k1"})
    again = app(PLAIN, headers={**headers, "Idempotency-Key": "k1"})
    assert once[0] == again[0] == 200 and once[2] == again[2]
    assert Message.objects.count() == 1
    status, _, _ = app(PLAIN, headers=headers, query=f"email={headers['Email']}")
    assert status == 200 and Message.objects.count() == 2


def test_an_https_redirect_of_the_security_middleware_is_the_full_views(app, headers, settings):
    settings.SECURE_SSL_REDIRECT = True
    app.handler = SplitHandler()  # its middleware reads the setting when built
    express_answer = app(PLAIN, headers=headers, lane=app.handler)
    assert express_answer[0] == 301 and express_answer[1]["Location"].startswith("https://")
    assert not Message.objects.exists()


def test_credentials_that_cannot_be_checked_go_to_the_full_view(app, headers, monkeypatch):
    from django.db import OperationalError

    from api.rest_v1 import sms

    def unreachable(email, token):
        raise OperationalError("the database is out of reach")

    monkeypatch.setattr(sms, "email_token_user", unreachable)  # the lane's lookup only
    status, _, body = app(PLAIN, headers=headers)
    assert status == 200 and Message.objects.filter(uuid=body["messageId"]).exists()


def test_another_teams_key_with_this_email_is_refused(app, headers):
    from tests.factories import UserFactory

    stranger = UserFactory(credits=100)
    status, _, body = app(PLAIN, headers={"Email": headers["Email"], "Token": issue_key(stranger)})
    assert status == 401 and body["message"] == "The email does not match the token."
    assert not Message.objects.exists()


# ---- 2FA (seed 000) ------------------------------------------------------------------------------

SEND_PIN, VERIFY_PIN = "/api/2fa/send", "/api/2fa/verify"


@pytest.fixture
def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_a_pin_is_sent_and_verified_by_the_express_lane(app, express_only, bearer, user):
    status, _, body = app({"receiver": "+37255555555", "pin_length": 6}, headers=bearer, path=SEND_PIN)
    assert status == 200 and body["response"]["sms"] == "sent" and len(body["response"]["pin"]) == 6
    pin = Pin.objects.get(pin_id=body["response"]["pin_id"])
    assert pin.receiver == "+37255555555" and pin.message.recipient == "+37255555555"
    user.refresh_from_db()
    assert user.balance == Decimal(99)
    check = {"pin": body["response"]["pin"].lower(), "pin_id": body["response"]["pin_id"]}
    status, _, answer = app(check, headers=bearer, path=VERIFY_PIN)
    assert status == 200 and answer["response"]["auth_status"] == "User has been authenticated"
    assert answer["response"]["pin"] == body["response"]["pin"]


def test_pin_answers_are_the_full_views_answers(app, bearer):
    sent = [app({"receiver": f"+3725555555{i}"}, headers=bearer, path=SEND_PIN, lane=lane) for i, lane in
            enumerate((app.handler, app.handler.api))]  # fmt: skip
    assert_alike_pins(*sent)
    wrong = {"pin": "000000", "pin_id": sent[0][2]["response"]["pin_id"]}
    assert_alike(*both_lanes(app, wrong, bearer, path=VERIFY_PIN))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SEND_PIN, {"receiver": "12"}),  # an invalid number: a service refusal in the lane
        (SEND_PIN, {"receiver": "+37255555555", "pin_length": 3}),  # out of range: the full lane
        (SEND_PIN, {"receiver": "+37255555555", "api_token": "sk_wrong"}),  # a key in the body comes first
        (SEND_PIN, {}),
        (VERIFY_PIN, {"pin": "123", "pin_id": "A" * 20}),  # too short: the full lane
        (VERIFY_PIN, {"pin": "123456", "pin_id": "A" * 20}),  # no such PIN: a service refusal
    ],
)
def test_pin_refusals_are_the_full_views(app, bearer, path, body):
    assert_alike(*both_lanes(app, body, bearer, path=path))
    assert not Pin.objects.exists()


def test_a_pin_length_in_a_string_is_read_by_the_full_view(app, bearer, monkeypatch):
    taken = []
    monkeypatch.setattr(app.handler.express, "full", lambda *args: taken.append(1) or app.handler.api(*args))
    status, _, body = app({"receiver": "+37255555555", "pin_length": "8"}, headers=bearer, path=SEND_PIN)
    assert status == 200 and len(body["response"]["pin"]) == 8 and taken == [1]


def test_without_a_bearer_key_the_answer_is_the_full_views_401(app, key):
    for headers in ({}, {"Authorization": "Bearer sk_not-a-key"}):
        express_answer, full_answer = both_lanes(app, {"receiver": "+37255555555"}, headers, path=SEND_PIN)
        assert_alike(express_answer, full_answer)
        assert express_answer[0] == 401
    assert not Pin.objects.exists()


def assert_alike_pins(first, second):
    """Two sent PINs: alike but for the PIN and its id."""
    (status, head, body), (status_2, head_2, body_2) = first, second
    assert status == status_2 == 200
    assert {k: v for k, v in head.items() if k not in VARIES} == {k: v for k, v in head_2.items() if k not in VARIES}
    assert body["message"] == body_2["message"] and set(body["response"]) == set(body_2["response"])
