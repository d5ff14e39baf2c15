"""Benchmarks: the database and cache of the environment (PostgreSQL and Redis in `make bench`),
but queued tasks stay in memory, so each scenario measures only its own step."""

import os

from .base import *  # noqa: F403

HUEY = {"huey_class": "huey.MemoryHuey", "name": "bench", "immediate": False}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
SMS_SIMULATOR = {"delivered_ratio": 1.0, "latency_seconds": 0.0, "reply_ratio": 0.0}

# On SQLite (the smoke run) the scratch database is a file, not a shared in-memory one: the SMPP
# storing thread writes receipts, and the gunicorn scenarios' web processes must open it too.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"bench-db-{os.getpid()}.sqlite3")}  # noqa: F405
