"""End-to-end: a real `patron dev` process on free loopback ports, driven over HTTP. The session's server
records every AWS call each function makes; at the end they are checked against each function's IAM role
in the translated template (tests/iam.py): a call its role does not allow fails the run."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.devserver import DevServer
from tests.iam import check, read_records, role_statements, translated_template

from patron.local.template import Template

IAM_REPORT: list[str] = []


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
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


@pytest.fixture
def fresh_dev(tmp_path: Path) -> Iterator[DevServer]:
    """A server of this test's own, for restart and shutdown tests."""
    server = DevServer(state_dir=tmp_path / "state")
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for text in IAM_REPORT:
        terminalreporter.write_sep("-", "IAM check of the recorded AWS calls")
        terminalreporter.write_line(text)
