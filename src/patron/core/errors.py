"""Domain errors. They carry a machine-readable code and a human message, never an HTTP status:
`core.api` is the one place that maps them to responses."""

from __future__ import annotations

from typing import Any


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
