"""Local development: embedded defaults (SQLite, file-backed huey, simulator gateway)."""

from .base import *  # noqa: F403
from .base import env, mail_settings

DEBUG = env.bool("DJANGO_DEBUG", default=True)
globals().update(mail_settings("consolemail://"))  # mail is printed where `make run` runs, unless EMAIL_URL is set

# Serve static files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
