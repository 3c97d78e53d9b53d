"""Lambda entry points of the enrollment API. Every function of the API runs this module; API Gateway
routes each function only its own route."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.idempotency import IdempotencyKey, once
from patron.core.observability import logger, metrics
from patron.core.settings import settings
from patron.enrollment import service
from patron.enrollment.models import (
    AgeGroup,
    AgeGroupInput,
    Deleted,
    Enrollment,
    EnrollmentAccepted,
    EnrollmentInput,
)
from patron.enrollment.wiring import age_groups, enrollments

app = PatronResolver(methods=["DELETE", "GET", "POST"])

IdPath = Annotated[str, Path(min_length=1, max_length=128, description="The id returned on creation")]


@app.post(
    "/age-groups",
    summary="Create an age group",
    description="Overlapping groups are allowed; an exact duplicate of an existing range is a 409.",
    responses={
        201: documented("Created", AgeGroup),
        409: documented(
            "An identical age group exists, or the Idempotency-Key was used with another body or its first "
            "request is still running",
            ErrorResponse,
        ),
    },
)
def create_age_group(body: AgeGroupInput, idempotency_key: IdempotencyKey = None) -> Response[AgeGroup]:
    def create() -> AgeGroup:
        return service.create_age_group(body, age_groups())

    return ok(once("enrollment.create_age_group", idempotency_key, app, body, create), 201)


@app.get("/age-groups", summary="List the age groups")
def list_age_groups() -> list[AgeGroup]:
    return service.list_age_groups(age_groups())


@app.delete(
    "/age-groups/<id>",
    summary="Delete an age group",
    responses={
        200: documented("Deleted", Deleted),
        404: documented("No such age group", ErrorResponse),
    },
)
def delete_age_group(id: IdPath) -> Deleted:
    service.delete_age_group(id, age_groups())
    return Deleted(id=id, message=f"Age group {id} deleted.")


@app.post(
    "/enrollments",
    summary="Request an enrollment",
    description="The age must be inside at least one age group. The enrollment is PENDING until the "
    "processor completes it (a few seconds); poll GET /enrollments/{id}.",
    responses={
        202: documented("Accepted", EnrollmentAccepted),
        409: documented(
            "The Idempotency-Key was used with another body, or its first request is still running",
            ErrorResponse,
        ),
    },
)
def request_enrollment(
    body: EnrollmentInput, idempotency_key: IdempotencyKey = None
) -> Response[EnrollmentAccepted]:
    def create() -> EnrollmentAccepted:
        enrollment = service.request_enrollment(body, age_groups(), enrollments(), settings().CPF_VALIDATION)
        metrics.add_metric(name="EnrollmentsRequested", unit="Count", value=1)
        return EnrollmentAccepted(enrollment_id=enrollment.enrollment_id)

    return ok(once("enrollment.request_enrollment", idempotency_key, app, body, create), 202)


@app.get(
    "/enrollments/<id>",
    summary="Get an enrollment and its status",
    responses={
        200: documented("The enrollment", Enrollment),
        404: documented("No such enrollment", ErrorResponse),
    },
)
def get_enrollment(id: IdPath) -> Enrollment:
    return service.get_enrollment(id, enrollments())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
