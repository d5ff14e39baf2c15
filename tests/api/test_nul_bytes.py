"""A NUL character (U+0000) in what a send stores (text, sender, references, callbacks) is refused
by message_send for every dialect, and credentials holding one are wrong credentials: a 4xx in
each dialect's shape, nothing stored (PostgreSQL refuses NUL in text: it was a 500)."""

import pytest

from messaging.models import Message

pytestmark = pytest.mark.django_db


def test_outbound_sms_send_batch_and_list(api, key):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"from": "Acme", "text": "hi", "to": "+37255555555", "externalId": "a\x00b"}
    response = api.post("/raven/v2/messages", body, format="json", **auth)
    assert response.status_code == 400 and response.json()["meta"]["explain"]
    batch = {"from": "Acme", "text": "Hi {0}", "to": [{"to": "+37255555555", "params": ["x\x00"]}]}
    response = api.post("/raven/v3/messages/batch", batch, format="json", **auth)
    assert response.status_code == 400 and "NUL" in response.json()["meta"]["explain"]
    assert response.json()["errors"] == {"text": ["The text may not contain a NUL character."]}
    for query in ("clientId=a%00b", "externalId=%00", "status=QUEUE%00"):
        response = api.get(f"/raven/v2/messages?{query}", **auth)
        assert response.status_code == 400 and response.json()["data"] is None, query
    assert not Message.objects.exists()


def test_sms_api_v2_messenger_and_rest_v1(api, user, key):
    response = api.post("/api", {"api_token": key, "smstext": "a\x00", "receiver": "37255555555", "sender": "Acme"})
    assert 400 <= response.status_code < 500 and response.json()
    response = api.post(
        "/api/rest/v1/sms/send",
        {"message": "hi", "recipientNumber": "37255555555", "campaign": "\x00"},
        format="json",
        HTTP_EMAIL=user.email,
        HTTP_TOKEN=key,
    )
    assert response.status_code == 400 and response.json()
    response = api.get("/api/v2/sms/send", {"api_key": key, "numbers": "+254701234567", "message_body": "H\x00i"})
    assert 400 <= response.status_code < 500 and response.json()
    assert not Message.objects.exists()


def test_a_credential_holding_a_nul_is_wrong(api, user):
    response = api.post(
        "/v1/sms/send",
        {"numbers": "+254701234567", "message_body": "Hi", "username": user.email + "\x00", "password": "x"},
    )
    assert response.status_code == 401
    response = api.post("/api", {"api_token": "\x00", "smstext": "Hi", "receiver": "37255555555"})
    assert response.status_code == 401
