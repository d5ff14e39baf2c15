"""The base of every dialect's views: one parameter reader, one rate limiter, one error path."""

import logging
from typing import Any

from django.core.signals import got_request_exception
from django.db import transaction
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.collector import collection_paused

from . import idempotency
from .errors import ApiError, to_api_error, unexpected_error
from .ratelimit import rate_limit_hit
from .schema import DialectSchema

logger = logging.getLogger(__name__)


def request_params(request) -> dict[str, Any]:
    """Query string, form, multipart and JSON bodies read as one mapping (body wins)."""
    params: dict[str, Any] = dict(request.query_params.items())
    data = request.data
    if hasattr(data, "lists"):
        params.update(data.items())
    elif isinstance(data, dict):
        params.update(data)
    elif data:
        raise exceptions.ParseError("The body must be a JSON object.")
    return params


class DialectView(APIView):
    """Subclasses set `authentication_classes` and `render_error`; `error_fields` renames service
    field names to the dialect's own parameter names."""

    error_fields: dict[str, str] = {}
    schema = DialectSchema()
    idempotent = True  # False where a stored answer would keep a secret (2FA PINs) or undo a count

    def render_error(self, error: ApiError) -> Response:
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        if not hasattr(self, "_params"):
            self._params = request_params(self.request)
        return self._params

    @collection_paused()
    def dispatch(self, request, *args, **kwargs):
        """DRF's dispatch, with the handler and its Idempotency-Key answer in one transaction."""
        self.args, self.kwargs = args, kwargs
        django_request = request
        request = self.initialize_request(request, *args, **kwargs)
        self.request, self.headers = request, self.default_response_headers
        claimed = None
        try:
            django_request.body  # noqa: B018 - read once so the key's fingerprint and the parsers both see it
            if not self._method_allowed(request.method):  # routing comes before authentication
                raise exceptions.MethodNotAllowed(request.method)
            self.initial(request, *args, **kwargs)
            handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
            wants_key = self.idempotent and request.user is not None
            claimed = idempotency.claim(request._request, request.user.team) if wants_key else None
            if claimed is None:
                response = handler(request, *args, **kwargs)
            else:
                with transaction.atomic():
                    response = self.finalize_response(request, handler(request, *args, **kwargs), *args, **kwargs)
                    response.render()
                    idempotency.complete(claimed, response)
        except idempotency.Replay as replay:
            response = replay.response
        except Exception as exc:
            if claimed is not None:
                idempotency.release(claimed)
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def _method_allowed(self, method: str) -> bool:
        return method.lower() in self.http_method_names and hasattr(self, method.lower())

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        try:
            self.perform_authentication(request)
        finally:
            # Counted even when authentication fails, so guessing keys is rate limited too.
            self.rate_limit = rate_limit_hit(request)
        if self.rate_limit.exceeded:
            raise exceptions.Throttled(wait=self.rate_limit.retry_after)
        self.check_permissions(request)

    def handle_exception(self, exc):
        """Every exception becomes the dialect's error shape: the known ones their 4xx, anything else
        (a bug, Redis or the database out of reach) a 500 or 503 in JSON, logged with its traceback."""
        error = to_api_error(exc, field_names=self.error_fields)
        if error is None:
            error = unexpected_error(exc)
            # The view's name, not the path: a path may hold a credential (sms/send-url/{token}).
            logger.error("%s %s answered %s", self.request.method, type(self).__name__, error.status, exc_info=exc)
            # What Django does for an uncaught exception (error reporters and the test client listen).
            got_request_exception.send(sender=type(self), request=self.request._request)
        response = self.render_error(error)
        if error.status == 401 and isinstance(exc, exceptions.APIException):
            header = self.get_authenticate_header(self.request)
            if header:
                response["WWW-Authenticate"] = header
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        response.exception = True
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        limit = getattr(self, "rate_limit", None)
        if limit is not None:
            response["X-RateLimit-Limit"] = str(limit.limit)
            response["X-RateLimit-Remaining"] = str(max(0, limit.remaining))
        return response
