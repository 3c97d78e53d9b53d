"""Waiting in tests: poll until something holds, with a deadline that fails the test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float = 20, interval: float = 0.05, what: str = "condition"
) -> T:
    """Call `condition` every `interval` seconds until it returns something truthy, and return that;
    fail the test (AssertionError naming `what`) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(interval)
    return value


def finished(read: Callable[[], Any], timeout: float = 30, interval: float = 0.05) -> dict[str, Any]:
    """`read()` (an execution, a privacy request: a dict with a `status`) until its status is no longer
    RUNNING; that last reading."""

    def done() -> dict[str, Any] | None:
        body: dict[str, Any] = read()
        return body if body["status"] != "RUNNING" else None

    result: dict[str, Any] = wait_for(done, timeout, interval, what="still RUNNING")
    return result
