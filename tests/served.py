"""The served WSGI application (config/handler.py: the express lane, the API's short middleware chain
and the pages' full one), called as a WSGI server calls it, inside the test's transaction: Django's
end-of-request connection check must not close it, as its test client makes sure too."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO

from django.core import signals
from django.db import close_old_connections

from config.handler import SplitHandler


@contextmanager
def served_app() -> Iterator[Callable[..., tuple[int, dict, bytes]]]:
    """A call(method, path, *, body, query, headers, content_type, lane) giving the answer's status,
    headers and body; `lane` (else the whole application, `call.handler`) is what answers."""
    handler = SplitHandler()

    def call(method, path, *, body=b"", query="", headers=None, content_type="", lane=None):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            **({"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))} if content_type else {}),
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or {}).items()},
        }
        started: dict = {}

        def start_response(status, response_headers, exc_info=None):
            started.update(status=int(status.split()[0]), headers=dict(response_headers))

        chunks = (lane or handler)(environ, start_response)
        content = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        return started["status"], started["headers"], content

    call.handler = handler
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield call
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
