"""Failed-login throttling per client address, shared by the dashboard and password-based APIs.

Counters live in the cache (Redis when configured) so every web process sees the same count.

When the cache is unreachable the throttle fails open: the login is checked as usual (the password
hash still costs its time) and every attempt logs an error saying the throttle is off. Failing
closed would lock every operator out of the dashboard for the length of a Redis outage, the moment
they most need it; a login must never answer 500 either way.
"""

import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(address: str) -> str:
    return f"login-failures:{address}"


def login_blocked(address: str) -> bool:
    try:
        return (cache.get(_key(address)) or 0) >= settings.SMS_LOGIN_ATTEMPTS_PER_MINUTE
    except Exception:
        log.exception("login throttle unavailable (cache unreachable): login from %s not throttled", address)
        return False


def login_failed(address: str) -> None:
    key = _key(address)
    try:
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)
    except Exception:
        log.exception("login throttle unavailable (cache unreachable): failed login from %s not counted", address)
