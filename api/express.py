"""The express lane: the hottest endpoints in their common form, answered without Django's URL
resolver, its view middleware or DRF.

A single send's own work (the key from the process cache, the rate limit, the service, the group
commit) takes well under a millisecond of CPU; Django's handler, the API's middleware, URL
resolution, DRF's request, content negotiation and a serializer took several times that, which
capped the hottest endpoints (REST v1 `sms/send`, the 2FA send and verify).

A request takes this lane only when it is the plain kind that the full view would accept as it is:
POST to the route's exact path with a JSON object whose fields are what the route's serializer takes
unchanged (strings within their lengths and with nothing to trim, integers within their bounds, the
required ones present), the route's credentials in headers (of a usable key), nothing in the query
string, no Idempotency-Key, and nothing that a request hook of the API's middleware would answer
itself (an HTTPS redirect). The rest goes to the full view, which answers it, errors included.
Both lanes apply the same rules: the route's authentication and service, `user_rate_limit_hit`,
`to_api_error` and the dialect's error shape; the response hooks of settings.API_MIDDLEWARE
(security headers) run on both answers. tests/api/test_express.py checks that both lanes
answer alike."""

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any, cast

import structlog
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.module_loading import import_string
from rest_framework import exceptions, serializers

from core import metrics
from core.collector import collection_paused

from .base import DialectView
from .errors import ApiError, to_api_error, unexpected_error
from .ratelimit import user_rate_limit_hit

logger = logging.getLogger(__name__)
request_log = structlog.get_logger("django_structlog.middlewares.request")
MAX_BODY = 64 * 1024  # a plain single request is far smaller; a larger body takes the full lane


@dataclass(frozen=True)
class Route:
    """One endpoint of the lane. `credentials(environ)`: (user, key) from the headers, None when they
    are not there (AuthenticationFailed when they are wrong: both go to the full lane). `answer(user,
    data)`: the 200 body, or a domain error. `render(error, exc)`: the dialect's (status, body).
    `reserved`: body keys that the full view would read as credentials."""

    path: str  # the URL pattern, also the metrics label
    view: type[DialectView]
    fields: type[serializers.Serializer]
    credentials: Callable[[dict], Any]
    answer: Callable[[Any, dict], dict]
    render: Callable[[ApiError, Exception], tuple[int, dict]]
    reserved: frozenset[str] = frozenset()

    def paths(self) -> set[str]:
        return {f"/{self.path}", f"/{self.path}/"}

    def allow(self) -> str:
        """DRF's Allow header for the view."""
        view = self.view()
        view.setup(WSGIRequest({"REQUEST_METHOD": "GET", "wsgi.input": BytesIO()}))  # as as_view(): GET answers HEAD
        return ", ".join(view.allowed_methods)


