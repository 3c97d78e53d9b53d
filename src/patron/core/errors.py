"""Domain errors. They carry a machine-readable code and a human message, never an HTTP status:
`core.api` is the one place that maps them to responses."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


class PatronError(Exception):
    code = "error"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(PatronError):
    code = "invalid_request"


class NotFound(PatronError):
    code = "not_found"


class Conflict(PatronError):
    code = "conflict"


class UnsupportedMediaType(PatronError):
    code = "unsupported_media_type"


class PayloadTooLarge(PatronError):
    code = "payload_too_large"


# AWS error codes that mean "busy or briefly down, try again" (throttling, an outage), across services
TRANSIENT_ERROR_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TransactionConflictException",
    }
)

TRANSIENT_CANCELLATION_REASONS = frozenset(
    {"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"}
)


def cancellation_reasons(exc: ClientError) -> list[str | None]:
    """A cancelled DynamoDB transaction's reason per item, in the request's order (None: no reason)."""
    return [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]


def is_missing_object(exc: ClientError) -> bool:
    """Whether S3 answered that the object is not there: `NoSuchKey` for a GET, a bare 404 (`NotFound`)
    for a HEAD, which has no body to name the error in."""
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def is_transient(exc: BaseException) -> bool:
    """An AWS error worth retrying later: throttling, an outage, a lost connection."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        if code == "TransactionCanceledException":
            # a DynamoDB transaction says why per item: busy items make the whole call worth retrying
            return bool(set(cancellation_reasons(exc)) & TRANSIENT_CANCELLATION_REASONS)
        return code in TRANSIENT_ERROR_CODES
    return isinstance(
        exc, EndpointConnectionError | ConnectionClosedError | ConnectTimeoutError | ReadTimeoutError
    )


# pydantic error types → the plain words a client can act on (SPEC §1: no regular expressions, no
# "Value error," prefixes, no Python type names); `{name}` is filled from the error's context
_PLAIN_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "string_type": "must be a string",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "string_pattern_mismatch": "has characters or a format that is not allowed",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a JSON array",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "json_invalid": "is not valid JSON",
}


def plain_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic validation error (an item of `ValidationError.errors()`) as a plain
    phrase about the field, e.g. "must be an integer"."""
    template = _PLAIN_MESSAGES.get(str(error.get("type")))
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            pass
    message = str(error.get("msg") or "is not valid")
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def execution_cause(cause: str | None) -> str | None:
    """A failed Step Functions execution's `cause` as a client may read it. When a Lambda task failed, the
    cause is the function's error document, `{"errorMessage", "errorType", "requestId", "stackTrace"}`
    (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html): only "<errorType>: <errorMessage>"
    is kept, since the stack trace names the server's files and lines. Any other cause (a Fail state's,
    `States.Timeout`'s) is returned as it is."""
    if not cause:
        return cause
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(document, dict) and isinstance(document.get("errorMessage"), str):
        kind = document.get("errorType")
        return (
            f"{kind}: {document['errorMessage']}" if isinstance(kind, str) else str(document["errorMessage"])
        )
    return cause


class TransientError(Exception):
    """A transient AWS failure (throttling, an outage) left after botocore's own retries
    (core.aws.CONFIG), raised by a Step Functions task under this name: the state machines' `Retry`
    lists `TransientError` and retries the whole (idempotent) step with backoff."""


F = TypeVar("F", bound=Callable[..., Any])


def transient_as_retryable(handler: F) -> F:
    """Re-raise a transient error of `handler` as `TransientError`; any other error unchanged."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            if is_transient(exc):
                raise TransientError(str(exc)) from exc
            raise

    return wrapper  # type: ignore[return-value]
