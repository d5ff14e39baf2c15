"""HTTP API message (seed 002, package api/http_message): the seed's examples with their documented
answers; every item has an id, also a refused one; a NUL byte in any parameter is a 400 in the
documented `errors` shape (on PostgreSQL it used to be a 500)."""

import uuid
from urllib.parse import urlencode

import pytest

from messaging.models import Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(api, django_capture_on_commit_callbacks):
    def go(path, body=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=False):
            return api.post(path, body, **kwargs)

    return go


def test_a_refused_number_gets_an_id_of_its_own(call, user):
    query = urlencode(
        [
            ("_login", user.email),
            ("_password", PASSWORD),
            ("destination_number", "12123388100"),
            ("destination_number", "1"),
            ("destination_number", "2"),
            ("body", "test"),
        ]
    )
    data = call(f"/api/message?{query}").json()["data"]
    assert [d["attributes"]["status"] for d in data] == ["ok", "error", "error"]
    ids = [d["id"] for d in data]
    assert all(ids) and len(set(ids)) == 3
    for refused in ids[1:]:
        uuid.UUID(refused)  # the same form as a message id
        assert not Message.objects.filter(uuid=refused).exists()
    assert Message.objects.get().uuid == uuid.UUID(ids[0])


REFUSED = {"body": "body", "source_name": "source_name", "source_number": "source_name", "request_id": "request_id"}


@pytest.mark.parametrize("field", ["_login", "_password", "destination_number", *REFUSED])
@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_a_nul_byte_in_any_parameter_is_a_4xx_in_the_documented_shape(call, user, field, where):
    """On PostgreSQL this was a 500 for `_login`, `body`, `source_name` and `request_id`."""
    params = {
        "_login": user.email,
        "_password": PASSWORD,
        "destination_number": "3725555\x005555",
        "body": "hi",
        "source_number": "+37255555500",
        "request_id": "r1",
    }
    if field == "destination_number":
        params[field] = "3725555\x005555"
    else:
        params["destination_number"] = "37255555555"
        params[field] = params.get(field, "Acme") + "\x00x"
    if where == "query":
        response = call(f"/api/message?{urlencode(params)}")
    elif where == "form":
        response = call("/api/message", params)
    else:
        response = call("/api/message", params, format="json")
    answer = response.json()
    if field in ("_login", "_password"):
        assert response.status_code == 401
        assert answer["errors"][0]["code"] == "authentication"
    elif field == "destination_number":  # libphonenumber reads the digits around it; nothing stores a NUL
        assert response.status_code == 200
        assert [m.recipient for m in Message.objects.all()] == ["+37255555555"]
        return
    else:
        assert response.status_code == 422, response.content
        [error] = answer["errors"]
        assert "NUL" in error["detail"] and error["source"] == {"parameter": REFUSED[field]} and error["title"]
    assert ("data" in answer) != ("errors" in answer)
    assert not Message.objects.exists()


@pytest.mark.parametrize("request_id", [None, []])
def test_a_json_null_or_empty_request_id_is_no_request_id(call, user, request_id):
    """JSON null (or an empty list) is no value: it used to come back, and be stored, as "None"."""
    body = {
        "_login": user.email,
        "_password": PASSWORD,
        "destination_number": "37255555555",
        "body": "hi",
        "request_id": request_id,
    }
    answer = call("/api/message", body, format="json").json()
    assert answer["data"]["attributes"]["status"] == "ok"
    assert "meta" not in answer["data"]
    assert Message.objects.get().client_ref == ""


def test_a_json_null_body_is_no_text_not_the_word_none(call, user):
    body = {"_login": user.email, "_password": PASSWORD, "destination_number": "37255555555", "body": None}
    response = call("/api/message", body, format="json")
    assert not Message.objects.filter(text="None").exists()
    assert response.status_code == 422


# ---- The seed's examples ------------------------------------------------------------------------


def test_seed_one_recipient_example(call, user):
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
    response = call(f"/api/message?{query}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["attributes"] == {"destination_number": "12123388100", "segments": 1, "status": "ok"}
    assert data["type"] == "message" and data["meta"] == {"request_id": "1"} and data["id"]
    assert "errors" not in response.json()


def test_seed_two_recipients_example(call, user):
    query = (
        f"_login={user.email}&_password={PASSWORD}&destination_number=12123388100&body=test&require_dlr=1&request_id=1"
        "&destination_number=12123388101&body=test1&require_dlr=1&request_id=2"
    )
    data = call(f"/api/message?{query}").json()["data"]
    assert [d["attributes"]["destination_number"] for d in data] == ["12123388100", "12123388101"]
    assert [d["meta"]["request_id"] for d in data] == ["1", "2"]
    assert sorted(Message.objects.values_list("text", flat=True)) == ["test", "test1"]


def test_seed_authentication_error_example(call, user):
    query = urlencode({"_login": user.email, "_password": "wrong", "destination_number": "12123388100", "body": "test"})
    response = call(f"/api/message?{query}")
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


def test_seed_bad_number_is_an_error_entry_and_silent_sms(call, user):
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
    data = call(f"/api/message?{query}").json()["data"]
    assert [d["attributes"]["status"] for d in data] == ["ok", "error"]
    assert Message.objects.get().silent is True
