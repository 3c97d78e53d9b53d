"""End-to-end: a real `patron dev` process on free loopback ports, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.devserver import DevServer


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = DevServer(state_dir=tmp_path_factory.mktemp("e2e") / "state")
    server.start("--reset")
    yield server
    server.stop()


@pytest.fixture
def fresh_dev(tmp_path: Path) -> Iterator[DevServer]:
    """A server of this test's own, for restart and shutdown tests."""
    server = DevServer(state_dir=tmp_path / "state")
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()
