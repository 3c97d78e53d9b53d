"""The pipeline's logic as plain functions: validate, keep each customer's latest choice, store.
No AWS, no events: the steps module adapts them to Step Functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from patron.core.errors import plain_message
from patron.core.observability import logger
from patron.core.parsing import depth, is_unicode
from patron.core.types import normalize_email
from patron.marketing.models import MarketingRecord, RecordError, Rejected
from patron.marketing.repository import MAX_ITEM_BYTES, InterestsRepository, item_bytes

# a record (extra fields included) nested deeper than this is rejected alone: every later step reads and
# writes it as JSON, and none needs more than the record's own two levels
MAX_RECORD_DEPTH = 32


class InvalidBatch(Exception):
    """The execution's input is not a JSON array of records."""


def validate(batch: Any, start: int = 0) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """Valid records (e-mail normalised), and the invalid ones with their index and reasons; `start` is
    the index of the first record (a batch is validated in chunks as it streams in)."""
    if not isinstance(batch, list):
        raise InvalidBatch(f"the input must be a JSON array of records, not {_json_kind(batch)}")
    valid: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(batch, start):
        if depth(raw) > MAX_RECORD_DEPTH:
            message = f"is nested more than {MAX_RECORD_DEPTH} levels deep"
            rejected.append(Rejected(index=index, errors=[RecordError(field="record", message=message)]))
            continue
        if not is_unicode(raw):  # an upload is parsed as it streams: its escapes are checked here
            message = "holds a \\u escape that is half of a UTF-16 pair, not a character"
            rejected.append(Rejected(index=index, errors=[RecordError(field="record", message=message)]))
            continue
        try:
            record = MarketingRecord.model_validate(raw)
        except ValidationError as exc:
            rejected.append(Rejected(index=index, errors=_errors(exc)))
            continue
        stored = {**record.model_dump(), "Email": normalize_email(record.Email)}
        if stored["MarketingOptIn"] and item_bytes(stored) > MAX_ITEM_BYTES:
            message = "would be larger than DynamoDB's 400 KB item limit once stored"
            rejected.append(Rejected(index=index, errors=[RecordError(field="record", message=message)]))
            continue
        valid.append(stored)
    return valid, rejected


def _json_kind(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words (a message never names a Python type)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else "a number"


def _errors(exc: ValidationError) -> list[RecordError]:
    return [
        RecordError(
            field=".".join(str(part) for part in error["loc"]) or "record", message=plain_message(error)
        )
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
