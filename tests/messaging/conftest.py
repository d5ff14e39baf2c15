from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.messaging.test_smpp_gateway import Smsc, free_port


@pytest.fixture
def smsc(tmp_path: Path) -> Iterator[Smsc]:
    """The test SMSC (tests/smsc.py) in its own process on a free port, for the SMPP gateway tests."""
    server = Smsc(tmp_path, free_port())
    server.start()
    yield server
    server.stop()
