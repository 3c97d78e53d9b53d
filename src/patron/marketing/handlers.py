"""Lambda entry points of the marketing API. Every function of the API runs this module."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core import errors
from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.observability import logger, metrics
from patron.core.parsing import parse_json
from patron.core.types import Email, normalize_email
from patron.marketing.models import (
    ExecutionRequest,
    ExecutionStarted,
    ExecutionStatus,
    ExecutionSummary,
    PreferencesAccepted,
    PreferencesBatch,
    StoredInterests,
    Summary,
    UploadCreated,
    UploadReference,
    UploadRequest,
)
from patron.marketing.repository import ExecutionConflict, UploadUnusable
from patron.marketing.wiring import batches, interests, pipeline

UPLOAD_HINT = "Send batches this large through POST /uploads, then POST /preferences with its upload_id."

app = PatronResolver(methods=["GET", "POST"], too_long_hint=UPLOAD_HINT)

ExecutionName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=256,
        pattern=r"^(arn:[A-Za-z0-9-]+:states:[a-z0-9-]+:[0-9]{12}:execution:[A-Za-z0-9_.-]{1,80}:)?[A-Za-z0-9_.-]{1,80}$",
        description="The execution's name, or the executionArn that POST /executions returned",
    ),
]
EmailPath = Annotated[Email, Path(description="The customer's e-mail (case-insensitive)")]


def _state_machine_name(arn: str) -> str:
    return arn.rsplit(":stateMachine:", 1)[-1] if ":stateMachine:" in arn else ""


def _start(execution_input: Any, name: str | None = None) -> dict[str, Any]:
    try:
        return pipeline().start(execution_input, name)
    except ExecutionConflict:
        raise errors.Conflict(
            f"An execution named {name} already exists with another input (ExecutionAlreadyExists)."
        ) from None


@app.post(
    "/executions",
    summary="Start the pipeline (the brief's StartExecution pass-through format)",
    responses={
        200: documented("Started", ExecutionStarted),
        409: documented("This name was used with another input", ErrorResponse),
    },
)
def start_execution(request: ExecutionRequest) -> ExecutionStarted:
    try:
        batch = parse_json(request.input, what="The input")
    except errors.Invalid as exc:
        raise errors.Invalid(
            exc.message, details=[{"field": "input", "message": "must be a JSON document"}]
        ) from None
    if request.stateMachineArn is not None and not (
        request.stateMachineArn.startswith("arn:aws:states:")
        and _state_machine_name(request.stateMachineArn) == _state_machine_name(pipeline().arn)
    ):
        raise errors.Invalid(
            "The request is not valid: stateMachineArn must be this stack's marketing state machine.",
            details=[{"field": "stateMachineArn", "message": "must be this stack's marketing state machine"}],
        )
    # an input over Step Functions' 256 KB travels by S3 reference, as the pipeline's own states do
    started = _start(batches().pack(batch), request.name)
    return ExecutionStarted(executionArn=started["executionArn"], startDate=started["startDate"].timestamp())


@app.post(
    "/uploads",
    summary="Get a URL to upload a large batch to (then POST /preferences with its upload_id)",
    responses={201: documented("Upload URL created", UploadCreated)},
)
def create_upload(request: Annotated[UploadRequest | None, Body()] = None) -> Any:
    upload_id = uuid.uuid4().hex
    url, expires = batches().upload_url(upload_id)
    created = UploadCreated(
        upload_id=upload_id,
        upload_url=url,
        expires_at=expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    return ok(created, 201)


@app.post(
    "/preferences",
    summary="Submit a batch of marketing preferences: the records, or the upload_id of an uploaded batch",
    responses={202: documented("Accepted", PreferencesAccepted)},
)
def submit_preferences(
    batch: Annotated[
        PreferencesBatch,
        Body(
            description="The records (a JSON array), or {upload_id} of a batch uploaded through POST /uploads"
        ),
    ],
) -> Any:
    if isinstance(batch.root, UploadReference):
        upload_id = batch.root.upload_id
        try:
            ref = batches().uploaded(upload_id)
        except UploadUnusable as exc:
            raise errors.Invalid(
                "The upload cannot be used.", details=[{"field": "upload_id", "message": str(exc)}]
            ) from None
        # one execution per upload: submitting it again (a retry, a resumed import) answers the same one
        started = _start({"ref": ref.model_dump()}, f"upload-{upload_id}")
        records = None
    else:
        started = pipeline().start(batches().pack(batch.root))
        records = len(batch.root)
    logger.info(
        "marketing batch submitted", extra={"records": records, "execution": started["executionName"]}
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
    if name.startswith("arn:"):
        machine, name = name.split(":execution:", 1)[1].split(":")
        if machine != _state_machine_name(pipeline().arn):
            raise errors.NotFound("No execution of this stack's marketing state machine has this ARN.")
    execution = pipeline().describe(name)
    if execution is None:
        raise errors.NotFound(f"No execution named {name}.")
    output = None
    if execution["output"] is not None:
        summary = Summary.model_validate(execution["output"])
        report = summary.rejected_report
        output = ExecutionSummary(
            **summary.model_dump(exclude={"rejected_report"}),
            rejected_report_url=batches().download_url(report) if report else None,
        )
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
