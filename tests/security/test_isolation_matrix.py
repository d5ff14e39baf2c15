"""Every URL that takes an object id, API and dashboard alike, walked with team B's credentials and
team A's ids: each method answers not-found and team A's object is untouched. A new URL joins the
matrix by itself; a URL parameter this file does not know how to fill fails the test."""

from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from contacts.keywords import keyword_create
from contacts.models import ContactImport
from contacts.services import contact_create, group_create, template_create
from messaging.models import BlacklistEntry
from messaging.services import Recipient, message_send
from tests.factories import UserFactory, issue_key
from tests.routes import url_patterns

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")
# URL parameters that are credentials, not object ids (checked elsewhere: tests/api/test_rest_v1_sms.py).
CREDENTIALS = {"token"}


def routes() -> Iterator[tuple[str, type]]:
    for route, pattern in url_patterns():
        view = getattr(pattern.callback, "view_class", None)
        if "<" in route and not route.startswith("admin/") and view is not None:
            yield route, view


def team_a_objects(owner) -> dict[str, Callable[[], object]]:
    """How to make one of team A's objects for each URL parameter, and the id that names it."""
    team = owner.team
    sent = message_send(
        actor=owner, recipients=[Recipient("+37255555555"), Recipient("+37255555556")], text="A", source="test"
    )
    return {
        "entry_id": BlacklistEntry.objects.create(team=team, number="+37255550001").pk,
        "contact_id": contact_create(team=team, number="+37255550002", first_name="A").pk,
        "group_id": group_create(team=team, name="A's group").pk,
        "template_id": template_create(team=team, name="A", text="Hello %first_name%").pk,
        "user_id": UserFactory(team=team, role=Role.MEMBER).pk,
        "message_id": sent.messages[0].uuid,
        "batch_id": sent.batch.pk,
        "import_id": ContactImport.objects.create(team=team, user=owner, content="number\n+37255550003\n").pk,
        "number": "+37255555555",  # a conversation of team A's (it sent there)
        "keyword_id": keyword_create(actor=owner, word="INFO", reply_text="A's hours").pk,
    }


def fill(route: str, ids: dict) -> str:
    import re

    def value(match):
        name = match.group(2)
        assert name in ids, f"the isolation matrix does not know how to fill <{name}> in {route}"
        return str(ids[name])

    return "/" + re.sub(r"<(\w+:)?(\w+)>", value, route)


def client_for(route: str, stranger) -> tuple[APIClient, dict]:
    client, key = APIClient(), issue_key(stranger)
    if route.startswith("api/rest/v1/"):
        return client, {"HTTP_EMAIL": stranger.email, "HTTP_TOKEN": key}
    if route.startswith(("raven/", "api/")):
        return client, {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_X_API_KEY": key}
    client.force_login(stranger)
    return client, {}


def test_no_route_gives_team_b_access_to_team_a_objects():
    owner = UserFactory(credits=100)
    stranger = UserFactory(credits=100)
    ids = team_a_objects(owner)
    checked = []
    for route, view in routes():
        params = set(__import__("re").findall(r"<(?:\w+:)?(\w+)>", route))
        if params & CREDENTIALS:
            continue
        url = fill(route, ids)
        client, auth = client_for(route, stranger)
        for method in METHODS:
            if not hasattr(view, method):
                continue
            response = (
                getattr(client, method)(url, {}, format="json", **auth) if method != "get" else client.get(url, **auth)
            )
            assert response.status_code == 404, (
                f"{method.upper()} {url} -> {response.status_code}: {response.content[:200]!r}"
            )
            checked.append(f"{method.upper()} {route}")
    assert len(checked) >= 30, checked
    # Team A's things are all still there, unchanged where it matters.
    owner.team.refresh_from_db()
    assert BlacklistEntry.objects.filter(pk=ids["entry_id"]).exists()
    from contacts.models import Contact, Group, Keyword, Template
    from messaging.models import Batch, Message

    assert Contact.objects.filter(pk=ids["contact_id"], first_name="A").exists()
    assert Group.objects.filter(pk=ids["group_id"]).exists() and Template.objects.filter(pk=ids["template_id"]).exists()
    message = Message.objects.get(uuid=ids["message_id"])
    assert not message.is_deleted and not message.is_read
    assert Batch.objects.get(pk=ids["batch_id"]).cancelled_at is None
    assert Keyword.objects.get(pk=ids["keyword_id"]).reply_text == "A's hours"
