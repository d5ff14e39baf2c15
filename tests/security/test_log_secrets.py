"""No secret in any log line: requests carrying an API token, a URL-sending token in the path, a
PIN, passwords and API keys are logged (Django's loggers, the development server's request lines,
gunicorn's access log) without them."""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from gunicorn.config import Config

from config.gunicorn import MaskingLogger

pytestmark = pytest.mark.django_db

SECRETS = {
    "api_token": "sk_apitokensecret",
    "token": "tokensecret42",
    "pin": "913377",
    "password": "pwsecret-1",
    "_password": "pwsecret-2",
    "api_key": "sk_apikeysecret",
}
QUERY = "&".join(f"{name}={value}" for name, value in SECRETS.items())
URL_TOKEN = "url_pathsecrettoken"


@pytest.fixture
def captured():
    """The text written by every handler the project configured (not pytest's own)."""
    stream = io.StringIO()
    handlers = {h for name in ("", "django.server") for h in logging.getLogger(name).handlers if h.filters}
    assert handlers, "the project's handlers carry the masking filter"
    old = {h: h.setStream(stream) for h in handlers}
    yield stream
    for handler, previous in old.items():
        handler.setStream(previous)


def assert_clean(text: str) -> None:
    assert text.strip(), "something was logged"
    for secret in (*SECRETS.values(), URL_TOKEN):
        assert secret not in text, (secret, text)


def test_django_request_logs_hold_no_secret(api, captured):
    api.get(f"/api/rest/v1/sms/send-url/{URL_TOKEN}?{QUERY}")  # 401: django.request logs the path
    api.post(f"/api/message?{QUERY}", {"_login": "a@b.test", "_password": SECRETS["_password"]})
    api.get(f"/api/v2/account/balance?{QUERY}")
    assert_clean(captured.getvalue())


def test_the_development_server_request_line_holds_no_secret(captured):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request, handler.client_address = None, ("127.0.0.1", 5000)
    for line in (f"GET /api?{QUERY} HTTP/1.1", f"GET /api/rest/v1/sms/send-url/{URL_TOKEN}?x=1 HTTP/1.1"):
        handler.requestline = line
        handler.log_request(200, 10)
    assert_clean(captured.getvalue())


def test_gunicorn_access_log_holds_no_secret():
    import config.gunicorn as conf

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", conf.access_log_format + ' "%(r)s" %(q)s %({authorization}i)s %({x-api-key}i)s')
    logger = MaskingLogger(cfg)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    for path in (f"/api/rest/v1/sms/send-url/{URL_TOKEN}", "/api"):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"{path}?{QUERY}",
            "PATH_INFO": path,
            "QUERY_STRING": QUERY,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        headers = [("AUTHORIZATION", f"Bearer {SECRETS['api_token']}"), ("X-API-KEY", SECRETS["api_key"])]
        req = SimpleNamespace(headers=headers)
        resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
        logger.access(resp, req, environ, timedelta(milliseconds=5))
    assert_clean(stream.getvalue())
    assert '"GET /api" 200' in stream.getvalue()
