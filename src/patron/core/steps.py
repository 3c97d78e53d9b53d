"""The Lambda handler of a Step Functions task, one shape for every state machine (customers-workflow,
marketing's pipeline, privacy-requests): `observed` (log context, metrics, masked errors), and a
transient AWS error raised as `TransientError`, which the state machines' `Retry` retries with backoff;
any other error fails the task under its own name, for `Catch`.
AWS: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.errors import transient_as_retryable
from patron.core.observability import logger, observed

Step = Callable[[Any], Any]
Task = Callable[[Any, LambdaContext], Any]


def task(correlation_key: str | None = None) -> Callable[[Step], Task]:
    """`@task("id")` over `step(event) -> output` (the state's input → the next state's input) makes
    it the task's Lambda handler. With `correlation_key`, the event's value under that key becomes the
    correlation id of every log line (one run or one request, followed through all of its tasks)."""

    def decorate(step: Step) -> Task:
        @observed
        @transient_as_retryable
        @functools.wraps(step)
        def handler(event: Any, context: LambdaContext) -> Any:
            if correlation_key is not None:
                logger.set_correlation_id(event.get(correlation_key))
            return step(event)

        return handler

    return decorate
