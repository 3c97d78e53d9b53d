"""The resolver every API uses: Powertools' REST resolver with request validation, the CORS headers
of SPEC §1 on every response, and the one mapping from domain errors to HTTP responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    _is_or_contains_sequence,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from patron.core import errors
from patron.core.observability import logger
from patron.core.settings import settings


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """The body of every error this platform's code returns (SPEC §1)."""

    error: ErrorBody


class GatewayError(BaseModel):
    """The body of API Gateway's own errors (missing API key, unknown route, payload too large)."""

    message: str


RETRY_AFTER_SECONDS = 1  # the Retry-After of a 503 (throttling, an AWS outage)

CORS_ALLOW_HEADERS = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"

STATUS_BY_ERROR: dict[type[errors.PatronError], HTTPStatus] = {
    errors.Invalid: HTTPStatus.BAD_REQUEST,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
}


def ok(body: Any, status: int = 200) -> Response[Any]:
    """A JSON response with an explicit status; routes that always answer 200 return the model itself."""
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def documented(description: str, model: type[BaseModel]) -> OpenAPIResponse:
    """An OpenAPI response entry for a route's `responses=`: a JSON body of `model`."""
    return {"description": description, "content": {"application/json": {"model": model}}}


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> Response[Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"error": error})


def cors_headers(methods: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": settings().CORS_ALLOW_ORIGIN,
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
    }


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        # loc is ("body" | "path" | "query", field, ...): the field path is what a client can act on
        location = [str(part) for part in error.get("loc", ())]
        field = "body" if error.get("type") == "json_invalid" else ".".join(location[1:]) or "body"
        details.append({"field": field, "message": error.get("msg", "invalid value")})
    return details


def _parse_json(body: str) -> Any:
    """json.loads, with a body nested too deeply for the parser reported as invalid JSON (a 400),
    not as a RecursionError (a 500)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", body, 0) from None


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("application/json", "") or media_type.endswith("+json")


# The Powertools internals used here (`_is_or_contains_sequence`, the resolver's
# `_request_validation_middleware`) and the bug worked around were checked against this version;
# tests/unit/core/test_powertools_canaries.py fails when the pin moves, the internals move or the bug is fixed.
CHECKED_POWERTOOLS_VERSION = "3.37.0"


class _StrictBodyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools (3.37) turns a list into its first element for any parameter that is not a sequence,
    a rule meant for repeated query strings that it applies to bodies too: `[{...}]` would pass as the
    object `{...}`. A JSON array body is only for routes whose body parameter is a list."""

    def handler(self, app: Any, next_middleware: Any) -> Any:
        body = app.current_event.body
        if body and body.lstrip().startswith("["):
            body_params = app.context["_route"].dependant.body_params
            if body_params and not any(
                _is_or_contains_sequence(p.field_info.annotation) for p in body_params
            ):
                detail = {"field": "body", "message": "must be a JSON object, not an array"}
                raise errors.Invalid("The request is not valid.", details=[detail])
        return super().handler(app, next_middleware)


class PatronResolver(APIGatewayRestResolver):
    """One per API. `methods` are the API's methods, announced in Access-Control-Allow-Methods."""

    def __init__(self, methods: list[str]) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=_parse_json)
        self._request_validation_middleware = _StrictBodyValidation()  # type: ignore[no-untyped-call]
        self.cors_methods = ",".join([*sorted(methods), "OPTIONS"])
        self.exception_handler(errors.PatronError)(self._domain_error)
        self.exception_handler(RequestValidationError)(self._validation_error)
        self.not_found(self._route_not_matched)
        self.exception_handler(Exception)(self._unexpected_error)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        body = event.get("body")
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        if body and not _is_json(headers.get("content-type", "")):
            message = "The request body must be application/json."
            error = {"error": {"code": errors.UnsupportedMediaType.code, "message": message}}
            result = {
                "statusCode": 415,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "body": json.dumps(error),
            }
            return self._with_cors(result)
        return self._with_cors(super().resolve(event, context))

    def _with_cors(self, result: dict[str, Any]) -> dict[str, Any]:
        for name, value in cors_headers(self.cors_methods).items():
            if "multiValueHeaders" in result:
                result["multiValueHeaders"][name] = [value]
            else:
                result.setdefault("headers", {})[name] = value
        return result

    def _domain_error(self, exc: errors.PatronError) -> Response[Any]:
        return error_response(
            STATUS_BY_ERROR.get(type(exc), HTTPStatus.BAD_REQUEST), exc.code, exc.message, exc.details
        )

    def _validation_error(self, exc: RequestValidationError) -> Response[Any]:
        return error_response(400, "invalid_request", "The request is not valid.", _field_errors(exc))

    def _route_not_matched(self, exc: Exception) -> Response[Any]:
        # API Gateway only invokes this function for one of its resources, so an unmatched path means
        # a path parameter holds characters the router refuses: that is bad input, not a missing route.
        return error_response(
            400, "invalid_request", "A path parameter contains characters that are not allowed."
        )

    def _unexpected_error(self, exc: Exception) -> Response[Any]:
        if errors.is_transient(exc):
            # throttling or an AWS outage: nothing was promised, the client may retry (an outage, not
            # a bug, but still a 5xx: the API's 5XXError alarm should see it)
            logger.exception("AWS throttled or unavailable: answered 503")
            response = error_response(
                503, "service_unavailable", "The service is briefly unavailable; retry the request."
            )
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "An unexpected error occurred.")
