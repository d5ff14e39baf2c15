"""Mail settings come from the environment: EMAIL_URL names the backend and the server, DEFAULT_FROM_EMAIL
the sender; development prints mail to the console unless EMAIL_URL is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

NAMES = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
]


def mail_settings(module: str, **variables: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "DEFAULT_FROM"))}
    env.update(DJANGO_SETTINGS_MODULE=f"config.settings.{module}", DJANGO_SECRET_KEY="k" * 50, **variables)
    env.setdefault("DJANGO_ALLOWED_HOSTS", "x")
    code = f"from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {NAMES}}}))"
    result = subprocess.run(
        [sys.executable, "-c", f"import json, django; django.setup(); {code}"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_smtp_server_with_a_login_is_one_url():
    got = mail_settings(
        "production",
        EMAIL_URL="smtp+tls://alerts%40example.com:p%2Fss@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="SMS platform <sms@example.com>",
    )
    assert got == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "alerts@example.com",
        "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "SMS platform <sms@example.com>",
    }


def test_development_prints_mail_unless_a_server_is_named():
    assert mail_settings("local")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    named = mail_settings("local", EMAIL_URL="smtp://mail.internal:25")
    assert named["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert named["EMAIL_HOST"] == "mail.internal"
