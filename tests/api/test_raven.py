"""Outbound SMS (seed 003, package api/raven): the seed's examples with their documented answers, the
optional fields stored and answered back, the batch's refusals in the documented shape, and the list
of sent messages."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Callback, CallbackKind, Message, Status
from messaging.segments import MAX_CHARS
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db

EXTRAS = {
    "externalId": "campaign-7",
    "clientId": "customer-42",
    "email": "jane@example.com",
    "connection": "movistar-mx",
}


@pytest.fixture
def user():
    return UserFactory(credits=1000, email="integrator@example.com")


@pytest.fixture
def call(api, key, django_capture_on_commit_callbacks):
    def go(method, path, body=None, *, execute=True, **kwargs):
        kwargs.setdefault("HTTP_AUTHORIZATION", f"Bearer {key}")
        if body is not None:
            kwargs["format"] = "json"
        with django_capture_on_commit_callbacks(execute=execute):
            return getattr(api, method)(path, body, **kwargs)

    return go


def send(call, **fields):
    body = {"from": "12345", "text": "text demo", "to": "+525500000000", **fields}
    response = call("post", "/raven/v2/messages", body)
    assert response.status_code == 200, response.content
    return response.json()["data"]


# ---- clientId, email and connection: stored apart from externalId and answered back ------------------


def test_send_answers_each_optional_field_as_given(call):
    data = send(call, **EXTRAS)
    assert {name: data[name] for name in EXTRAS} == EXTRAS


def test_get_answers_client_id_email_connection_and_callbacks_as_sent(call):
    sent = send(call, requestDR=True, callbacks=["https://example.com/a", "https://example.com/b"], **EXTRAS)
    data = call("get", f"/raven/v2/messages/{sent['id']}").json()["data"]
    assert {name: data[name] for name in EXTRAS} == EXTRAS
    assert data["callbacks"] == "https://example.com/a,https://example.com/b"
    assert data["requestDR"] is True


def test_client_id_alone_is_not_answered_as_the_external_id(call):
    sent = send(call, clientId="customer-42")
    data = call("get", f"/raven/v2/messages/{sent['id']}").json()["data"]
    assert (data["externalId"], data["clientId"]) == ("", "customer-42")


def test_status_callback_carries_client_id_email_and_connection(call):
    send(call, requestDR=True, callbacks=["https://example.com/status"], **EXTRAS)
    callback = Callback.objects.filter(kind=CallbackKind.STATUS_JSON).first()
    assert callback is not None
    body = json.loads(callback.body)
    assert {name: body[name] for name in EXTRAS} == EXTRAS
    assert body["callbacks"] == "https://example.com/status"


def test_get_leaves_out_optional_fields_that_were_not_sent(call):
    sent = send(call)
    data = call("get", f"/raven/v2/messages/{sent['id']}").json()["data"]
    assert not {"email", "connection", "callbacks"} & set(data)
    assert (data["externalId"], data["clientId"], data["requestDR"]) == ("", "", False)


# ---- the v3 batch ---------------------------------------------------------------------------------------


def batch(call, **fields):
    body = {
        "from": "12345",
        "text": "Hi {0}, your balance is ${1}",
        "to": [
            {"to:": "+525500000000", "params": ["Elizabeth", 10.65]},
            {"to:": "+525511111111", "params": ["Joshua", 20.5]},
        ],
        "type": "MT",
        **fields,
    }
    return call("post", "/raven/v3/messages/batch", body)


def test_batch_answers_the_optional_fields_that_were_sent(call):
    response = batch(call, requestDR=True, callbacks="https://example.com/s1,https://example.com/s2", **EXTRAS)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert {name: data[name] for name in EXTRAS} == EXTRAS
    assert data["requestDR"] is True and data["callbacks"] == "https://example.com/s1,https://example.com/s2"
    for item in data["ids"]:
        message = call("get", f"/raven/v2/messages/{item['id']}").json()["data"]
        assert {name: message[name] for name in EXTRAS} == EXTRAS


def test_batch_with_a_text_over_the_limit_is_the_length_error(call):
    response = batch(call, text="x" * (MAX_CHARS + 1), to=[{"to": "+525500000000"}])
    assert response.status_code == 400, response.content
    answer = response.json()
    assert "exceeds the limit of allowed segments" in answer["meta"]["explain"]
    assert "text" in answer["errors"]
    assert answer["data"] is None
    assert not Message.objects.exists()


def test_batch_refuses_a_recipient_whose_placeholders_have_no_params(call):
    response = batch(
        call,
        to=[
            {"to": "+525500000000", "params": ["Elizabeth", 10.65]},
            {"to": "+525511111111", "params": ["Joshua"]},
            {"to": "+525522222222"},
        ],
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    data = answer["data"]
    assert [i["mobile"] for i in data["ids"]] == ["+525500000000"]
    assert data["invalidNumber"] == []
    refused = {r["mobile"]: r for r in data["refused"]}
    assert set(refused) == {"+525511111111", "+525522222222"}
    assert "{1}" in refused["+525511111111"]["explain"] and "{0}" in refused["+525522222222"]["explain"]
    assert "1 queued" in answer["meta"]["explain"] and "2 refused" in answer["meta"]["explain"]
    assert list(Message.objects.values_list("text", flat=True)) == ["Hi Elizabeth, your balance is $10.65"]


def test_batch_whose_every_recipient_lacks_params_is_refused(call):
    response = batch(call, to=[{"to": "+525500000000"}])
    assert response.status_code == 400, response.content
    assert "{0}" in response.json()["meta"]["explain"]
    assert not Message.objects.exists()


# ---- the list of sent messages --------------------------------------------------------------------------


def test_list_is_paginated_newest_first(call):
    ids = [send(call, text=f"m{i}")["id"] for i in range(3)]
    response = call("get", "/raven/v2/messages?pageSize=2")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert [m["id"] for m in answer["data"]] == ids[::-1][:2]
    assert answer["meta"]["page"] == 1 and answer["meta"]["pageSize"] == 2
    assert answer["meta"]["totalElements"] == 3 and answer["meta"]["totalPages"] == 2
    second = call("get", "/raven/v2/messages?pageSize=2&page=2").json()
    assert [m["id"] for m in second["data"]] == ids[:1]


def test_list_filters_by_status_ids_and_date(call, user):
    first = send(call, externalId="a", clientId="x")
    second = send(call, externalId="b", clientId="y")
    Message.objects.filter(uuid=second["id"]).update(status=Status.UNDELIV)
    Message.objects.filter(uuid=first["id"]).update(
        status=Status.DELIVRD, created_at=timezone.now() - timedelta(days=10)
    )

    def listed(query):
        response = call("get", f"/raven/v2/messages?{query}")
        assert response.status_code == 200, response.content
        return [m["id"] for m in response.json()["data"]]

    assert listed("externalId=a") == [first["id"]]
    assert listed("clientId=y") == [second["id"]]
    assert listed("status=UNDELIV") == [second["id"]]
    assert listed("status=UNDELIV,QUEUE,DELIVRD") == [second["id"], first["id"]]
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert listed(f"dateFrom={since}") == [second["id"]]
    assert listed(f"dateTo={since}") == [first["id"]]


def test_list_refuses_bad_filters_in_the_envelope(call):
    for query in ("status=NOPE", "dateFrom=yesterday", "page=0x", "pageSize=many"):
        response = call("get", f"/raven/v2/messages?{query}")
        assert response.status_code == 400, query
        assert response.json()["meta"]["explain"] and response.json()["data"] is None


def test_list_never_shows_another_teams_messages(call):
    mine = send(call)
    other = UserFactory(credits=100)
    other_key = issue_key(other)
    theirs = send(lambda *a, **k: call(*a, HTTP_AUTHORIZATION=f"Bearer {other_key}", **k))
    assert [m["id"] for m in call("get", "/raven/v2/messages").json()["data"]] == [mine["id"]]
    listed = call("get", "/raven/v2/messages", HTTP_AUTHORIZATION=f"Bearer {other_key}").json()["data"]
    assert [m["id"] for m in listed] == [theirs["id"]]
    assert call("get", "/raven/v2/messages?clientId=&externalId=&pageSize=1000").json()["meta"]["totalElements"] == 1


def test_list_needs_a_key(api):
    response = api.get("/raven/v2/messages")
    assert response.status_code == 401 and "meta" in response.json()


def test_list_queries_do_not_grow_with_the_page(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert call("get", "/raven/v2/messages").status_code == 200
        return len(captured)

    send(call)
    one = queries()
    for i in range(5):
        send(call, text=f"more {i}")
    assert queries() == one


# ---- The seed's examples ------------------------------------------------------------------------


def test_seed_send_example_and_status(call, key):
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


def test_seed_batch_example_with_placeholders(call, key):
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


def test_seed_errors_keep_the_envelope(call, key):
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
    assert call("post", "/raven/v2/messages", {}, HTTP_AUTHORIZATION="").status_code == 401