class ExpressLane:
    """A WSGI application in front of `full` (the Django handler of API paths)."""

    def __init__(self, full, routes: Iterable[Route]) -> None:
        self.full = full
        self.routes = {path: _Prepared(route) for route in routes for path in route.paths()}
        hooks = [import_string(name)(lambda request: None) for name in settings.API_MIDDLEWARE]
        self.request_hooks = [m.process_request for m in hooks if hasattr(m, "process_request")]
        self.response_hooks = [m.process_response for m in reversed(hooks) if hasattr(m, "process_response")]

    def wants(self, environ: dict) -> bool:
        """Whether the request may try this lane (before its body is read)."""
        return (
            environ.get("PATH_INFO") in self.routes
            and environ.get("REQUEST_METHOD") == "POST"
            and not environ.get("QUERY_STRING")
            and "HTTP_IDEMPOTENCY_KEY" not in environ
            and environ.get("CONTENT_TYPE", "").split(";")[0].strip() == "application/json"
        )

    def __call__(self, environ: dict, start_response):
        route = self.routes[environ["PATH_INFO"]]
        body = _read_body(environ)
        if body is None:
            return self.full(environ, start_response)
        environ["wsgi.input"] = BytesIO(body)  # so the full lane can still read it
        request = WSGIRequest(environ)
        data = route.plain(body)
        if data is None or self._declined(request):
            return self.full(environ, start_response)
        signals.request_started.send(sender=type(self), environ=environ)
        try:
            try:
                credentials = route.route.credentials(environ)
            except Exception:  # wrong ones (its 401, counted by client address), or the database out of reach
                credentials = None
            if credentials is None:
                return self.full(environ, start_response)  # which answers them in the dialect's shape
            user, key = credentials
            response = self.answer(route, request, user, key, data)
            start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
            return [response.content]
        finally:
            signals.request_finished.send(sender=type(self))

    def _declined(self, request) -> bool:
        """Whether a request hook of the API's middleware answers this request itself (an HTTPS
        redirect), or refuses it (a host not allowed): the full lane then does the same."""
        try:
            return any(hook(request) is not None for hook in self.request_hooks)
        except Exception:
            return True

    def answer(self, route: "_Prepared", request, user, key, data: dict) -> HttpResponse:
        started = time.perf_counter()
        request_id = request.META.get("HTTP_X_REQUEST_ID") or str(uuid.uuid4())
        with structlog.contextvars.bound_contextvars(request_id=request_id, user_id=user.pk):
            limit = user_rate_limit_hit(user, key)
            status, body, retry_after = _call(route.route, user, data, limit)
            response = HttpResponse(
                json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                status=status,
                content_type="application/json",
            )
            response["Allow"] = route.allow
            response["X-RateLimit-Limit"] = str(limit.limit)
            response["X-RateLimit-Remaining"] = str(max(0, limit.remaining))
            if retry_after:
                response["Retry-After"] = str(retry_after)
            for hook in self.response_hooks:
                response = hook(request, response)
            request_log.info("request_finished", code=status, request=f"POST {request.path}")
        seconds = time.perf_counter() - started
        metrics.request_observed(view=route.route.path, method="POST", status=status, seconds=seconds)
        return response


@collection_paused()
def _call(route: Route, user, data: dict, limit) -> tuple[int, dict, int | None]:
    """(status, body, Retry-After) of the route's answer, as its view gives them."""
    try:
        if limit.exceeded:
            raise exceptions.Throttled(wait=limit.retry_after)
        return 200, route.answer(user, data), None
    except Exception as exc:
        error = to_api_error(exc, field_names=route.view.error_fields)
        if error is None:
            error = unexpected_error(exc)
            logger.error("POST %s answered %s", route.view.__name__, error.status, exc_info=exc)
        status, body = route.render(error, exc)
        return status, body, error.retry_after


class _Prepared:
    """A route with what its requests are checked against, worked out once."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.allow = route.allow()
        self.fields = dict(route.fields().fields)
        for name, field in self.fields.items():
            if not isinstance(field, (serializers.CharField, serializers.IntegerField)):
                raise TypeError(f"the express lane reads strings and integers, not {name}: {type(field).__name__}")

    def plain(self, body: bytes) -> dict | None:
        """The serializer's validated data, when the body is a JSON object that it would take as it
        is; otherwise None."""
        try:
            values = json.loads(body)
        except (ValueError, RecursionError):  # nested past the decoder: the full lane's 400
            return None
        if not isinstance(values, dict) or not self.route.reserved.isdisjoint(values):
            return None
        data = {}
        for name, field in self.fields.items():
            if name not in values:
                if field.required:
                    return None
                data[name] = field.default
                continue
            value = values[name]
            if isinstance(field, serializers.CharField):
                plain = _plain_text(field, value)
            else:
                plain = _plain_int(cast(serializers.IntegerField, field), value)
            if not plain:
                return None
            data[name] = value
        return data


def _plain_text(field: serializers.CharField, value: object) -> bool:
    if not isinstance(value, str) or "\x00" in value or (not value and not field.allow_blank):
        return False
    if field.max_length is not None and len(value) > field.max_length:
        return False
    if field.min_length is not None and len(value) < field.min_length:
        return False
    if field.trim_whitespace and value != value.strip():
        return False
    return value.isascii() or _encodable(value)  # lone surrogates: DRF refuses them


def _plain_int(field: serializers.IntegerField, value: object) -> bool:
    if type(value) is not int:  # bool is an int subclass; DRF reads "6" too, which the full lane does
        return False
    return (field.min_value is None or value >= field.min_value) and (
        field.max_value is None or value <= field.max_value
    )


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _read_body(environ: dict) -> bytes | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    return environ["wsgi.input"].read(length)
