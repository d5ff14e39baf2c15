"""HTTP API message (seed 002): every item has an id, also a refused one; a NUL byte in any
parameter is a 400 in the documented `errors` shape (on PostgreSQL it used to be a 500)."""

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
