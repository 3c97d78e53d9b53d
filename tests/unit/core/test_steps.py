"""`core.steps.task`, the one Lambda handler shape of every Step Functions task: what the state
machines' Retry and Catch match on, and the correlation id that follows a run through its tasks."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from patron.core.errors import TransientError
from patron.core.observability import logger
from patron.core.steps import task


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    logger.registered_handler.setStream(previous)  # type: ignore[attr-defined]


def raising(error: Exception) -> Any:
    @task()
    def step(event: Any) -> Any:
        raise error

    return step


def test_a_task_returns_its_steps_output(lambda_context: Any) -> None:
    @task()
    def double(event: list[int]) -> list[int]:
        return [value * 2 for value in event]

    assert double([1, 2], lambda_context) == [2, 4]  # any JSON input, not only objects


def test_a_transient_aws_error_leaves_as_transient_error(lambda_context: Any) -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutItem")

    with pytest.raises(TransientError) as raised:
        raising(throttled)({}, lambda_context)

    assert raised.value.__cause__ is throttled


def test_any_other_error_leaves_under_its_own_name_with_personal_data_masked(lambda_context: Any) -> None:
    with pytest.raises(Exception, match=r"^no customer <email>$") as raised:
        raising(LookupError("no customer jane@example.com"))({}, lambda_context)

    assert type(raised.value).__name__ == "LookupError"


def test_the_correlation_key_tags_every_log_line(lambda_context: Any, log_lines: io.StringIO) -> None:
    @task("request_id")
    def step(event: dict[str, Any]) -> dict[str, Any]:
        logger.info("step ran")
        return {"done": True}

    step({"request_id": "req-1"}, lambda_context)

    (line,) = [json.loads(text) for text in log_lines.getvalue().splitlines()]
    assert (line["message"], line["correlation_id"]) == ("step ran", "req-1")
    assert line["function_name"] == lambda_context.function_name  # Powertools' Lambda context
