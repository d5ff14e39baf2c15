"""The OpenAPI schema (drf-spectacular): it generates with no warning and validates; every route of
every dialect is in it, under its dialect's tag; every credential style has a security scheme; the
deploy checks are clean; and the documentation pages load nothing from the internet."""

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from accounts import authentication
from tests.routes import url_patterns

# The dialect packages under api/ and their tag, one per seed document.
DIALECT_TAGS = {
    "messenger": "SMS API V2 (seed 000)",
    "rest_v1": "REST API v1 (seed 001)",
    "http_message": "HTTP API message (seed 002)",
    "raven": "Outbound SMS (seed 003)",
    "sms_api": "SMS API (seed 004)",
}
DOC_PAGES = ["/api/schema/", "/api/docs/", "/api/redoc/", "/api/v2", "/api/oauth2-callback"]
REMOTE = (b"cdn.", b"jsdelivr", b"unpkg")


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """`manage.py spectacular --validate --fail-on-warn`: any warning or error raises here."""
    target = tmp_path_factory.mktemp("openapi") / "schema.yml"
    call_command("spectacular", file=str(target), fail_on_warn=True, validate=True)
    return yaml.safe_load(target.read_text())


def _operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _routes():
    """(path as OpenAPI writes it, view class) of every URL pattern served by a DRF view of api/ (not the
    pages and catch-alls that opt out with `schema = None`)."""
    for route, entry in url_patterns():
        view = getattr(entry.callback, "cls", None)
        if view is not None and view.__module__.startswith("api.") and view.schema is not None:
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), view


def test_schema_generates_without_warnings_and_validates(schema):
    assert schema["openapi"].startswith("3.") and schema["paths"]


def test_every_route_of_every_dialect_is_documented_under_its_tag(schema):
    routes = list(_routes())
    assert {view.__module__.split(".")[1] for _, view in routes} == set(DIALECT_TAGS)
    missing, mistagged = [], []
    for path, view in routes:
        methods = [m for m in view.http_method_names if m not in ("head", "options") and hasattr(view, m)]
        assert methods, path
        for method in methods:
            operation = schema["paths"].get(path, {}).get(method)
            if operation is None:
                missing.append(f"{method.upper()} {path}")
            elif operation["tags"] != [DIALECT_TAGS[view.__module__.split(".")[1]]]:
                mistagged.append(f"{method.upper()} {path}: {operation['tags']}")
    assert not missing, f"routes with no schema (add extend_schema): {missing}"
    assert not mistagged, mistagged


def test_every_operation_has_one_of_the_five_dialect_tags(schema):
    tags = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]
    assert sorted(tags) == sorted(DIALECT_TAGS.values())
    assert [tag["name"] for tag in schema["tags"]] == tags and all(tag["description"] for tag in schema["tags"])
    used = set()
    for path, method, operation in _operations(schema):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, (method, path, operation["tags"])
        used.add(operation["tags"][0])
    assert used == set(tags)


def test_operations_have_summaries_distinct_ids_and_documented_errors(schema):
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert operation.get("summary"), (method, path)
        assert {"401", "429"} <= set(responses), (method, path)
        assert any(code.startswith("2") for code in responses), (method, path)
        headers = responses["429"]["headers"]
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"} <= set(headers), (method, path)
        for code, response in responses.items():
            if code != "204":
                assert response["content"]["application/json"]["schema"], (method, path, code)


def test_the_trailing_slash_alias_is_documented_as_deprecated(schema):
    send, alias = schema["paths"]["/api"]["post"], schema["paths"]["/api/"]["post"]
    assert send["operationId"] == "messenger_send" and not send.get("deprecated")
    assert alias["operationId"] == "messenger_send_slash" and alias["deprecated"] is True


def test_writes_document_idempotency_key_where_it_applies(schema):
    def headers(path, method):
        return {p["name"] for p in schema["paths"][path][method].get("parameters", []) if p["in"] == "header"}

    assert "Idempotency-Key" in headers("/api", "post")
    assert "Idempotency-Key" in headers("/raven/v3/messages/batch", "post")
    assert "Idempotency-Key" not in headers("/api/2fa/send", "post")  # a stored answer would keep a live PIN
    assert "Idempotency-Key" not in headers("/api/rest/v1/sms/send-url/{token}", "post")  # no user to scope it
    assert "Idempotency-Key" not in headers("/api/rest/v1/messages/all", "get")


def test_every_authentication_class_has_a_security_scheme(schema):
    classes = [
        cls
        for _, cls in inspect.getmembers(authentication, inspect.isclass)
        if issubclass(cls, BaseAuthentication) and cls.__module__ == authentication.__name__
    ]
    assert len(classes) >= 6
    for cls in classes:
        assert OpenApiAuthenticationExtension.get_match(cls()) is not None, cls
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {**schemes["bearerKey"], "type": "http", "scheme": "bearer"}
    located = {(s.get("in"), s.get("name")) for s in schemes.values() if s["type"] == "apiKey"}
    assert {
        ("query", "api_token"),
        ("header", "email"),
        ("header", "token"),
        ("header", "X-API-Key"),
        ("query", "api_key"),
        ("query", "username"),
        ("query", "password"),
        ("query", "_login"),
        ("query", "_password"),
    } <= located
    assert {"type": "http", "scheme": "basic"}.items() <= schemes["emailTokenBasic"].items()


def test_the_seed_examples_are_in_the_schema(schema):
    paths = schema["paths"]

    def examples(path, method, code):
        content = paths[path][method]["responses"][code]["content"]["application/json"]
        return [e["value"] for e in content["examples"].values()]

    assert any(example.get("dlr_id") == "158" for example in examples("/api", "post", "200"))
    one, two = examples("/api/message", "post", "200")
    assert one["data"]["meta"] == {"request_id": "1"} and len(two["data"]) == 2
    assert examples("/api/message", "post", "401")[0]["errors"][0]["code"] == "authentication"
    batch = paths["/raven/v3/messages/batch"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(batch.values()))["value"]["to"][0] == {"to:": "+525500000000", "params": ["Elizabeth", 10.65]}
    assert {"error": "API key is required", "help": "Provide X-API-Key header or api_key parameter"} in examples(
        "/api/v2/sms/send", "get", "401"
    )
    assert {"error": "Unauthorized."} in examples("/v1/sms/send", "post", "401")


def test_deploy_check_with_production_settings_has_no_warnings():
    # The production environment only: no DJANGO_* variable of the test run (DJANGO_ALLOW_ASYNC_UNSAFE, set
    # by the browser tests, is itself a deploy error).
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": get_random_secret_key(),  # 50 random characters
        "DJANGO_ALLOWED_HOSTS": "sms.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def _page(api, path: str) -> bytes:
    response = api.get(path, follow=True)
    assert response.status_code == 200, path
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("path", DOC_PAGES)
def test_documentation_is_served_without_a_cdn(api, path):
    body = _page(api, path)
    assert not [remote for remote in REMOTE if remote in body], path
    scripts = re.findall(rb"<script[^>]*\bsrc=[\"']([^\"']+)", body)
    assert not [src for src in scripts if re.match(rb"(https?:)?//", src)], (path, scripts)


def test_redoc_loads_nothing_from_the_internet(api):
    assert not re.search(rb"(?:href|src)=[\"'](?:https?:)?//", _page(api, "/api/redoc/"))
