"""/health/live and /health/ready for load balancers and orchestrators: JSON, no authentication,
nothing secret in the answer (each check says OK or a short reason), cheap enough to call every
second (SELECT 1, one cache write and read, the queue's length, one cache read).

The checks are django-health-check's (database; its cache probe run on this thread) plus two of ours
(the huey queue, the consumer's heartbeat), run in the request's thread; the view answers 200 when all
pass and 503 otherwise."""

import dataclasses
import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from ops.heartbeat import heartbeat_age

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Queue(HealthCheck):
    """The huey queue answers (Redis, or the SQLite file): its length is read."""

    def run(self) -> None:
        from huey.contrib.djhuey import HUEY

        try:
            HUEY.pending_count()
        except Exception as exc:
            raise ServiceUnavailable("queue unreachable") from exc


@dataclasses.dataclass
class ConsumerHeartbeat(HealthCheck):
    """A huey consumer beat within SMS_HEARTBEAT_MAX_AGE_SECONDS (ops/heartbeat.py)."""

    def run(self) -> None:
        age = heartbeat_age()
        if age is None:
            raise ServiceUnavailable("no consumer heartbeat")
        if age > settings.SMS_HEARTBEAT_MAX_AGE_SECONDS:
            raise ServiceUnavailable(f"consumer heartbeat {int(age)} s old")


@dataclasses.dataclass
class SyncCache(Cache):
    """django-health-check's cache probe (a fresh key written and read back), on this thread's cache
    client: its async version runs on a new thread per call, with a new Redis connection each time."""

    def run(self) -> None:
        from django.core.cache import caches

        key, value = f"{self.key_prefix}:{uuid.uuid4().hex}", "ok"
        try:
            cache = caches[self.alias]
            cache.set(key, value, timeout=self.timeout.total_seconds())
            if cache.get(key) != value:
                raise ServiceUnavailable("cache answered another value")
            cache.delete(key)
        except ServiceUnavailable:
            raise
        except Exception as exc:
            raise ServiceUnavailable("cache unreachable") from exc


CHECKS: dict[str, HealthCheck] = {
    "database": Database(),
    "cache": SyncCache(),
    "queue": Queue(),
    "consumer": ConsumerHeartbeat(),
}


def _outcome(check: HealthCheck) -> str:
    try:
        check.run()
    except HealthCheckException as error:
        return error.message
    except Exception:
        log.exception("health check %r failed unexpectedly", check)
        return "unknown error"
    return "OK"


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Every check, one after another on this request's own connections (the database connection is
    the persistent one when CONN_MAX_AGE is set): no new thread or connection per probe."""
    checks = {name: _outcome(check) for name, check in CHECKS.items()}
    ok = all(outcome == "OK" for outcome in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers (nothing else is touched)."""
    response = JsonResponse({"status": "ok"})
    add_never_cache_headers(response)
    return response
