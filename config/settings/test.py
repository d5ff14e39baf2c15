"""Unit tests: huey runs tasks inline; a fast password hasher; an in-memory cache per process."""

import os

from .base import *  # noqa: F403
from .base import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Serve static files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A deterministic simulator: everything delivered at once, no replies (tests ask for failures by number).
SMS_GATEWAY = "simulator"
SMS_SIMULATOR = {"delivered_ratio": 1.0, "latency_seconds": 0.0, "reply_ratio": 0.0}

# A file, not SQLite's shared in-memory database: threads that write (SMPP receipts, the live server)
# then wait on the busy timeout instead of failing with "database table is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
