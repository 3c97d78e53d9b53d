"""Step Functions tasks of privacy-requests (statemachines/privacy_requests.asl.json): the factory
of each service's task (the service modules `patron.<service>.privacy` define what is found and how
it is erased) and the finishing task. Transient AWS errors leave as `TransientError`, which the state
machine retries with backoff."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.errors import transient_as_retryable
from patron.core.observability import logger, masked_errors, metrics
from patron.privacy import service
from patron.privacy.models import FinishInput, Service, TaskInput
from patron.privacy.wiring import objects, records

Task = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _retried(step: Callable[[dict[str, Any]], dict[str, Any]]) -> Task:
    @masked_errors
    @logger.inject_lambda_context
    @metrics.log_metrics
    @transient_as_retryable
    @functools.wraps(step)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        logger.set_correlation_id(event.get("request_id"))  # one request through its five tasks
        return step(event)

    return handler


def privacy_task(name: Service, part: service.Part) -> Task:
    """The Lambda handler of one service's part: `{"request_id", "type", "started_at"}` →
    `{"service", "found"}` (the items themselves travel through S3, never through the execution)."""

    def step(event: dict[str, Any]) -> dict[str, Any]:
        result = service.run_part(name, TaskInput.model_validate(event), part, objects())
        return result.model_dump()

    return _retried(step)


@_retried
def finish(event: dict[str, Any]) -> dict[str, Any]:
    return service.finish(FinishInput.model_validate(event), records(), objects())
