"""Hostile input answers a 4xx in the dialect's shape, never a 500: JSON nested past Python's
recursion limit (before and after authentication), integers too large for the database, ids too large
for a primary key. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (where overflows differ)."""

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from api.fields import DB_INT_MAX
from messaging.models import Batch, Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
HUGE = 10**30


def deep(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def endpoints(user, key) -> dict[str, tuple[str, dict]]:
    """One write of every dialect, with its credentials outside the body (when it has such)."""
    return {
        "messenger": (f"/api?api_token={key}", {}),
        "messenger 2fa": ("/api/2fa/send", {"HTTP_AUTHORIZATION": f"Bearer {key}"}),
        "rest_v1": ("/api/rest/v1/sms/send-bulk", {"HTTP_EMAIL": user.email, "HTTP_TOKEN": key}),
        "http_message": (f"/api/message?_login={user.email}&_password={PASSWORD}", {}),
        "raven": ("/raven/v3/messages/batch", {"HTTP_AUTHORIZATION": f"Bearer {key}"}),
        "sms_api v2": ("/api/v2/sms/send", {"HTTP_X_API_KEY": key}),
        "sms_api v1": (f"/v1/sms/send?username={user.email}&password={PASSWORD}", {}),
    }


@pytest.mark.parametrize("depth", [900, 1000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("authenticated", [False, True])
def test_deeply_nested_json_is_a_4xx_in_every_dialect(user, key, depth, kind, authenticated):
    client = Client(raise_request_exception=False)
    for dialect, (path, headers) in endpoints(user, key).items():
        if not authenticated:
            path, headers = path.split("?")[0], {}
        response = client.post(path, deep(depth, kind), content_type="application/json", **headers)
        assert 400 <= response.status_code < 500, (dialect, depth, response.status_code, response.content[:200])
        assert response["Content-Type"].startswith("application/json"), dialect
        response.json()
    assert not Message.objects.exists()


def test_rest_v1_huge_messages_per_minute_is_a_validation_error(user, key):
    client = Client(raise_request_exception=False)
    for value in (HUGE, str(HUGE), DB_INT_MAX + 1):
        body = {
            "sendSmsRequests": [{"message": "Hi", "recipientNumber": "+37255555555"}],
            "messagesPerMinute": value,
        }
        response = client.post(
            "/api/rest/v1/sms/send-bulk",
            json.dumps(body),
            content_type="application/json",
            HTTP_EMAIL=user.email,
            HTTP_TOKEN=key,
        )
        assert response.status_code == 400, (value, response.content)
        assert "messagesPerMinute" in response.json()["errors"]
    assert not Message.objects.exists() and not Batch.objects.exists()


def test_rest_v1_largest_messages_per_minute_is_stored(user, key, django_capture_on_commit_callbacks):
    body = {"sendSmsRequests": [{"message": "Hi", "recipientNumber": "+37255555555"}], "messagesPerMinute": DB_INT_MAX}
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/rest/v1/sms/send-bulk",
            json.dumps(body),
            content_type="application/json",
            HTTP_EMAIL=user.email,
            HTTP_TOKEN=key,
        )
    assert response.status_code == 200, response.content
    assert Batch.objects.get().messages_per_minute == DB_INT_MAX


def test_messenger_huge_pin_length_is_a_validation_error(user, key):
    response = Client(raise_request_exception=False).post(
        "/api/2fa/send",
        json.dumps({"receiver": "37255555555", "pin_length": HUGE}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": "The given data was invalid.",
        "errors": {"pin_length": ["The pin length must be between 4 and 20."]},
    }


@pytest.mark.parametrize(
    "method, path, auth",
    [
        ("get", "/api/rest/v1/messages/{n}", "rest"),
        ("get", "/api/rest/v1/account/user/{n}", "rest"),
        ("get", "/api/rest/v1/contacts/{n}", "rest"),
        ("get", "/api/rest/v1/groups/{n}", "rest"),
        ("get", "/api/rest/v1/templates/{n}", "rest"),
        ("post", "/api/rest/v1/contacts/{n}/addToGroup/{n}", "rest"),
        ("post", "/api/blacklist/delete/{n}", "bearer"),
        ("get", "/raven/v2/messages/{n}", "bearer"),
    ],
)
@pytest.mark.parametrize("n", [str(HUGE), str(2**63), str(-(2**63) - 1)])
def test_ids_too_large_for_a_primary_key_are_not_found(user, key, method, path, auth, n):
    headers = (
        {"HTTP_EMAIL": user.email, "HTTP_TOKEN": key} if auth == "rest" else {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    )
    response = getattr(Client(raise_request_exception=False), method)(path.format(n=n), **headers)
    assert response.status_code == 404, (path, response.status_code, response.content[:200])
    response.json()


def _integers(schema: dict, components: dict, seen: set) -> list[tuple[str, dict]]:
    """Every integer property reachable from `schema` (following $ref)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return [(f"{name}.{p}", s) for p, s in _integers(components[name], components, seen)]
    found = []
    if schema.get("type") == "integer" and "enum" not in schema:  # a choice is bounded by its choices
        found.append(("", schema))
    for name, prop in schema.get("properties", {}).items():
        found += [(f"{name}{'.' + p if p else ''}", s) for p, s in _integers(prop, components, seen)]
    for nested in ("items", "additionalProperties"):
        if isinstance(schema.get(nested), dict):
            found += _integers(schema[nested], components, seen)
    for nested in ("allOf", "oneOf", "anyOf"):
        for option in schema.get(nested, []):
            found += _integers(option, components, seen)
    return found


def test_every_integer_a_dialect_reads_is_bounded_to_what_the_database_stores():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            places = [
                (f"{method.upper()} {path} body {field}", s)
                for content in operation.get("requestBody", {}).get("content", {}).values()
                for field, s in _integers(content["schema"], components, set())
            ]
            places += [
                (f"{method.upper()} {path} parameter {p['name']}", p["schema"])
                for p in operation.get("parameters", [])
                if p["in"] == "query"
                and p.get("schema", {}).get("type") == "integer"
                and p["name"] != "page"
                and p["name"] != "pageSize"  # read by page_and_size (api/rest_v1/base.py), which bounds both
            ]
            for where, s in places:
                if "enum" in s:
                    continue
                if s.get("minimum", -(2**63)) < -DB_INT_MAX - 1 or s.get("maximum", 2**63) > DB_INT_MAX:
                    unbounded.append(where)
    assert not unbounded, f"integers with no bound (use api.fields.IntegerField): {sorted(set(unbounded))}"
