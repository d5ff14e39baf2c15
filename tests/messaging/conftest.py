from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.smsc import SmscProcess, free_port


@pytest.fixture
def smsc(tmp_path: Path) -> Iterator[SmscProcess]:
    """The test SMSC (tests/smsc.py) in its own process on a free port, for the SMPP gateway tests."""
    server = SmscProcess(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def engine_smsc(tmp_path: Path, settings) -> Iterator[Callable[..., SmscProcess]]:
    """Start the test SMSC with these options and make it the engine's gateway (SMS_GATEWAY=smpp)."""
    started: list[SmscProcess] = []

    def start(*options: str) -> SmscProcess:
        server = SmscProcess(tmp_path, free_port())
        server.start(*options)
        settings.SMS_GATEWAY = "smpp"
        settings.SMS_SMPP = {
            "host": "127.0.0.1",
            "port": server.port,
            "system_id": "test",
            "password": "x",
            "window": 5,
        }
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
