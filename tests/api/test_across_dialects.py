"""One message, seen through every dialect: sent in one, read the same in the others (the dialects are
adapters of one set of services)."""

import pytest

pytestmark = pytest.mark.django_db


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
