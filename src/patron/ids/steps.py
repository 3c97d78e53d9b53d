"""The Step Functions tasks of customers-workflow (statemachines/customers_workflow.asl.json). Each
takes `{"id"}` and returns the next state's input. Transient AWS errors are raised as `TransientError`
(core.errors),
which the state machine retries with backoff; any other error is caught there and fails the
execution with a named error."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.errors import transient_as_retryable
from patron.core.observability import logger, masked_errors, metrics
from patron.ids import service
from patron.ids.models import Existence, StepInput
from patron.ids.wiring import repository

Task = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def task(step: Callable[[StepInput], dict[str, Any]]) -> Task:
    @masked_errors
    @logger.inject_lambda_context
    @metrics.log_metrics
    @transient_as_retryable
    @functools.wraps(step)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        step_input = StepInput.model_validate(event)
        logger.set_correlation_id(step_input.id)  # the id follows one run through its three tasks
        return step(step_input)

    return handler


@task
def validate_exists(step: StepInput) -> dict[str, Any]:
    exists = service.is_registered(step.id, repository())
    return Existence(id=step.id, exists=exists, trigger=step.trigger).model_dump(exclude_none=True)


@task
def insert_id(step: StepInput) -> dict[str, Any]:
    result = service.insert(step.id, repository(), step.trigger)
    metrics.add_metric(name=f"Workflow{result.result}", unit="Count", value=1)  # Inserted | AlreadyExists
    return result.model_dump()


@task
def log_event(step: StepInput) -> dict[str, Any]:
    metrics.add_metric(name="WorkflowAlreadyExists", unit="Count", value=1)
    return service.audit_existing(step.id).model_dump()
