"""Domain errors. They carry a machine-readable code and a human message, never an HTTP status:
`core.api` is the one place that maps them to responses."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
