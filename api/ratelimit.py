"""Requests per minute per API key (or per user, or per client address before authentication),
counted in the cache so that every web process shares the count (Redis in production).

When the cache is out of reach the limiter fails open: the request goes through uncounted, with a
warning in the log, rather than every dialect stopping with Redis. (What protects money and
recipients does not depend on it: credits are checked in the database, 2FA caps fail closed.)"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings

from accounts.lockout import client_address
from accounts.models import ApiKey
from core.counters import count

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
        hits = count(f"ratelimit:{bucket}:{window}", timeout=WINDOW + 5)
    except UNAVAILABLE as exc:
        logger.warning("Rate limit not counted, the request goes through (cache unreachable): %r", exc)
        hits = 0
    return RateLimit(limit=limit, remaining=limit - hits, retry_after=retry_after)
