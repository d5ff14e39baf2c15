"""/health/live and /health/ready for load balancers and orchestrators: JSON, no authentication,
nothing secret in the answer (each check says OK or a short reason), cheap enough to call every
second (SELECT 1, one cache write and read, the queue's length, one cache read).

The checks are django-health-check's (database, cache) plus two of ours (the huey queue, the
consumer's heartbeat); the view answers 200 when all pass and 503 otherwise."""

import asyncio
import dataclasses

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from ops.heartbeat import heartbeat_age


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


CHECKS = {"database": Database(), "cache": Cache(), "queue": Queue(), "consumer": ConsumerHeartbeat()}


class ReadyView(HealthCheckView):
    """Every check at once; JSON whatever the Accept header."""

    async def get(self, request, *args, **kwargs):
        names = list(CHECKS)
        with self.get_executor() as executor:
            results = await asyncio.gather(*(CHECKS[name].get_result(executor) for name in names))
        checks = {name: "OK" if r.error is None else r.error.message for name, r in zip(names, results, strict=True)}
        ok = all(r.error is None for r in results)
        return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers (nothing else is touched)."""
    response = JsonResponse({"status": "ok"})
    add_never_cache_headers(response)
    return response
