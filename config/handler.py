"""The WSGI application: API paths go through a shorter middleware chain than pages.

The API dialects authenticate each request by its own credentials (never a session or a cookie),
so the middleware that serves pages (sessions, CSRF, login, messages, static files, the login
lockout page) does nothing for them but cost time on the hottest paths (a single send). They get
settings.API_MIDDLEWARE: request metrics and logs, security headers, the JSON error net, CSP."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from api.express import ExpressLane
from api.messenger import twofa
from api.rest_v1 import sms
from api.routing import is_api_path


@contextmanager
def api_middleware() -> Iterator[None]:
    """Django builds a handler's chain from settings.MIDDLEWARE: it is swapped only while the API's
    handler is built, once, at start-up, before any request is served."""
    pages = settings.MIDDLEWARE
    settings.MIDDLEWARE = settings.API_MIDDLEWARE
    try:
        yield
    finally:
        settings.MIDDLEWARE = pages


class ApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        with api_middleware():
            super().load_middleware(is_async)


class SplitHandler:
    """Pages, the API, and the express lane of the hottest endpoints (api/express.py)."""

    def __init__(self) -> None:
        self.pages = WSGIHandler()
        self.api = ApiHandler()
        self.express = ExpressLane(self.api, routes=[sms.EXPRESS, *twofa.EXPRESS])

    def __call__(self, environ, start_response):
        if self.express.wants(environ):
            return self.express(environ, start_response)
        handler = self.api if is_api_path(environ.get("PATH_INFO", "")) else self.pages
        return handler(environ, start_response)
