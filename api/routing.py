"""Routing of the API dialects: every path answers with and without its trailing slash (no redirect,
so a POST keeps its body), and anything unknown under an API prefix is a 404 in its dialect's shape.

Use `path` from here, not Django's, in every URL module of the API (tests/api/test_routing.py walks
every route and checks both spellings)."""

from functools import partial

from django.http import JsonResponse
from django.urls import re_path
from django.urls.conf import _path  # type: ignore[attr-defined]  # private: the stubs have only `path`
from django.urls.resolvers import RoutePattern
from django.views import defaults
from rest_framework import exceptions

API_PREFIXES = ("/api", "/raven", "/v1", "/hooks")


class EitherSlashPattern(RoutePattern):
    """A route that also matches its other spelling: `sms/send` matches `sms/send/`, and `api/docs/`
    matches `api/docs`. Only endpoints; `reverse()` and the OpenAPI schema keep the written spelling."""

    def match(self, path):
        found = super().match(path)
        if found is None and self._is_endpoint and path:  # type: ignore[attr-defined]  # set by RoutePattern
            found = super().match(path[:-1] if path.endswith("/") else path + "/")
        return found


path = partial(_path, Pattern=EitherSlashPattern)


def unknown_under(prefix: str, view_base: type):
    """A catch-all for the paths under `prefix` that no route knows: 404 for every method, in the
    error shape of `view_base`'s dialect, before authentication (as a missing route is everywhere)."""

    class UnknownPathApi(view_base):
        authentication_classes: list[type] = []
        permission_classes: list[type] = []
        idempotent = False
        schema = None  # not an operation

        def _method_allowed(self, method: str) -> bool:
            return True

        def initial(self, request, *args, **kwargs):
            raise exceptions.NotFound()

    UnknownPathApi.__name__ = UnknownPathApi.__qualname__ = f"Unknown{view_base.__name__}Path"
    return re_path(rf"^{prefix}(?:/.*)?$", UnknownPathApi.as_view())


def is_api_path(path: str) -> bool:
    return path in API_PREFIXES or path.startswith(tuple(p + "/" for p in API_PREFIXES))


def _wants_json(request) -> bool:
    """A machine's request: an API path, a method other than GET/HEAD, or an Accept without HTML."""
    if is_api_path(request.path):
        return True
    accept = request.headers.get("Accept", "")
    return request.method not in ("GET", "HEAD") or ("json" in accept and "html" not in accept)


def not_found(request, exception=None):
    """handler404 (DEBUG off): JSON for machines, the HTML page for browsers."""
    if _wants_json(request):
        return JsonResponse({"error": "Not found.", "message": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500 (DEBUG off), the last resort behind each dialect's own handler (api/base.py)."""
    if _wants_json(request):
        return JsonResponse({"error": "Server Error", "message": "Server Error"}, status=500)
    return defaults.server_error(request)
