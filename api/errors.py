"""Every exception an API view can meet, reduced to one neutral ApiError that each dialect renders
in its own documented shape. Dialects decide words and layout, never which errors exist."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions

from core.errors import DomainError, ErrorCode

STATUS_BY_CODE = {
    ErrorCode.INVALID: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.INSUFFICIENT_CREDITS: 402,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
}


# A dependency that is down or unreachable (Redis, the database, a socket): the request may succeed
# later, so it is a 503 with Retry-After rather than a 500.
UNAVAILABLE = (RedisError, OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY_UNAVAILABLE_AFTER = 30


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str  # an ErrorCode value, or "authentication", "parse", "method_not_allowed"
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    retry_after: int | None = None


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, dict):  # nested serializer: "outer.inner"
                out.update({f"{name}.{k}": v for k, v in _flatten(value).items()})
            elif isinstance(value, list) and value and isinstance(value[0], dict):  # list of objects
                for index, item in enumerate(value):
                    out.update({f"{name}.{index}.{k}": v for k, v in _flatten(item).items()})
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(v) for v in (detail if isinstance(detail, list) else [detail])]}


def to_api_error(exc: Exception, *, field_names: dict[str, str] | None = None) -> ApiError | None:
    """The neutral error for `exc`, or None for an unexpected exception (a real bug: let it 500)."""
    rename = field_names or {}
    if isinstance(exc, DomainError):
        fields = {rename.get(exc.field, exc.field): [exc.message]} if exc.field else {}
        retry_after = getattr(exc, "retry_after", None)
        return ApiError(STATUS_BY_CODE[exc.code], str(exc.code), exc.message, fields, retry_after=retry_after)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()))[0] if fields else "The given data was invalid."
        return ApiError(422, ErrorCode.INVALID, first, fields)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return ApiError(401, "authentication", str(exc.detail))
    if isinstance(exc, exceptions.Throttled):
        return ApiError(429, ErrorCode.RATE_LIMITED, str(exc.detail), retry_after=int(exc.wait or 60))  # type: ignore[attr-defined]  # stubs lack `wait`
    if isinstance(exc, exceptions.ParseError):
        return ApiError(400, "parse", str(exc.detail))
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return ApiError(404, ErrorCode.NOT_FOUND, "Not found.")
    if isinstance(exc, (DjangoPermissionDenied, exceptions.PermissionDenied)):
        return ApiError(403, ErrorCode.FORBIDDEN, "You do not have permission to perform this action.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ApiError(405, "method_not_allowed", str(exc.detail))
    if isinstance(exc, RequestDataTooBig):
        return ApiError(413, "too_large", "The request body is too large.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ApiError(415, "parse", str(exc.detail))
    if isinstance(exc, exceptions.APIException):
        return ApiError(exc.status_code, "error", str(exc.detail))
    return None


def unexpected_error(exc: Exception) -> ApiError:
    """The neutral error for an exception `to_api_error` does not know: 503 when a dependency is out
    of reach (retry later), else 500. The details go to the log, never to the client."""
    if isinstance(exc, UNAVAILABLE):
        return ApiError(
            503, "unavailable", "Service Unavailable: please retry later.", retry_after=RETRY_UNAVAILABLE_AFTER
        )
    return ApiError(500, "server_error", "Server Error")
