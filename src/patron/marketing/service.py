"""The pipeline's logic as plain functions: validate, keep each customer's latest choice, store.
No AWS, no events: the steps module adapts them to Step Functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from patron.core.observability import logger
from patron.core.types import normalize_email
from patron.marketing.models import MarketingRecord, RecordError, Rejected
from patron.marketing.repository import InterestsRepository


class InvalidBatch(Exception):
    """The execution's input is not a JSON array of records."""


def validate(batch: Any, start: int = 0) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """Valid records (e-mail normalised), and the invalid ones with their index and reasons; `start` is
    the index of the first record (a batch is validated in chunks as it streams in)."""
    if not isinstance(batch, list):
        raise InvalidBatch(f"the input must be a JSON array of records, not {type(batch).__name__}")
    valid: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(batch, start):
        try:
            record = MarketingRecord.model_validate(raw)
        except ValidationError as exc:
            rejected.append(Rejected(index=index, errors=_errors(exc)))
            continue
        valid.append({**record.model_dump(), "Email": normalize_email(record.Email)})
    return valid, rejected


def _errors(exc: ValidationError) -> list[RecordError]:
    return [
        RecordError(field=".".join(str(part) for part in error["loc"]) or "record", message=error["msg"])
        for error in exc.errors(include_url=False)
    ]


def store(records: Iterable[dict[str, Any]], repository: InterestsRepository) -> tuple[int, int]:
    """Upsert opt-ins, delete opt-outs' stored interests, as the records stream past.
    Returns (stored, opted_out)."""
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    opted_in = opted_out = 0

    def choices() -> Iterator[dict[str, Any]]:
        nonlocal opted_in, opted_out
        for record in records:
            if record["MarketingOptIn"]:
                opted_in += 1
            else:
                opted_out += 1
            yield {**record, "updated_at": now}

    stats = repository.write_choices(choices())
    logger.info(
        "interests written",
        extra={
            "upserts": opted_in,
            "deletes": opted_out,
            "write_requests": stats.requests,
            "write_retries": stats.retries,
        },
    )
    return opted_in, opted_out


def latest_lines(emails: Iterable[str]) -> dict[str, int]:
    """The position of each e-mail's last occurrence (its latest choice wins): all de-duplication has to
    hold, one entry per customer, while the records themselves stream past."""
    return {email: position for position, email in enumerate(emails)}
