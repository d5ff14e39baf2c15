"""Request handling around the views, for the API's sake."""

from django.http import JsonResponse
from django.middleware import common

from .routing import is_api_path


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that only GET and HEAD are redirected to the path with a trailing slash: a
    redirect drops a POST's body (and with DEBUG on, Django raises instead of redirecting). Another
    method on a path that exists only with its slash is a plain 404 (JSON, see `config.urls`).
    API paths never get here: every API route answers both spellings (api/routing.py)."""

    def should_redirect_with_slash(self, request) -> bool:
        return request.method in ("GET", "HEAD") and super().should_redirect_with_slash(request)


class JsonErrorsMiddleware:
    """The safety net of the API prefixes: an error answer that is not JSON (Django's 404 and 500
    pages, a 405 of a documentation page, a CSRF refusal) becomes `{"error": ..., "message": ...}`
    with the same status and headers. The dialect views already answer in their own JSON shapes and
    pass through untouched; pages outside the API keep their HTML."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request.path):
            return response
        if "json" in response.get("Content-Type", ""):
            return response
        reason = response.reason_phrase
        replacement = JsonResponse({"error": reason, "message": reason}, status=response.status_code)
        for name, value in response.items():
            if name.lower() not in ("content-type", "content-length"):
                replacement[name] = value
        return replacement
