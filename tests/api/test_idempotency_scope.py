"""An Idempotency-Key belongs to the credential that sent it, and a stored replay never keeps a
secret: another member of the team (or another key) gets its own answer, never the first one, and
a repeated key request learns it was done without receiving, or leaving behind, the new key."""

import pytest

from accounts.models import ApiKey, Role
from api.models import IdempotencyRecord
from messaging.models import Message
from tests.factories import PASSWORD, UserFactory, issue_key

pytestmark = pytest.mark.django_db
SEND = {"message": "Once only", "recipientNumber": "+27725551234"}


@pytest.fixture
def owner():
    return UserFactory(credits=10, email="owner@a.test")


@pytest.fixture
def member(owner):
    return UserFactory(credits=10, team=owner.team, role=Role.MEMBER, email="member@a.test")


def generate(api, key: str, idem: str = "new-key-1"):
    return api.post(
        "/api/generate-key", {"expiry_days": 3}, format="json", HTTP_X_API_KEY=key, HTTP_IDEMPOTENCY_KEY=idem
    )


def test_a_member_reusing_the_owners_idempotency_key_gets_a_key_of_their_own(api, owner, member):
    owners = generate(api, issue_key(owner))
    members = generate(api, issue_key(member))
    assert owners.status_code == members.status_code == 201
    assert "Idempotent-Replayed" not in members
    assert members.json()["api_key"] != owners.json()["api_key"]
    assert ApiKey.objects.get(prefix=members.json()["prefix"]).user == member


def test_a_repeated_key_request_is_a_conflict_without_the_secret_and_none_is_stored(api, owner):
    key = issue_key(owner)
    first = generate(api, key)
    secret, prefix = first.json()["api_key"], first.json()["prefix"]
    again = generate(api, key)
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert secret not in again.content.decode() and prefix in again.json()["error"]
    assert ApiKey.objects.filter(user=owner).count() == 2  # the one used, and the one made once
    stored = b"".join(bytes(record.body or b"") for record in IdempotencyRecord.objects.all())
    assert stored and secret.encode() not in stored


def test_a_repeated_key_request_with_the_password_is_a_conflict_too(api, owner):
    body = {"username": owner.email, "password": PASSWORD}
    first = api.post("/api/generate-key", body, HTTP_IDEMPOTENCY_KEY="pw-1")
    again = api.post("/api/generate-key", body, HTTP_IDEMPOTENCY_KEY="pw-1")
    assert (first.status_code, again.status_code) == (201, 409)
    assert first.json()["api_key"] not in again.content.decode()
    assert ApiKey.objects.filter(user=owner).count() == 1


def test_a_send_replays_only_to_the_same_credential(api, owner, member, django_capture_on_commit_callbacks):
    owner_key, member_key, owner_second_key = issue_key(owner), issue_key(member), issue_key(owner)

    def send(user, key):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                "/api/rest/v1/sms/send",
                SEND,
                format="json",
                HTTP_IDEMPOTENCY_KEY="order-1",
                HTTP_EMAIL=user.email,
                HTTP_TOKEN=key,
            )

    assert send(owner, owner_key).status_code == 200
    assert send(owner, owner_key)["Idempotent-Replayed"] == "true"
    for user, key in ((member, member_key), (owner, owner_second_key)):
        response = send(user, key)
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Message.objects.count() == 3
    assert set(Message.objects.values_list("user__email", flat=True)) == {owner.email, member.email}
