"""/metrics: Prometheus' text format, for a scraper that presents SMS_METRICS_TOKEN as a bearer token,
or (no token set) calls from an address in SMS_METRICS_ALLOWED_ADDRESSES. Queue depths and the
consumer's heartbeat are read at scrape time."""

import hmac
import os
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from messaging.models import Message, Status
from ops.heartbeat import heartbeat_age


class _ScrapeTime:
    """Values read when scraped: the huey queue's length, messages waiting, the heartbeat's age."""

    def describe(self):
        return []

    def collect(self):
        yield GaugeMetricFamily("sms_queue_tasks", "Tasks waiting in the huey queue.", value=HUEY.pending_count())
        waiting = Message.objects.filter(status=Status.QUEUE).count()  # the partial index msg_queue
        yield GaugeMetricFamily(
            "sms_messages_waiting", "Messages in the QUEUE status (due or scheduled).", value=waiting
        )
        age = heartbeat_age()
        yield GaugeMetricFamily(
            "sms_consumer_heartbeat_age_seconds",
            "Seconds since a huey consumer last beat (a large number when none ever did).",
            value=age if age is not None else 1e9,
        )
        yield GaugeMetricFamily("sms_scrape_timestamp_seconds", "When this scrape was answered.", value=time.time())


class _ThisProcess:
    def describe(self):
        return []

    def collect(self):
        return REGISTRY.collect()


def _allowed(request: HttpRequest) -> bool:
    token = settings.SMS_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR", "") in settings.SMS_METRICS_ALLOWED_ADDRESSES


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_ScrapeTime())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
