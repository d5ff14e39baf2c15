"""Requests per minute per API key (or per user, or per client address before authentication),
counted in the cache so that every web process shares the count (Redis in production).

When the cache is out of reach the limiter fails open: the request goes through uncounted, with a
warning in the log, rather than every dialect stopping with Redis. (What protects money and
recipients does not depend on it: credits are checked in the database, 2FA caps fail closed.)"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.lockout import client_address
from accounts.models import ApiKey
from core.shared_redis import redis_client

from .errors import UNAVAILABLE

logger = logging.getLogger(__name__)
WINDOW = 60


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0


def rate_limit_hit(request) -> RateLimit:
    """Count this request (DRF's, authenticated or not) in its fixed one-minute window."""
    user, auth = getattr(request, "_user", None), getattr(request, "_auth", None)
    if user is None:
        return _hit(f"addr:{client_address(request)}", settings.SMS_API_RATE_LIMIT_PER_MINUTE)
    return user_rate_limit_hit(user, auth if isinstance(auth, ApiKey) else None)


def user_rate_limit_hit(user, key: ApiKey | None) -> RateLimit:
    """Count an authenticated request: per key when it came with one, else per user."""
    limit = (user.team.api_rate_limit if user.team else None) or settings.SMS_API_RATE_LIMIT_PER_MINUTE
    return _hit(f"key:{key.pk}" if key is not None else f"user:{user.pk}", limit)


def _hit(bucket: str, limit: int) -> RateLimit:
    now = time.time()
    window = int(now // WINDOW)
    retry_after = max(1, int((window + 1) * WINDOW - now))
    try:
        count = _count(f"ratelimit:{bucket}:{window}")
    except UNAVAILABLE as exc:
        logger.warning("Rate limit not counted, the request goes through (cache unreachable): %r", exc)
        count = 0
    return RateLimit(limit=limit, remaining=limit - count, retry_after=retry_after)


def _count(key: str) -> int:
    """One more in `key`'s counter: on Redis one round trip (Django's cache takes three: add,
    exists, incr), elsewhere through the cache API."""
    client = redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, WINDOW + 5, nx=True)
        return pipe.execute()[0]
    cache.add(key, 0, WINDOW + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW + 5)
        return 1
