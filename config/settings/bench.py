"""Benchmarks: the database and cache of the environment (PostgreSQL and Redis in `make bench`),
but queued tasks stay in memory, so each scenario measures only its own step."""

from .base import *  # noqa: F403

HUEY = {"huey_class": "huey.MemoryHuey", "name": "bench", "immediate": False}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
SMS_SIMULATOR = {"delivered_ratio": 1.0, "latency_seconds": 0.0, "reply_ratio": 0.0}
