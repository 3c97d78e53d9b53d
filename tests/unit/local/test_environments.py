"""Lambda execution environments of `patron dev`: real `awslambdaric` processes behind the local
Runtime API (isolation, reuse, concurrency, timeouts, crashes, payload limits, logs)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from patron_tools.local.environments import (
    ASYNC_PAYLOAD_BYTES,
    SYNC_PAYLOAD_BYTES,
    FunctionError,
    ProcessRuntime,
    RequestTooLarge,
    Throttled,
)
from patron_tools.local.logs import FunctionLogs
from patron_tools.local.template import Function

ROOT = Path(__file__).resolve().parents[3]
MODULE = "tests.unit.local.environment_handlers"


def function(name: str, handler: str, timeout: int = 10, **extra: object) -> Function:
    return Function(
        logical_id=name,
        name=name,
        handler=f"{MODULE}.{handler}",
        environment={"ONLY_MINE": name},
        timeout=timeout,
        memory=128,
        log_group="/aws/lambda/test",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[ProcessRuntime]:
    functions = [
        function("Describe", "describe"),
        function("Other", "describe"),
        function("Sleep", "sleep", timeout=1),
        function("Exit", "exit_process"),
        function("Fail", "fail"),
        function("Large", "large"),
        function("Reserved", "sleep", reserved_concurrency=1),
        Function(
            logical_id="Broken",
            name="Broken",
            handler="tests.unit.local.no_such_module.handler",
            environment={},
            timeout=10,
            memory=128,
            log_group="/aws/lambda/test",
        ),
    ]
    runtime = ProcessRuntime(
        {f.logical_id: f for f in functions},
        aws_endpoint="http://127.0.0.1:9",
        logs=FunctionLogs(tmp_path / "logs", cloudwatch=False),
        task_root=ROOT,
    )
    yield runtime
    runtime.stop()


def test_an_environment_sees_only_its_function_s_variables_and_lambda_s(runtime: ProcessRuntime) -> None:
    described = runtime.invoke("Describe", {"a": 1})
    other = runtime.invoke("Other", {})

    assert described["event"] == {"a": 1}
    assert (described["function"], described["mine"]) == ("Describe", "Describe")
    assert (other["function"], other["mine"]) == ("Other", "Other")
    assert described["pid"] != other["pid"]
    assert {"AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"} <= set(
        described["variables"]
    )
    # nothing of this process's own environment leaks in (the test runner's variables)
    assert "PYTEST_CURRENT_TEST" not in described["variables"]
    assert 9_000 < described["remaining_ms"] <= 10_000


def test_an_environment_is_reused_and_keeps_its_module_state(runtime: ProcessRuntime) -> None:
    first = runtime.invoke("Describe", {})
    second = runtime.invoke("Describe", {})

    assert second["pid"] == first["pid"]
    assert (first["invocations"], second["invocations"]) == (1, 2)
    assert first["request_id"] != second["request_id"]
    assert runtime.environments("Describe") == 1


def test_concurrent_invocations_run_in_environments_of_their_own(runtime: ProcessRuntime) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        pids = list(pool.map(lambda _: runtime.invoke("Sleep", {"seconds": 0.5}), range(3)))

    assert len(set(pids)) == 3
    assert runtime.environments("Sleep") == 3


def test_a_timeout_stops_the_environment_and_fails_that_invocation_only(runtime: ProcessRuntime) -> None:
    warm = runtime.invoke("Sleep", {"seconds": 0})

    with pytest.raises(FunctionError) as failed:
        runtime.invoke("Sleep", {"seconds": 5})

    assert failed.value.error_type == "Sandbox.Timedout"
    assert failed.value.payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    after = runtime.invoke("Sleep", {"seconds": 0})
    assert after != warm  # a new environment: the timed-out one was stopped


def test_a_handler_that_exits_its_process_fails_that_invocation_only(runtime: ProcessRuntime) -> None:
    with pytest.raises(FunctionError) as failed:
        runtime.invoke("Exit", {})

    assert failed.value.error_type == "Runtime.ExitError"
    assert "exit status 3" in failed.value.payload["errorMessage"]
    assert runtime.invoke("Describe", {})["function"] == "Describe"


def test_a_module_that_fails_to_import_fails_the_invocation_with_the_init_error(
    runtime: ProcessRuntime,
) -> None:
    with pytest.raises(FunctionError) as failed:
        runtime.invoke("Broken", {})

    # awslambdaric reports it to the Runtime API's /init/error, then exits
    assert failed.value.error_type == "Runtime.ImportModuleError"
    assert failed.value.payload["errorMessage"].startswith(
        f"RequestId: {failed.value.report.request_id} Error: "
    )
    assert "no_such_module" in failed.value.payload["errorMessage"]


def test_an_exception_is_the_function_error_lambda_returns(runtime: ProcessRuntime) -> None:
    with pytest.raises(FunctionError) as failed:
        runtime.invoke("Fail", {})

    assert failed.value.payload["errorType"] == "ValueError"
    assert failed.value.payload["errorMessage"] == "the handler failed"
    assert runtime.environments("Fail") == 1  # the environment survives a handled error


def test_payloads_over_lambda_s_limits_are_refused(runtime: ProcessRuntime) -> None:
    with pytest.raises(RequestTooLarge):
        runtime.invoke("Describe", {"data": "x" * SYNC_PAYLOAD_BYTES})
    with pytest.raises(RequestTooLarge):
        runtime.invoke("Describe", {"data": "x" * ASYNC_PAYLOAD_BYTES}, asynchronous=True)
    assert runtime.environments("Describe") == 0  # refused before any environment started

    with pytest.raises(FunctionError) as failed:
        runtime.invoke("Large", {})
    assert failed.value.error_type == "Function.ResponseSizeTooLarge"


def test_calls_beyond_reserved_concurrency_are_throttled(runtime: ProcessRuntime) -> None:
    def call(_: int) -> str:
        try:
            runtime.invoke("Reserved", {"seconds": 1})
        except Throttled:
            return "throttled"
        return "ok"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(call, range(2)))

    assert outcomes == ["ok", "throttled"]


def test_the_local_cap_queues_calls_that_reserved_concurrency_admits(tmp_path: Path) -> None:
    """Fewer environments than the reserved concurrency (the local cap): a call beyond the cap waits for an
    environment, as Lambda would have run it; only calls beyond the reservation are throttled."""
    reserved = function("Reserved", "sleep", reserved_concurrency=2)
    runtime = ProcessRuntime(
        {"Reserved": reserved},
        aws_endpoint="http://127.0.0.1:9",
        logs=FunctionLogs(tmp_path / "logs", cloudwatch=False),
        per_function=1,
        task_root=ROOT,
    )
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            pids = list(pool.map(lambda _: runtime.invoke("Reserved", {"seconds": 0.5}), range(2)))
    finally:
        runtime.stop()

    assert pids[0] == pids[1]  # both ran, one after the other, in the one environment


def test_log_lines_carry_their_function_and_request_id(runtime: ProcessRuntime, tmp_path: Path) -> None:
    described = runtime.invoke("Describe", {})

    def records() -> list[dict[str, Any]]:
        lines = (tmp_path / "logs" / "Describe.log").read_text().splitlines()
        return [json.loads(line) for line in lines]

    deadline = time.monotonic() + 5  # the output is read by a thread of its own
    while (
        not any(r["message"] == "describing for Describe" for r in records()) and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    printed = [r for r in records() if r["message"] == "describing for Describe"]
    assert [r["request_id"] for r in printed] == [described["request_id"]]
    assert all(r["function"] == "Describe" for r in records())
    report = next(r["message"] for r in records() if str(r["message"]).startswith("REPORT"))
    assert described["request_id"] in report
    assert "Init Duration" in report
