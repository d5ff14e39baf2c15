"""A send answers from what it wrote: once the messages and the charge are committed, no query runs
before the answer (a connection dropped at that moment cannot turn a committed send into a 500);
and a send on a connection the database dropped before it started reconnects and answers OK."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import CreditEntry, EntryKind
from messaging.models import Message
from messaging.services.blacklist import blacklist_add
from tests.factories import PASSWORD, UserFactory, issue_key
from tests.outages import queue_not_run

NUMBER, BLACKLISTED = "+37255555555", "+37255555599"


def _sends(user, key, client):
    api = APIClient()
    client.force_login(user)
    return {
        "seed 000": lambda to: api.post("/api", {"api_token": key, "smstext": "Hi", "receiver": to, "sender": "Bar"}),
        "seed 001": lambda to: api.post(
            "/api/rest/v1/sms/send",
            {"message": "Hi", "recipientNumber": to},
            format="json",
            HTTP_EMAIL=user.email,
            HTTP_TOKEN=key,
            HTTP_IDEMPOTENCY_KEY=f"k-{to}",
        ),
        "seed 001 bulk": lambda to: api.post(
            "/api/rest/v1/sms/send-bulk",
            {"sendSmsRequests": [{"message": "Hi", "recipientNumber": to}, {"message": "Yo", "recipientNumber": to}]},
            format="json",
            HTTP_EMAIL=user.email,
            HTTP_TOKEN=key,
        ),
        "seed 002": lambda to: api.post(
            "/api/message",
            {"_login": user.email, "_password": PASSWORD, "body": "Hi", "destination_number": to},
        ),
        "seed 003": lambda to: api.post(
            "/raven/v2/messages",
            {"to": to, "text": "Hi", "from": "Bar"},
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        ),
        "seed 004 v1": lambda to: api.post(
            "/v1/sms/send",
            {"username": user.email, "password": PASSWORD, "numbers": to, "message_body": "Hi"},
            format="json",
        ),
        "seed 004 v2": lambda to: api.post(
            "/api/v2/sms/send", {"numbers": to, "message_body": "Hi"}, format="json", HTTP_X_API_KEY=key
        ),
        "dashboard": lambda to: client.post("/send/", {"numbers": to, "text": "Hi", "conversion": "0"}),
        "dashboard group send": lambda to: client.post("/groups/send/", {"numbers": to, "text": "Hi"}),
    }


SENDS = [
    "seed 000",
    "seed 001",
    "seed 001 bulk",
    "seed 002",
    "seed 003",
    "seed 004 v1",
    "seed 004 v2",
    "dashboard",
    "dashboard group send",
]


@pytest.mark.django_db(transaction=True)  # real commits
@pytest.mark.parametrize("to", [NUMBER, BLACKLISTED], ids=["charged", "blacklisted (nothing charged)"])
@pytest.mark.parametrize("name", SENDS)
def test_no_query_runs_between_the_commit_and_the_answer(client, name, to, monkeypatch):
    from messaging.services.intake import INTAKE

    user = UserFactory(credits=100)
    blacklist_add(team=user.team, number=BLACKLISTED)
    send = _sends(user, issue_key(user), client)[name]
    stored_by_group = []  # on PostgreSQL a single send is committed by the intake's writer thread
    grouped = INTAKE.submit
    monkeypatch.setattr(
        INTAKE, "submit", lambda item: (grouped(item), stored_by_group.append(len(connection.queries_log)))[0]
    )
    with queue_not_run(), CaptureQueriesContext(connection) as queries:
        response = send(to)
    assert response.status_code in (200, 201, 302), response.content
    sql = [q["sql"] for q in queries.captured_queries]  # Django lists each COMMIT too
    if stored_by_group:  # committed when submit returned: nothing after it on this request's connection
        assert [q[:120] for q in sql[stored_by_group[-1] - queries.initial_queries :]] == []
        assert Message.objects.filter(recipient=to).exists()
        return
    # The send's transaction writes the daily counters after the messages (which PostgreSQL gets by a COPY,
    # not listed here), so the first COMMIT after them is the send's.
    inserted = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "messaging_dailycount"'))
    committed = sql.index("COMMIT", inserted)
    assert [q[:120] for q in sql[committed + 1 :]] == []
    assert Message.objects.filter(recipient=to).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["seed 001", "dashboard"])
def test_a_send_on_a_connection_the_database_dropped_reconnects_and_answers_ok(client, name):
    user = UserFactory(credits=10)
    send = _sends(user, issue_key(user), client)[name]
    connection.ensure_connection()
    connection.close_at = None  # persistent, as DATABASE_URL's conn_max_age makes it in production
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def terminate():  # as a database restart, or an operator, would
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connection.close()

    killer = threading.Thread(target=terminate)
    killer.start()
    killer.join(10)
    close_old_connections()  # what Django runs as each request starts (the test client skips it)
    with queue_not_run():
        response = send(NUMBER)
    assert response.status_code in (200, 302), response.content
    assert Message.objects.count() == 1
    user.refresh_from_db()
    assert user.balance == Decimal(9)
    assert CreditEntry.objects.filter(user=user, kind=EntryKind.CHARGE).count() == 1
