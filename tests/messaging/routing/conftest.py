from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.messaging.test_smpp_gateway import Smsc, free_port


@pytest.fixture
def start_smsc(tmp_path: Path) -> Iterator[Callable[..., Smsc]]:
    started: list[Smsc] = []

    def start(*options: str) -> Smsc:
        directory = tmp_path / f"smsc-{len(started)}"
        directory.mkdir()
        server = Smsc(directory, free_port())
        server.start(*options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
