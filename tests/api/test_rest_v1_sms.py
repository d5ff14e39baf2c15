"""REST API v1 sms and messages endpoints (seed 001)."""

from decimal import Decimal

import pytest

from accounts.models import KeyKind
from accounts.services import credit_top_up
from messaging.models import Batch, Message, Status
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db
BASE = "/api/rest/v1"


@pytest.fixture
def owner():
    return UserFactory(credits=50, email="owner@a.test")


@pytest.fixture
def post(api, auth, django_capture_on_commit_callbacks):
    def call(path, body=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(f"{BASE}/{path}", body or {}, format="json", **auth, **kwargs)

    return call


def test_send_returns_a_message_id_that_reaches_delivered(post, api, auth, owner):
    response = post(
        "sms/send", {"message": "Hello", "recipientNumber": "+27725551234", "campaign": "shoes", "dataField": "x1"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"messageId", "error"} and body["error"] is None
    detail = api.get(f"{BASE}/messages/{body['messageId']}", **auth).json()
    assert detail["messageStatus"] == "DELIVERED" and detail["toNumber"] == "+27725551234"
    assert detail["campaign"] == "shoes" and detail["userDataField"] == "x1" and detail["creditCost"] == 1.0
    owner.refresh_from_db()
    assert owner.balance == Decimal(49)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"message": "Hi", "recipientNumber": "12"}, 2, "recipientNumber"),
        ({"message": "", "recipientNumber": "+27725551234"}, 3, "message"),
        ({"message": "   ", "recipientNumber": "+27725551234"}, 3, "message"),
        ({"message": "Hi", "recipientNumber": "+27725551234", "dateToSend": "next tuesday"}, 400, "dateToSend"),
        ({"message": "x" * 1601, "recipientNumber": "+27725551234"}, 400, "message"),
    ],
)
def test_send_validation_errors_are_documented_and_change_nothing(post, owner, body, code, field):
    response = post("sms/send", body)
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["errors"]
    assert not Message.objects.exists()
    owner.refresh_from_db()
    assert owner.balance == Decimal(50)


def test_send_without_enough_credits_is_400_and_changes_nothing(api):
    poor = UserFactory(credits=1)
    auth = {"HTTP_EMAIL": poor.email, "HTTP_TOKEN": issue_key(poor)}
    body = {"message": "x" * 300, "recipientNumber": "+27725551234"}  # two segments, two credits
    response = api.post(f"{BASE}/sms/send", body, format="json", **auth)
    assert response.status_code == 400 and "Insufficient credits" in response.json()["message"]
    assert not Message.objects.exists()
    poor.refresh_from_db()
    assert poor.balance == Decimal(1)


def test_dateToSend_schedules_in_the_team_time_zone(post, owner):
    owner.team.time_zone = "Africa/Johannesburg"
    owner.team.save()
    response = post("sms/send", {"message": "Later", "recipientNumber": "+27725551234", "dateToSend": "203001151030"})
    message = Message.objects.get(uuid=response.json()["messageId"])
    assert message.status == Status.QUEUE
    assert message.scheduled_at.isoformat() == "2030-01-15T08:30:00+00:00"


def test_send_bulk_answers_each_request_in_order(post, owner):
    body = {
        "sendSmsRequests": [
            {"message": "One", "recipientNumber": "+27725551234"},
            {"message": "Two", "recipientNumber": "bad"},
            {"message": "", "recipientNumber": "+27725551235"},
            {"message": "Four", "recipientNumber": "+27725551236", "campaign": "c4"},
        ],
        "messagesPerMinute": 0,
    }
    response = post("sms/send-bulk", body)
    assert response.status_code == 200, response.content
    answers = response.json()["sendSmsResponses"]
    assert [a["error"] for a in answers] == [None, "Invalid mobile number", "Message cannot be empty", None]
    assert answers[0]["messageId"] and answers[3]["messageId"]
    assert Batch.objects.get().total == 2
    assert Message.objects.get(uuid=answers[3]["messageId"]).campaign == "c4"


def test_send_url_parameters_and_url_token(api, owner, django_capture_on_commit_callbacks):
    token = issue_key(owner)
    params = {"email": owner.email, "token": token, "recipientNumber": "+27725551234", "message": "Via URL"}
    with django_capture_on_commit_callbacks(execute=True):
        assert api.get(f"{BASE}/sms/send-url-parameters", params).status_code == 200
    url_token = issue_key(owner, kind=KeyKind.URL)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get(f"{BASE}/sms/send-url/{url_token}", {"recipientNumber": "+27725551234", "message": "Token"})
    assert response.status_code == 200 and response.json()["messageId"]
    # The REST API token is not a URL-sending token, and the other way round.
    assert (
        api.get(f"{BASE}/sms/send-url/{token}", {"recipientNumber": "+27725551234", "message": "x"}).status_code == 401
    )
    assert api.get(f"{BASE}/account/balance", {"email": owner.email, "token": url_token}).status_code == 401
    assert Message.objects.count() == 2


