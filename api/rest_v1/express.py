"""REST API v1 `sms/send` in its common form, answered without Django's URL resolver, its view
middleware or DRF.

A single send's own work (the key from the process cache, the rate limit, `send_one`, the group
commit) takes well under a millisecond of CPU; Django's handler, the API's middleware, DRF's request,
content negotiation and the serializer took three times that, which capped the hottest endpoint.

A request takes this lane only when it is the plain kind that the full view would accept as it is:
POST to the exact path, a JSON object whose SendInput fields are strings within their limits, the
`email` and `token` headers (of a usable key), nothing in the query string, no Idempotency-Key, and
nothing that a request hook of the API's middleware would answer itself (an HTTPS redirect). The
rest goes to the full view, which answers it, its errors included. Both lanes apply the same rules:
`email_token_user`, `user_rate_limit_hit`, `send_one`, `to_api_error` and `error_answer`; the
response hooks of settings.API_MIDDLEWARE (security headers, CSP) run on both answers.
tests/api/test_rest_v1_express.py checks that both lanes answer alike."""

import json
import logging
import time
import uuid
from io import BytesIO
from typing import cast

import structlog
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.module_loading import import_string
from rest_framework import exceptions, serializers

from accounts.authentication import email_token_user
from api.errors import to_api_error, unexpected_error
from api.ratelimit import user_rate_limit_hit
from core import metrics
from core.collector import collection_paused

from .base import error_answer
from .sms import SendInput, SmsSendApi, send_one

logger = logging.getLogger(__name__)
request_log = structlog.get_logger("django_structlog.middlewares.request")

PATHS = frozenset({"/api/rest/v1/sms/send", "/api/rest/v1/sms/send/"})
ROUTE = "api/rest/v1/sms/send"  # the label the full lane's metrics give it
MAX_BODY = 64 * 1024  # a plain single send is far smaller; a larger body takes the full lane
_FIELDS = cast(dict[str, serializers.CharField], dict(SendInput().fields))  # all CharFields
LIMITS = {name: field.max_length for name, field in _FIELDS.items()}
DEFAULTS = {name: field.default for name, field in _FIELDS.items()}
KEEPS_SPACES = {name for name, field in _FIELDS.items() if not field.trim_whitespace}


def _allow_header() -> str:
    view = SmsSendApi()
    view.setup(
        WSGIRequest({"REQUEST_METHOD": "GET", "wsgi.input": BytesIO()})
    )  # as as_view() does: a view with GET answers HEAD
    return ", ".join(view.allowed_methods)


ALLOW = _allow_header()  # DRF's Allow header


def wants(environ: dict) -> bool:
    """Whether the request may try this lane (before its body is read)."""
    return (
        environ.get("PATH_INFO") in PATHS
        and environ.get("REQUEST_METHOD") == "POST"
        and not environ.get("QUERY_STRING")
        and "HTTP_IDEMPOTENCY_KEY" not in environ
        and bool(environ.get("HTTP_EMAIL"))
        and bool(environ.get("HTTP_TOKEN"))
        and environ.get("CONTENT_TYPE", "").split(";")[0].strip() == "application/json"
    )


class ExpressLane:
    """A WSGI application in front of `full` (the Django handler of API paths)."""

    def __init__(self, full) -> None:
        self.full = full
        hooks = [import_string(name) for name in settings.API_MIDDLEWARE]
        instances = [hook(lambda request: None) for hook in hooks]
        self.request_hooks = [m.process_request for m in instances if hasattr(m, "process_request")]
        self.response_hooks = [m.process_response for m in reversed(instances) if hasattr(m, "process_response")]

    def __call__(self, environ: dict, start_response):
        body = _read_body(environ)
        if body is None:
            return self.full(environ, start_response)
        environ["wsgi.input"] = BytesIO(body)  # so the full lane can still read it
        request = WSGIRequest(environ)
        data = _plain_fields(body)
        if data is None or any(hook(request) is not None for hook in self.request_hooks):
            return self.full(environ, start_response)
        signals.request_started.send(sender=type(self), environ=environ)
        try:
            try:
                user, key = email_token_user(environ["HTTP_EMAIL"], environ["HTTP_TOKEN"])
            except exceptions.AuthenticationFailed:
                return self.full(environ, start_response)  # its 401, counted by client address
            response = self.answer(request, user, key, data)
            start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
            return [response.content]
        finally:
            signals.request_finished.send(sender=type(self))

    def answer(self, request, user, key, data: dict) -> HttpResponse:
        started = time.perf_counter()
        request_id = request.META.get("HTTP_X_REQUEST_ID") or str(uuid.uuid4())
        with structlog.contextvars.bound_contextvars(request_id=request_id, user_id=user.pk):
            limit = user_rate_limit_hit(user, key)
            status, body, retry_after = _send(user, data, limit)
            response = HttpResponse(
                json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                status=status,
                content_type="application/json",
            )
            response["Allow"] = ALLOW
            response["X-RateLimit-Limit"] = str(limit.limit)
            response["X-RateLimit-Remaining"] = str(max(0, limit.remaining))
            if retry_after:
                response["Retry-After"] = str(retry_after)
            for hook in self.response_hooks:
                response = hook(request, response)
            request_log.info("request_finished", code=status, request=f"POST {request.path}")
        metrics.request_observed(view=ROUTE, method="POST", status=status, seconds=time.perf_counter() - started)
        return response


@collection_paused()
def _send(user, data: dict, limit) -> tuple[int, dict, int | None]:
    """(status, body, Retry-After) of the send, as SmsSendApi answers it."""
    try:
        if limit.exceeded:
            raise exceptions.Throttled(wait=limit.retry_after)
        return 200, send_one(user, data), None
    except Exception as exc:
        error = to_api_error(exc, field_names=SmsSendApi.error_fields)
        if error is None:
            error = unexpected_error(exc)
            logger.error("POST %s answered %s", SmsSendApi.__name__, error.status, exc_info=exc)
        status, body = error_answer(error, number=getattr(exc, "number", None))
        return status, body, error.retry_after


def _read_body(environ: dict) -> bytes | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    return environ["wsgi.input"].read(length)


def _plain_fields(body: bytes) -> dict | None:
    """SendInput's validated data, when the body is a JSON object that SendInput would take as it is
    (strings within their limits, nothing to trim); otherwise None."""
    try:
        values = json.loads(body)
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    data = dict(DEFAULTS)
    for name, limit in LIMITS.items():
        value = values.get(name, data[name])
        if not isinstance(value, str) or "\x00" in value or (limit is not None and len(value) > limit):
            return None
        if not value.isascii() and not _encodable(value):  # lone surrogates: SendInput refuses them
            return None
        if name not in KEEPS_SPACES and value != value.strip():
            return None
        data[name] = value
    return data


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
