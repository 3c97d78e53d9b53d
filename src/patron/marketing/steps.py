"""Step Functions tasks of MarketingPreferencesStateMachine: ValidateData → RemoveDuplicates →
StoreMarketingInterests. The state between them is a small `PipelineState`; the records travel as JSON
Lines objects in the batches bucket and each step streams them, so no step holds the whole batch
(RemoveDuplicates holds one position per customer). `core.steps.task` makes each a Lambda handler."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import ijson
from pydantic import ValidationError

from patron.core.observability import logger, metrics
from patron.core.steps import task
from patron.marketing import service
from patron.marketing.models import REJECTED_SHOWN, ObjectRef, PipelineState, Rejected, Summary
from patron.marketing.repository import BatchStore, UploadUnusable, is_reference
from patron.marketing.wiring import batches, interests
from patron.privacy.wiring import erasures, hash_key

VALIDATION_CHUNK = 1000  # records validated at a time while the batch streams in
JSON_LINES = "application/x-ndjson"
# ijson's pure-Python parser: its C one (yajl2_c) turns a lone surrogate escape into "?" or fails the whole
# stream; this one keeps it, so that the record holding it is rejected alone (~18x slower, 1-2 s per 50,000)
JSON_PARSER = ijson.get_backend("python")


@task()
def validate_data(event: Any) -> Any:
    """The execution's input (a JSON array inline, or `{"ref"}` to one in S3: a large request or an
    upload) → PipelineState. Raises InvalidBatch when the input is not a JSON array."""
    valid = batches().writer("states")
    report = RejectionReport(batches())
    received = valid_count = 0
    for offset, chunk in _chunks(_records(event), VALIDATION_CHUNK):
        records, rejected = service.validate(chunk, start=offset)
        for record in records:
            valid.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        report.add(rejected)
        received += len(chunk)
        valid_count += len(records)
    logger.info(
        "batch validated", extra={"received": received, "valid": valid_count, "rejected": report.count}
    )
    state = PipelineState(
        received=received,
        valid=valid_count,
        rejected=report.shown,
        rejected_count=report.count,
        rejected_report=report.close(),
        records=valid.close(JSON_LINES),
    )
    return state.model_dump(mode="json")


@task()
def remove_duplicates(event: Any) -> Any:
    """Keeps each e-mail's last record, in the order of last occurrences. Two passes over the records:
    the first (copied to /tmp as it streams) finds each e-mail's last position, the second keeps it."""
    state = PipelineState.model_validate(event)
    with tempfile.TemporaryFile() as copy:

        def emails() -> Iterator[str]:
            for line in batches().read_lines(state.records):
                copy.write(line + b"\n")
                yield json.loads(line)["Email"]

        latest = service.latest_lines(emails())
        copy.seek(0)
        unique = batches().writer("states")
        for position, line in enumerate(copy):
            if latest[json.loads(line)["Email"]] == position:
                unique.write(line)
    deduplicated = state.model_copy(
        update={"records": unique.close(JSON_LINES), "duplicates_removed": state.valid - len(latest)}
    )
    return deduplicated.model_dump(mode="json")


@task()
def store_marketing_interests(event: Any) -> Any:
    """`{"state", "started_at"}` (the execution's start): writes the records as they stream in (25 per
    BatchWriteItem), then deletes again what it stored for an e-mail a privacy request erased since the
    execution started (docs/decisions.md, privacy in flight) → the execution's Summary."""
    state = PipelineState.model_validate(event["state"])
    opted_in: list[str] = []

    def records() -> Iterator[dict[str, Any]]:
        for line in batches().read_lines(state.records):
            record: dict[str, Any] = json.loads(line)
            if record["MarketingOptIn"]:
                opted_in.append(record["Email"])
            yield record

    stored, opted_out = service.store(records(), interests())
    erased = erased_emails(opted_in, event["started_at"])
    if erased:
        interests().write([], sorted(erased))
        logger.info("erased e-mails not stored again", extra={"erased": len(erased)})
    summary = Summary(
        **state.model_dump(include={"received", "valid", "rejected_count", "duplicates_removed"}),
        rejected=state.rejected,
        rejected_report=state.rejected_report,
        stored=stored,
        opted_out=opted_out,
    )
    metrics.add_metric(name="MarketingRecordsStored", unit="Count", value=stored)
    metrics.add_metric(name="MarketingRecordsOptedOut", unit="Count", value=opted_out)
    metrics.add_metric(name="MarketingRecordsRejected", unit="Count", value=summary.rejected_count)
    logger.info("batch stored", extra={"stored": stored, "opted_out": opted_out})
    return summary.model_dump(mode="json")


def erased_emails(emails: list[str], started_at: str) -> set[str]:
    """The (normalised) e-mails among `emails` erased by a privacy request at or after `started_at`."""
    by_hash = {hash_key().digest("email", email): email for email in emails}
    return {by_hash[digest] for digest in erasures().erased_since(by_hash, started_at)}


class RejectionReport:
    """Every rejection as a JSON array, written as they come; the first `REJECTED_SHOWN` are also kept
    for the execution's output. Stored only when some are left out of that list."""

    def __init__(self, store: BatchStore) -> None:
        self._writer = store.writer("reports")
        self.shown: list[Rejected] = []
        self.count = 0

    def add(self, rejected: Iterable[Rejected]) -> None:
        for rejection in rejected:
            self._writer.write((b"[" if self.count == 0 else b",") + rejection.model_dump_json().encode())
            if self.count < REJECTED_SHOWN:
                self.shown.append(rejection)
            self.count += 1

    def close(self) -> ObjectRef | None:
        if self.count <= REJECTED_SHOWN:
            self._writer.discard()
            return None
        self._writer.write(b"]")
        return self._writer.close("application/json")


def _records(event: Any) -> Iterator[Any]:
    """The records of the execution's input, streamed from S3 when it is a reference."""
    if isinstance(event, list):
        return iter(event)
    if is_reference(event):
        try:
            return _array_items(batches().open_input(ObjectRef.model_validate(event["ref"])))
        except ValidationError:
            raise service.InvalidBatch("the input must be a JSON array of records, not an object") from None
        except UploadUnusable as exc:
            raise service.InvalidBatch(str(exc)) from None
    raise service.InvalidBatch(f"the input must be a JSON array of records, not {_json_type(event)}")


def _array_items(stream: IO[bytes]) -> Iterator[Any]:
    """The items of the JSON array in `stream`, parsed as they are read (ijson)."""
    head = b""
    while not head.lstrip():
        piece = stream.read(64)
        if not piece:
            raise service.InvalidBatch("the input is empty")
        head += piece
    if not head.lstrip().startswith(b"["):
        raise service.InvalidBatch("the input must be a JSON array of records")
    try:
        yield from JSON_PARSER.items(_Prefixed(head, stream), "item")
    except ijson.JSONError as exc:
        raise service.InvalidBatch(f"the input is not valid JSON ({str(exc).splitlines()[0]})") from None


class _Prefixed:
    """A stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head and size != 0:  # ijson reads 0 bytes to learn the stream's type
            head, self._head = self._head, b""
            return head
        return self._rest.read(size)


def _chunks(items: Iterator[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    offset = 0
    while chunk := list(islice(items, size)):
        yield offset, chunk
        offset += len(chunk)


def _json_type(value: Any) -> str:
    return {dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
