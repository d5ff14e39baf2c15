"""A connector's throughput cap holds over every consumer: two dispatchers sending at once through
one capped connector never put more than the cap into any second at the SMSC. The count lives in
the shared cache (Redis in production; the same test runs on Redis when REDIS_URL is set)."""

import os
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messaging.models import Message, Status
from messaging.routing.status import connector_status_list
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from tests.messaging.routing.helpers import route, send, smpp_connector, statuses
from tests.smsc import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CAP = 10

CACHES = [pytest.param({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, id="local")]
if os.environ.get("REDIS_URL"):
    CACHES.append(
        pytest.param(
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}, id="redis"
        )
    )


def consumer() -> None:
    try:
        dispatch_due(gateway=get_gateway(), limit=20)
    finally:
        connection.close()


@pytest.mark.parametrize("cache", CACHES)
def test_the_cap_holds_across_two_consumers(start_smsc, settings, cache):
    settings.CACHES = {"default": cache}
    smsc = start_smsc()
    route(smpp_connector("capped", smsc.port, throughput=CAP))
    # Queued for later, then made due: not dispatched on commit (tests run huey's tasks inline).
    messages = send(*(f"+3725553{i:04d}" for i in range(40)), scheduled_at=timezone.now() + timedelta(hours=1))
    Message.objects.update(scheduled_at=timezone.now() - timedelta(seconds=1))
    consumers = [threading.Thread(target=consumer) for _ in range(2)]
    for thread in consumers:
        thread.start()
    # The status page shows what the cap holds back in the consumers, as the connector's queue.
    wait_for(lambda: connector_status_list()[0].waiting > 0)
    for thread in consumers:
        thread.join()
    assert connector_status_list()[0].waiting == 0
    wait_for(lambda: statuses(messages) == [Status.DELIVRD] * 40)
    times = [e["at"] for e in smsc.events("submit")]
    assert len(times) == 40
    # 40 parts at 10 a second fall into four different seconds, so they span at least two (uncapped,
    # a fraction of one); no second at the SMSC holds much more than the cap (one sent at x.999 s
    # may arrive in the next).
    assert max(times) - min(times) >= 40 / CAP - 2
    assert max(Counter(int(t) for t in times).values()) <= 2 * CAP
