"""Request latency by view, for /metrics (core/metrics.py)."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core import metrics


class RequestMetricsMiddleware:
    """Times every request; labelled by its URL pattern (not the path: ids would make a label each)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.route or match.view_name) if match else "<unmatched>"
        metrics.request_observed(
            view=view or "<unmatched>",
            method=request.method if request.method in KNOWN_METHODS else "OTHER",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
