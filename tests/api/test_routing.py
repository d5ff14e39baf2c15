"""Every API route answers with and without its trailing slash (the same view, no redirect, the body
kept), and anything unknown under an API prefix, path or method, is a 404 or 405 in JSON: never a 500,
a redirect or an HTML page. Walks every URL pattern, so a new route joins by itself."""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, resolve
from django.urls.resolvers import RoutePattern

from api.routing import EitherSlashPattern, is_api_path
from messaging.models import Message
from tests.factories import issue_key
from tests.routes import url_patterns

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


def api_routes() -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) of every endpoint under an API prefix written with `path()` (not the catch-alls)."""
    for route, pattern in url_patterns():
        if isinstance(pattern.pattern, RoutePattern) and is_api_path("/" + route):
            yield route, pattern


ROUTES = sorted(dict(api_routes()).items())


def fill(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


def other_spelling(path: str) -> str:
    return path[:-1] if path.endswith("/") else path + "/"


def call(client: Client, method: str, path: str):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data="{}", content_type="application/json")


def allowed_methods(callback) -> set[str]:
    view = getattr(callback, "view_class", None) or callback.cls
    return {m for m in METHODS if hasattr(view, m)}


def test_the_walk_finds_every_dialect():
    routes = [route for route, _ in ROUTES]
    assert len(routes) > 50
    for expected in ("api", "api/rest/v1/sms/send", "api/message", "raven/v2/messages", "v1/sms/send", "api/v2"):
        assert expected in routes


@pytest.mark.parametrize("route", [route for route, _ in ROUTES])
def test_both_spellings_resolve_to_the_same_view(route):
    pattern = dict(ROUTES)[route]
    assert isinstance(pattern.pattern, EitherSlashPattern), f"{route}: route it with api.routing.path"
    path = fill(route)
    one, other = resolve(path), resolve(other_spelling(path))
    assert one.func is other.func and one.kwargs == other.kwargs, route


@pytest.mark.parametrize("route", [route for route, _ in ROUTES])
def test_a_method_the_route_does_not_take_is_a_json_405_in_both_spellings(route):
    client = Client()
    path = fill(route)
    refused = [m for m in METHODS if m not in allowed_methods(dict(ROUTES)[route].callback)]
    assert refused, route
    for spelling in (path, other_spelling(path)):
        response = call(client, refused[0], spelling)
        assert response.status_code == 405, (spelling, refused[0], response.status_code)
        assert response["Content-Type"].startswith("application/json"), (spelling, response.content[:80])
        response.json()


@pytest.mark.parametrize(
    "path, shape",
    [
        ("/api/nothing-here", {"message": "Not found."}),
        ("/api/blacklist/delete", {"message": "Not found."}),
        ("/api/rest/v1/nothing", "code"),
        ("/api/rest/v1", "code"),
        ("/api/v2/nothing", {"error": "Not found."}),
        ("/v1/sms", {"error": "Not found."}),
        ("/raven/v9/messages", "meta"),
        ("/raven", "meta"),
        ("/hooks/nothing", {"error": "Not found.", "message": "Not found."}),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_unknown_paths_under_the_api_prefixes_are_json_404s_in_the_dialect_shape(path, shape, method):
    response = call(Client(), method, path)
    assert response.status_code == 404
    body = response.json()
    if isinstance(shape, dict):
        assert body == shape
    else:
        assert shape in body


def test_a_post_with_the_trailing_slash_keeps_its_body(user, django_capture_on_commit_callbacks):
    key = issue_key(user)
    client = Client()
    for path, body, headers in [
        ("/api/rest/v1/sms/send/", {"message": "Hi", "recipientNumber": "+37255555555"}, {"HTTP_TOKEN": key}),
        (
            "/raven/v2/messages/",
            {"from": "2222", "to": "+37255555556", "text": "Hi"},
            {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        ),
        ("/api/v2/sms/send/", {"numbers": "+37255555557", "message_body": "Hi"}, {"HTTP_X_API_KEY": key}),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, body, content_type="application/json", HTTP_EMAIL=user.email, **headers)
        assert response.status_code == 200, (path, response.content)
    assert Message.objects.filter(team=user.team).count() == 3


def test_a_post_to_a_page_path_without_its_slash_is_a_404_not_a_500_or_a_redirect(user, settings):
    # /messages/ is a dashboard page; an integrator reading seed 003's relative path may POST /messages.
    for debug in (True, False):
        settings.DEBUG = debug
        response = Client(raise_request_exception=False).post(
            "/messages", {"to": "+37255555555", "text": "Hi"}, content_type="application/json"
        )
        assert response.status_code == 404, debug
    assert response.json() == {"error": "Not found.", "message": "Not found."}  # production: JSON for machines
    assert Client().get("/messages").status_code == 301  # a browser's GET is still sent to the page


def test_a_browser_still_gets_the_html_404_page(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
