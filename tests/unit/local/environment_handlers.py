"""Handlers run by tests/unit/local/test_environments.py in real execution environments
(`python -m awslambdaric tests.unit.local.environment_handlers.<name>`)."""

from __future__ import annotations

import os
import time
from typing import Any

INVOCATIONS = 0  # module state: lives as long as its environment


def describe(event: Any, context: Any) -> dict[str, Any]:
    global INVOCATIONS
    INVOCATIONS += 1
    print(f"describing for {context.function_name}")
    return {
        "event": event,
        "variables": sorted(os.environ),
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "mine": os.environ.get("ONLY_MINE"),
        "pid": os.getpid(),
        "invocations": INVOCATIONS,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def sleep(event: Any, context: Any) -> int:
    time.sleep(float(event["seconds"]))
    return os.getpid()


def exit_process(event: Any, context: Any) -> None:
    os._exit(3)


def fail(event: Any, context: Any) -> None:
    raise ValueError("the handler failed")


def large(event: Any, context: Any) -> str:
    return "x" * (7 * 1024 * 1024)
