"""Lambda entry points of the ids API. Every function of the API runs this module; API Gateway
routes each function only its own route."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.observability import logger, metrics
from patron.ids import service
from patron.ids.models import (
    EXECUTION_NAME_PATTERN,
    CustomerId,
    IdDeletion,
    IdLookup,
    IdRegistration,
    WorkflowExecution,
    WorkflowStarted,
    WorkflowSubmission,
)
from patron.ids.wiring import repository, workflow

app = PatronResolver(methods=["DELETE", "GET", "POST", "PUT"])

IdPath = Annotated[CustomerId, Path(description="1-128 of [A-Za-z0-9_.:@-]")]


ExecutionNamePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        pattern=EXECUTION_NAME_PATTERN,
        description="The executionName returned by POST /workflow/submit",
    ),
]


@app.put(
    "/customers/<id>",
    summary="Register a customer id",
    responses={
        200: documented("Already registered", IdRegistration),
        201: documented("Created", IdRegistration),
    },
)
def put_customer_id(
    id: IdPath,
    body: Annotated[dict[str, Any] | None, Body(description="Optional JSON object; not stored")] = None,
) -> Response[IdRegistration]:
    created = service.register(id, repository())
    if created:
        metrics.add_metric(name="IdsCreated", unit="Count", value=1)
    return ok(IdRegistration(id=id, created=created), status=201 if created else 200)


@app.get("/customers/<id>", summary="Check whether a customer id exists")
def get_customer_id(id: IdPath) -> IdLookup:
    return IdLookup(id=id, exists=service.is_registered(id, repository()))


@app.delete("/customers/<id>", summary="Delete a customer id")
def delete_customer_id(id: IdPath) -> IdDeletion:
    return IdDeletion(id=id, deleted=service.unregister(id, repository()))


@app.post(
    "/workflow/submit",
    summary="Start customers-workflow for an id",
    responses={
        202: documented("Started", WorkflowStarted),
    },
)
def submit_workflow(submission: Annotated[WorkflowSubmission, Body()]) -> Response[WorkflowStarted]:
    return ok(service.submit(submission.id, workflow()), status=202)


@app.get(
    "/workflow/executions/<executionName>",
    summary="Read a workflow execution: status, id, result, error",
    responses={
        200: documented("The execution", WorkflowExecution),
        404: documented("No such execution", ErrorResponse),
    },
)
def get_workflow_execution(executionName: ExecutionNamePath) -> WorkflowExecution:
    return service.execution(executionName, workflow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
