"""The OpenAPI schema of the dialects (drf-spectacular): one security scheme per credential style of
accounts/authentication.py, and `DialectSchema`, the schema class of every dialect view.

ApiConfig.ready() imports this module so the extensions are registered before any schema is built.
`DialectView` (api/base.py) sets `schema = DialectSchema()` for every dialect; its views add their own `extend_schema`
(tag, serializers, documented errors and the seed's examples)."""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# Security schemes. A list of requirements is "any one of"; several names in one requirement are
# "all of" (for example `username` AND `password`). Credentials given as "parameters" are also read
# from a form, multipart or JSON body; OpenAPI can only name the query string for them.


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerKeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <API key>`."}


class ApiTokenParamScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenParamAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_token",
            "description": "The API key as the `api_token` parameter (query string or body).",
        }


class EmailTokenScheme(OpenApiAuthenticationExtension):
    """REST API v1: `email` + `token` headers, or HTTP Basic (email, API token), or `email` + `token`
    URL parameters."""

    target_class = "accounts.authentication.EmailTokenAuthentication"
    name = ["emailHeader", "tokenHeader", "emailTokenBasic", "emailParam", "tokenParam"]

    def get_security_requirement(self, auto_schema):
        return [
            {"emailHeader": [], "tokenHeader": []},
            {"emailTokenBasic": []},
            {"emailParam": [], "tokenParam": []},
        ]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "email", "description": "Your account's email address."},
            {"type": "apiKey", "in": "header", "name": "token", "description": "Your REST API token."},
            {"type": "http", "scheme": "basic", "description": "Email address as user name, API token as password."},
            {"type": "apiKey", "in": "query", "name": "email", "description": "For testing only."},
            {"type": "apiKey", "in": "query", "name": "token", "description": "For testing only."},
        ]


class XApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.XApiKeyAuthentication"
    name = ["xApiKey", "apiKeyParam"]

    def get_security_requirement(self, auto_schema):
        return [{"xApiKey": []}, {"apiKeyParam": []}]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The API key."},
            {
                "type": "apiKey",
                "in": "query",
                "name": "api_key",
                "description": "The API key as the `api_key` parameter (query string or body).",
            },
        ]


class PasswordParamScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.PasswordParamAuthentication"
    name = ["usernameParam", "passwordParam"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "query", "name": "username", "description": "Your login (email address)."},
            {"type": "apiKey", "in": "query", "name": "password", "description": "Your password."},
        ]


class LoginPasswordScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.LoginPasswordAuthentication"
    name = ["loginParam", "loginPasswordParam"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "query", "name": "_login", "description": "Your login (email address)."},
            {"type": "apiKey", "in": "query", "name": "_password", "description": "Your password."},
        ]


# What every dialect view shares: the rate-limit headers (api/ratelimit.py) and the optional
# Idempotency-Key of writes (api/idempotency.py).

RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        "X-RateLimit-Limit",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Requests allowed per minute for this API key (or user, or client address).",
    ),
    OpenApiParameter(
        "X-RateLimit-Remaining",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Requests left in the current minute.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the next request.",
    ),
]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional, at most 255 characters, kept 24 hours per credential (the API key, else the user). "
    "The same key replays the first answer (with `Idempotent-Replayed: true`) and sends and charges nothing "
    "again; the same key with another request is refused; a duplicate of a request still running gets a "
    "conflict. An answer holding a new API key is not kept: its replay is a conflict naming the key's prefix.",
)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _snake(token: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", token).replace("-", "_").lower()


class DialectSchema(AutoSchema):
    """The schema class of the dialect views (set once on `DialectView`).

    - Every response documents `X-RateLimit-Limit` and `X-RateLimit-Remaining`, a 429 `Retry-After`.
    - Writes of a view that stores idempotent answers (`idempotent`, authenticated) take
      `Idempotency-Key`.
    - A path ending in `/` is the trailing-slash alias of the same path without it: its operation is
      marked deprecated and its operationId gets `_slash`, so both stay documented and distinct.
    - Docstrings speak to developers: an operation's description is only what `extend_schema` says.
    - Views routed at several paths (`as_view(part=...)`) give no `operation_id`; theirs comes from
      the path: `/api/rest/v1/messages/{message_id}/markRead` POST -> `rest_v1_messages_mark_read_post`
      (the method is added when the view answers more than one).
    """

    def get_override_parameters(self):
        parameters = list(RATE_LIMIT_HEADERS)
        idempotent = getattr(self.view, "idempotent", False) and self.view.get_authenticators()
        if self.method in WRITES and idempotent:
            parameters.append(IDEMPOTENCY_KEY)
        return parameters + super().get_override_parameters()

    def get_description(self):  # type: ignore[override]  # drf-spectacular's signature, not DRF's
        return ""

    def get_operation_id(self):
        tokens = [t for t in self.path.strip("/").split("/") if t and not t.startswith("{")]
        if tokens[:1] == ["api"] and len(tokens) > 1:
            tokens = tokens[1:]
        name = "_".join(_snake(t) for t in tokens)
        methods = [m for m in self.view.allowed_methods if m not in ("HEAD", "OPTIONS")]
        return f"{name}_{self.method.lower()}" if len(methods) > 1 else name

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        canonical = path.rstrip("/")
        if operation and canonical and canonical != path:
            operation["operationId"] += "_slash"
            operation["deprecated"] = True
            alias = f"The same as `{method.upper()} {canonical}`; prefer that path."
            operation["description"] = f"{alias}\n\n{operation.get('description', '')}".strip()
        return operation
