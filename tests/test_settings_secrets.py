"""Secrets are read exactly as they are set (django-environ would take a leading `$` for the name of
another variable: a random key starts with `$` about one time in fifty)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_a_secret_key_starting_with_a_dollar_is_read_as_it_is():
    key = "$" + "k" * 49
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="x")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
