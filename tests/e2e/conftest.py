"""End-to-end: a real `patron dev` process on free loopback ports, driven over HTTP; or, with
PATRON_SMOKE_STACK set (`make smoke STAGE=x`), that deployed stack's APIs (tests/deployed.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.deployed import DeployedStage
from tests.devserver import DevServer

SMOKE_STACK = os.environ.get("PATRON_SMOKE_STACK")


SMOKED: list[str] = []  # the deployed APIs the session drove, for the summary


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SMOKE_STACK:
        terminalreporter.write_line(f"smoke: {SMOKE_STACK}: " + (", ".join(SMOKED) or "no API reached"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SMOKE_STACK:
        skip = pytest.mark.skip(reason="about patron dev itself: not run against a deployed stage")
        for item in items:
            if item.get_closest_marker("local_only"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if SMOKE_STACK:
        stage = DeployedStage(SMOKE_STACK)
        stage.start()
        assert stage.endpoints is not None
        SMOKED.extend(f"{service} {url}" for service, url in stage.endpoints.apis.items())
        yield stage
        stage.stop()
        return
    server = DevServer(state_dir=tmp_path_factory.mktemp("e2e") / "state")
    server.start("--reset")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fresh_stage() -> bool:
    """Whether the session's server started empty: `patron dev --reset` does; a deployed stage keeps
    what earlier runs of `make smoke` left."""
    return not SMOKE_STACK


@pytest.fixture
def fresh_dev(tmp_path: Path) -> Iterator[DevServer]:
    """A server of this test's own, for restart and shutdown tests."""
    if SMOKE_STACK:
        pytest.skip("starts and stops its own patron dev: not run against a deployed stage")
    server = DevServer(state_dir=tmp_path / "state")
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()