def test_messages_list_filters_and_pages(post, api, auth, owner):
    for i in range(3):
        post(
            "sms/send",
            {
                "message": f"Hello {i}",
                "recipientNumber": f"+2772555123{i}",
                "campaign": "even" if i % 2 == 0 else "odd",
            },
        )
    page = api.get(f"{BASE}/messages/all", {"pageSize": 2, "page": 1}, **auth).json()
    assert (page["totalElements"], page["totalPages"], page["elements"]) == (3, 2, 2)
    assert page["webServiceMessages"][0]["message"] == "Hello 2"
    assert api.get(f"{BASE}/messages/all", {"campaign": "odd"}, **auth).json()["totalElements"] == 1
    assert api.get(f"{BASE}/messages/all", {"status": "DELIVERED"}, **auth).json()["totalElements"] == 3
    assert api.get(f"{BASE}/messages/all", {"status": "FAILED"}, **auth).json()["totalElements"] == 0
    assert api.get(f"{BASE}/messages/all", {"toNumber": "27725551231"}, **auth).json()["totalElements"] == 1
    assert api.get(f"{BASE}/messages/all", {"type": "INBOUND"}, **auth).json()["totalElements"] == 0
    assert api.get(f"{BASE}/messages/all", {"fromDateTimeSent": "bad"}, **auth).status_code == 400


def test_other_teams_messages_are_404_everywhere(post, api, owner):
    stranger = UserFactory(credits=5)
    post("sms/send", {"message": "Mine", "recipientNumber": "+27725551234"})
    theirs = Message.objects.get()
    auth = {"HTTP_EMAIL": stranger.email, "HTTP_TOKEN": issue_key(stranger)}
    for method, path in [("get", ""), ("delete", ""), ("post", "/markRead"), ("put", "/markUnread")]:
        assert getattr(api, method)(f"{BASE}/messages/{theirs.uuid}{path}", **auth).status_code == 404
    assert api.get(f"{BASE}/messages/all", **auth).json()["totalElements"] == 0
    theirs.refresh_from_db()
    assert not theirs.is_deleted and not theirs.is_read


def test_mark_read_unread_and_delete(post, api, auth):
    message_id = post("sms/send", {"message": "Hi", "recipientNumber": "+27725551234"}).json()["messageId"]
    assert api.put(f"{BASE}/messages/{message_id}/markRead", **auth).json()["read"] is True
    assert api.post(f"{BASE}/messages/{message_id}/markUnread", **auth).json()["read"] is False
    assert api.delete(f"{BASE}/messages/{message_id}", **auth).status_code == 204
    assert api.get(f"{BASE}/messages/all", **auth).json()["totalElements"] == 0
    assert api.get(f"{BASE}/messages/all", {"deleted": "true"}, **auth).json()["totalElements"] == 1


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("message-encoding", "UNICODE"),
        ("message-length", 7),
        ("number-of-messages", 1),
        ("message-length-within-max-allowed", True),
        ("message-credit-cost", 1.0),
    ],
)
def test_analyse_endpoints_return_the_documented_value(api, auth, part, expected):
    response = api.post(
        f"{BASE}/messages/analyse/{part}",
        {"message": "Hello 😀", "recipientNumber": "+27725551234"},
        format="json",
        **auth,
    )
    assert response.status_code == 200
    assert response.json() == expected


def test_analyse_full_counts_segments_and_cost(api, auth):
    response = api.post(
        f"{BASE}/messages/analyse/full",
        {"message": "€" * 100, "recipientNumber": "+27725551234"},
        format="json",
        **auth,
    )
    body = response.json()
    assert body["messageEncoding"] == "GSM7" and body["numberOfMessages"] == 2 and body["messageCreditCost"] == 2.0


def test_statistics_by_count_and_by_credit(post, api, auth, owner):
    post("sms/send", {"message": "x" * 200, "recipientNumber": "+27725551234", "campaign": "c1"})
    post("sms/send", {"message": "Hi", "recipientNumber": "+27725550666"})  # undelivered by the simulator
    counts = api.get(f"{BASE}/account/statistics", **auth).json()
    assert (
        counts["grandTotal"]["delivered"] == 1
        and counts["grandTotal"]["failed"] == 1
        and counts["grandTotal"]["total"] == 2
    )
    assert counts["users"][0]["campaigns"][1]["campaign"] == "c1"
    credits = api.get(f"{BASE}/account/statistics", {"calculateCreditValue": "true"}, **auth).json()
    assert credits["showingCreditValue"] is True and credits["grandTotal"]["total"] == 3.0
    assert api.get(f"{BASE}/account/statistics", {"from": "2020-01-01"}, **auth).status_code == 400


def test_a_send_takes_a_fixed_number_of_queries(api, auth, django_assert_max_num_queries):
    single = {"message": "Hi", "recipientNumber": "+27725550000"}
    with django_assert_max_num_queries(13):  # key, prices, blacklist, the writes (dispatch comes after the answer)
        assert api.post(f"{BASE}/sms/send", single, format="json", **auth).status_code == 200


@pytest.mark.postgres  # SQLite's bulk_create takes one INSERT per ~30 rows (its parameter limit)
def test_a_bulk_send_takes_the_same_queries_for_2_or_1000_recipients(api, auth, owner, django_assert_max_num_queries):
    credit_top_up(user=owner, amount=2000, actor=None, memo="for 1,002 messages")

    def bulk(count: int, offset: int):
        requests = [{"message": "Hi", "recipientNumber": f"+2772555{offset + i:04d}"} for i in range(count)]
        return api.post(f"{BASE}/sms/send-bulk", {"sendSmsRequests": requests}, format="json", **auth)

    with django_assert_max_num_queries(30) as few:
        assert bulk(2, 0).status_code == 200
    with django_assert_max_num_queries(len(few)):
        assert bulk(1000, 2).status_code == 200
