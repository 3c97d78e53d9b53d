"""Lambda entry points of the privacy API (SPEC §1.6). Every function of the API runs this module."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.observability import logger, metrics
from patron.privacy import service
from patron.privacy.models import (
    PrivacyRequest,
    PrivacyRequestAccepted,
    PrivacyRequestInput,
)
from patron.privacy.wiring import executions, hash_key, objects, records

app = PatronResolver(methods=["GET", "POST"])

RequestId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="The request's id (32 hexadecimal digits); any other id is simply unknown (404)",
    ),
]


@app.post(
    "/requests",
    summary="Export or erase everything the platform holds about a person",
    responses={202: documented("Accepted: privacy-requests is running", PrivacyRequestAccepted)},
)
def submit_request(request: PrivacyRequestInput) -> Any:
    identity = app.current_event.request_context.identity
    accepted = service.submit(
        request, identity.api_key_id, app.principal(), hash_key(), records(), objects(), executions()
    )
    metrics.add_metric(name=f"Privacy{request.type.capitalize()}Requests", unit="Count", value=1)
    return ok(accepted, 202)


@app.get(
    "/requests/<request_id>",
    summary="A privacy request's status, counts per service and export",
    responses={404: documented("No request with this id", ErrorResponse)},
)
def get_request(request_id: RequestId) -> PrivacyRequest:
    return service.get(request_id, records(), objects(), executions())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
