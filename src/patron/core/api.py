"""The resolver every API uses: Powertools' REST resolver with request validation, the CORS headers
of SPEC §1 on every response, and the one mapping from domain errors to HTTP responses."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
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
from patron.core.parsing import parse_json
from patron.core.settings import settings
from patron.identity import access


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """The body of every error this platform's code returns (SPEC §1). `message` repeats
    `error.message` at the top level, where API Gateway's own errors carry theirs: a client reads one
    field whoever answered."""

    message: str
    error: ErrorBody


class GatewayError(BaseModel):
    """The body of API Gateway's own errors (missing API key, unknown route, payload too large)."""

    message: str


LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes of a synchronous invocation's event (Lambda quotas)
"""https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: on AWS a larger proxy event never
reaches the function (API Gateway answers 413); the resolver answers the same wherever it can run."""

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


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON of an error (SPEC §1): `{"message", "error": {"code", "message", "details"?}}`."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"message": message, "error": error}


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, details),
    )


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
        details.append({"field": field, "message": errors.plain_message(error)})
    return details


def _event_bytes(event: Mapping[str, Any]) -> int:
    """The size of the proxy event as Lambda receives it: JSON, the body an escaped string inside it."""
    return len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())


def is_json(content_type: str) -> bool:
    """Whether a Content-Type is JSON: `application/json` or any `+json` type, in any letter case (media
    types are case-insensitive, RFC 9110 §8.3.1; structured `+json` suffixes, RFC 6838 §4.2.8). No
    Content-Type at all is taken as JSON, as Powertools does."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("application/json", "") or media_type.endswith("+json")


# The Powertools internals used here (`_is_or_contains_sequence`, the resolver's
# `_request_validation_middleware`) and the bug worked around were checked against this version;
# tests/unit/core/test_powertools_canaries.py fails when the pin moves, the internals move or the bug is fixed.
CHECKED_POWERTOOLS_VERSION = "3.37.0"


def _decoded_body(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event with a base64-encoded body (a binary media type, or bytes that were not UTF-8) as
    text; `errors.Invalid` when those bytes are not UTF-8, the only encoding of JSON (RFC 8259 §8.1)."""
    if not (event.get("isBase64Encoded") and event.get("body")):
        return event
    try:
        text = base64.b64decode(event["body"], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.Invalid("The body is not UTF-8 text; send JSON encoded as UTF-8.") from None
    return {**event, "body": text, "isBase64Encoded": False}


class _StrictRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation (3.37), with the request rules of SPEC §1 it does not have:
    - the body is parsed as JSON whatever the JSON media type's spelling (Powertools only knows
      `application/json` in lower case; `PatronResolver.resolve` has already refused other types);
    - a body must be a JSON object unless the route's body is a list (Powertools turns a list into
      its first element for any parameter that is not a sequence, and takes `null` as no body);
    - a query parameter given twice is refused by name (Powertools passes the list on, and the
      client reads "Input should be a valid integer" for `?limit=2&limit=2`)."""

    def handler(self, app: Any, next_middleware: Any) -> Any:
        route = app.context["_route"]
        repeated = app.current_event.multi_value_query_string_parameters or {}
        for param in route.dependant.query_params:
            values = repeated.get(param.alias) or []
            if len(values) > 1 and not _is_or_contains_sequence(param.field_info.annotation):
                raise errors.Invalid(
                    f"The query parameter {param.alias} is repeated; give it once.",
                    details=[{"field": param.alias, "message": "is repeated"}],
                )
        body_params = route.dependant.body_params
        if body_params and app.current_event.body:
            body = app.current_event.json_body
            wants_list = any(_is_or_contains_sequence(p.field_info.annotation) for p in body_params)
            if not wants_list and not isinstance(body, dict):
                raise errors.Invalid(
                    "The body must be a JSON object.",
                    details=[{"field": "body", "message": "must be a JSON object"}],
                )
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> Any:
        return app.current_event.json_body


class PatronResolver(APIGatewayRestResolver):
    """One per API. `methods` are the API's methods, announced in Access-Control-Allow-Methods."""

    def __init__(self, methods: list[str], too_long_hint: str = "") -> None:
        """`too_long_hint`: a sentence added to the 413 of a request whose event passes Lambda's 6 MB,
        naming the way such a payload can be sent."""
        super().__init__(enable_validation=True, json_body_deserializer=parse_json)
        self.too_long_hint = too_long_hint
        self._request_validation_middleware = _StrictRequestValidation()  # type: ignore[no-untyped-call]
        self.cors_methods = ",".join([*sorted(methods), "OPTIONS"])
        self.exception_handler(errors.PatronError)(self._domain_error)
        self.exception_handler(RequestValidationError)(self._validation_error)
        self.not_found(self._route_not_matched)
        self.exception_handler(Exception)(self._unexpected_error)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        if event.get("body") and not is_json(headers.get("content-type") or ""):
            body = error_body(errors.UnsupportedMediaType.code, "The request body must be application/json.")
            return self._error_result(415, body)
        raw = event.get("body") or ""
        if len(raw) > LAMBDA_PAYLOAD_LIMIT // 2 and _event_bytes(event) > LAMBDA_PAYLOAD_LIMIT:
            return self._error_result(413, self._too_long())
        try:
            event = _decoded_body(event)
        except errors.Invalid as exc:
            return self._error_result(400, error_body(exc.code, exc.message))
        principal = access.from_context((event.get("requestContext") or {}).get("authorizer"))
        who = principal.describe() if principal else None
        # who calls names every line the request logs (never the token: the authorizer's context has none)
        logger.append_keys(principal=who)
        try:
            result = self._with_cors(super().resolve(event, context))
        finally:
            logger.remove_keys(["principal"])
        if event.get("httpMethod") not in ("GET", "HEAD", "OPTIONS"):
            # every write is said once, with who made it (SPEC §1.7)
            logger.info(
                "write",
                extra={
                    "principal": who,
                    "route": f"{event.get('httpMethod')} {event.get('resource')}",
                    "status": result.get("statusCode"),
                },
            )
        return result

    def principal(self) -> access.Principal | None:
        """Who makes the current request, as the authorizer named them (None without an authorizer)."""
        return access.from_context(self.current_event.raw_event.get("requestContext", {}).get("authorizer"))

    def _too_long(self) -> dict[str, Any]:
        message = " ".join(
            filter(
                None, ["The request is larger than a Lambda invocation carries (6 MB).", self.too_long_hint]
            )
        )
        # API Gateway's own answer is {"message": "Request Too Long"}: the same field, read the same way
        return {
            "message": "Request Too Long",
            "error": {"code": errors.PayloadTooLarge.code, "message": message},
        }

    def _error_result(self, status: int, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": content_types.APPLICATION_JSON}
        return self._with_cors({"statusCode": status, "headers": headers, "body": json.dumps(body)})

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = r"^{}/*\Z") -> Any:
        # API Gateway's matching: a trailing slash reaches the same resource (as Powertools' REST
        # resolver has it), and `\Z`, not `$`: `$` also matches before a final newline, so
        # `/customers/victim-1\n` would reach victim-1
        return ApiGatewayResolver._compile_regex(rule, base_regex)

    def _convert_matches_into_route_keys(self, match: Any) -> dict[str, str]:
        # a REST API's proxy event keeps the client's percent-encoding in `path` (pathParameters are
        # decoded): the values the router cuts out of `path` are decoded here, exactly once
        return {name: unquote(value) for name, value in match.groupdict().items()}

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
        details = _field_errors(exc)
        summary = "; ".join(f"{d['field']} {d['message']}" for d in details[:3])
        more = f" (and {len(details) - 3} more)" if len(details) > 3 else ""
        return error_response(400, "invalid_request", f"The request is not valid: {summary}{more}.", details)

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
