"""`make run`: the port checked before anything else, only running's requirements installed, each
consumer log line printed once."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = ("pytest", "ruff", "playwright", "hypothesis", "factory_boy", "schemathesis")


def test_a_taken_port_is_reported_with_how_to_choose_another():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "scripts/port_free.py", str(port)], cwd=ROOT, capture_output=True, text=True
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr and f"PORT={port + 1} make run" in result.stderr


def test_run_checks_the_port_first_and_installs_only_what_running_needs():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun: port-free install\n" in makefile and "\ntest: install-dev\n" in makefile
    running = (ROOT / "requirements.txt").read_text().lower()
    assert not [tool for tool in TEST_TOOLS if f"\n{tool}=" in "\n" + running]
    assert "make install-dev" in (ROOT / ".ci" / "run").read_text()  # CI still gets everything


def test_each_consumer_log_line_is_printed_once():
    code = (
        "import logging; from django.conf import settings; "
        "logging.getLogger('huey').handlers or logging.getLogger('huey').addHandler(logging.StreamHandler()); "
        "logging.getLogger('huey.consumer').info('consumer-line')"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("consumer-line") == 1
