"""The Step Functions tasks of customers-workflow (statemachines/customers_workflow.asl.json). Each
takes `{"id"}` and returns the next state's input; `core.steps.task` makes it a Lambda handler (transient
AWS errors retried by the state machine, any other error caught there and failing the execution with a
named error)."""

from __future__ import annotations

from typing import Any

from patron.core.observability import metrics
from patron.core.steps import task
from patron.ids import service
from patron.ids.models import Existence, StepInput
from patron.ids.wiring import repository


@task("id")  # the id follows one run through its three tasks
def validate_exists(event: dict[str, Any]) -> dict[str, Any]:
    step = StepInput.model_validate(event)
    exists = service.is_registered(step.id, repository())
    return Existence(id=step.id, exists=exists, trigger=step.trigger).model_dump(exclude_none=True)


@task("id")
def insert_id(event: dict[str, Any]) -> dict[str, Any]:
    step = StepInput.model_validate(event)
    result = service.insert(step.id, repository(), step.trigger)
    metrics.add_metric(name=f"Workflow{result.result}", unit="Count", value=1)  # Inserted | AlreadyExists
    return result.model_dump()


@task("id")
def log_event(event: dict[str, Any]) -> dict[str, Any]:
    step = StepInput.model_validate(event)
    metrics.add_metric(name="WorkflowAlreadyExists", unit="Count", value=1)
    return service.audit_existing(step.id).model_dump()
