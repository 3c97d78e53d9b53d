"""End-to-end: a real `patron dev` process on free loopback ports, driven over HTTP; or, with
PATRON_SMOKE_STACK set (`make smoke STAGE=x`), that deployed stack's APIs (tests/deployed.py). The local
session's server records every AWS call each function makes; at the end they are checked against each
function's IAM role in the translated template (tests/iam.py): a call its role does not allow fails the run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.deployed import DeployedStage
from tests.devserver import DevServer
from tests.iam import check, read_records, role_statements, translated_template

from patron_tools.local.template import Template

IAM_REPORT: list[str] = []

SMOKE_STACK = os.environ.get("PATRON_SMOKE_STACK")


SMOKED: list[str] = []  # the deployed APIs the session drove, for the summary


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SMOKE_STACK:
        terminalreporter.write_line(f"smoke: {SMOKE_STACK}: " + (", ".join(SMOKED) or "no API reached"))
    for text in IAM_REPORT:
        terminalreporter.write_sep("-", "IAM check of the recorded AWS calls")
        terminalreporter.write_line(text)


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
    directory = tmp_path_factory.mktemp("e2e")
    calls = directory / "aws-calls.jsonl"
    server = DevServer(state_dir=directory / "state", environment={"PATRON_RECORD_AWS_CALLS": str(calls)})
    server.start("--reset")
    warm_every_function(server)
    yield server
    server.stop()
    report = check(read_records(calls), role_statements(translated_template()))
    IAM_REPORT.append(report.text())
    assert not report.missing, report.text()


def warm_every_function(server: DevServer) -> None:
    """Start one execution environment of every function before the tests (an empty event through the
    Invoke API; most handlers refuse it, the environment stays). A cold start costs ~1 s of CPU on a quiet
    machine but several seconds on a busy one, which the tests' 5 s read timeouts are not meant to
    measure; the cold starts themselves are tested in tests/unit/local/test_environments.py."""
    client = server.aws("lambda")
    names = [function.name for function in Template().functions().values()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda name: client.invoke(FunctionName=name, Payload=b"{}"), names))


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
