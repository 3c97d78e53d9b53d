"""Lambda entry points of the marketing API. Every function of the API runs this module."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core import errors
from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.observability import logger, metrics
from patron.core.types import Email, normalize_email
from patron.marketing.models import (
    ExecutionRequest,
    ExecutionStarted,
    ExecutionStatus,
    PreferencesAccepted,
    StoredInterests,
)
from patron.marketing.wiring import batches, interests, pipeline

app = PatronResolver(methods=["GET", "POST"])

ExecutionName = Annotated[
    str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$", description="The execution's name")
]
EmailPath = Annotated[Email, Path(description="The customer's e-mail (case-insensitive)")]


def _state_machine_name(arn: str) -> str:
    return arn.rsplit(":stateMachine:", 1)[-1] if ":stateMachine:" in arn else ""


@app.post(
    "/executions",
    summary="Start the pipeline (the brief's StartExecution pass-through format)",
    responses={200: documented("Started", ExecutionStarted)},
)
def start_execution(request: ExecutionRequest) -> ExecutionStarted:
    try:
        batch = json.loads(request.input)
    except json.JSONDecodeError:
        raise errors.Invalid(
            "The request is not valid.", details=[{"field": "input", "message": "must be a JSON document"}]
        ) from None
    if request.stateMachineArn is not None and not (
        request.stateMachineArn.startswith("arn:aws:states:")
        and _state_machine_name(request.stateMachineArn) == _state_machine_name(pipeline().arn)
    ):
        raise errors.Invalid(
            "The request is not valid.",
            details=[{"field": "stateMachineArn", "message": "must be this stack's marketing state machine"}],
        )
    started = pipeline().start(batches().pack(batch))
    return ExecutionStarted(executionArn=started["executionArn"], startDate=started["startDate"])


@app.post(
    "/preferences",
    summary="Submit a batch of marketing preferences",
    responses={202: documented("Accepted", PreferencesAccepted)},
)
def submit_preferences(
    records: Annotated[list[Any], Body(description="The records: a JSON array")],
) -> Any:
    started = pipeline().start(batches().pack(records))
    logger.info(
        "marketing batch submitted", extra={"records": len(records), "execution": started["executionName"]}
    )
    return ok(
        PreferencesAccepted(executionArn=started["executionArn"], executionName=started["executionName"]), 202
    )


@app.get(
    "/executions/<name>",
    summary="Status and output of a pipeline execution",
    responses={404: documented("No execution with this name", ErrorResponse)},
)
def get_execution(name: ExecutionName) -> ExecutionStatus:
    execution = pipeline().describe(name)
    if execution is None:
        raise errors.NotFound(f"No execution named {name}.")
    output = batches().unpack(execution["output"]) if execution["output"] is not None else None
    return ExecutionStatus(
        status=execution["status"], output=output, error=execution["error"], step=execution["step"]
    )


@app.get(
    "/preferences/<email>",
    summary="A customer's stored marketing interests",
    responses={404: documented("No interests stored for this e-mail", ErrorResponse)},
)
def get_preferences(email: EmailPath) -> StoredInterests:
    stored = interests().get(normalize_email(email))
    if stored is None:
        raise errors.NotFound("No marketing interests are stored for this e-mail.")
    return StoredInterests.model_validate(stored)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
