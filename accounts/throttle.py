"""Failed-login throttling per client address, shared by the dashboard and password-based APIs.

Counters live in the cache (Redis when configured) so every web process sees the same count."""

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(address: str) -> str:
    return f"login-failures:{address}"


def login_blocked(address: str) -> bool:
    return (cache.get(_key(address)) or 0) >= settings.SMS_LOGIN_ATTEMPTS_PER_MINUTE


def login_failed(address: str) -> None:
    key = _key(address)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
