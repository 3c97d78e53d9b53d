"""The only modules of the marketing service that talk to AWS: the interests table, the batch bucket
(records too large for a Step Functions state travel through it) and the state machine."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from patron.core.errors import execution_cause, is_missing_object
from patron.core.parsing import json_default
from patron.marketing.models import ObjectRef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

_deserializer = TypeDeserializer()

BATCH_WRITE_LIMIT = 25  # items per BatchWriteItem request
MAX_WRITE_ATTEMPTS = 8


class UnprocessedItemsRemain(Exception):
    """DynamoDB kept refusing some writes; the state machine retries the whole (idempotent) step."""


@dataclass
class WriteStats:
    requests: int = 0
    retries: int = 0


class InterestsRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    def write(self, upserts: Iterable[dict[str, Any]], deletes: Iterable[str]) -> WriteStats:
        """Upsert `upserts` and delete the interests of `deletes` (e-mails)."""
        puts = ({"PutRequest": {"Item": _item(record)}} for record in upserts)
        removals = ({"DeleteRequest": {"Key": {"Email": {"S": email}}}} for email in deletes)
        return self._write_all(itertools.chain(puts, removals))

    def write_choices(self, records: Iterable[dict[str, Any]]) -> WriteStats:
        """Each customer's choice as it streams past: an opt-in upserts its record (with `updated_at`),
        an opt-out deletes the e-mail's stored interests. At most 25 records are held at a time."""
        return self._write_all(
            {"PutRequest": {"Item": _item(record)}}
            if record["MarketingOptIn"]
            else {"DeleteRequest": {"Key": {"Email": {"S": record["Email"]}}}}
            for record in records
        )

    def _write_all(self, requests: Iterable[dict[str, Any]]) -> WriteStats:
        """BatchWriteItem requests of 25, retrying UnprocessedItems with exponential backoff and jitter
        until every write is done. Throttling and outages are botocore's to retry (core.aws.CONFIG); one
        left after its retries escapes, and the state machine retries the step."""
        stats = WriteStats()
        pending = iter(requests)
        while chunk := list(itertools.islice(pending, BATCH_WRITE_LIMIT)):
            self._write_chunk(chunk, stats)
        return stats

    def _write_chunk(self, chunk: list[dict[str, Any]], stats: WriteStats) -> None:
        pending = chunk
        for attempt in range(MAX_WRITE_ATTEMPTS):
            if attempt:
                stats.retries += 1
                self._sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
            stats.requests += 1
            response = self._client.batch_write_item(RequestItems={self._table: pending})
            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            if not pending:
                return
        raise UnprocessedItemsRemain(
            f"{len(pending)} writes still unprocessed after {MAX_WRITE_ATTEMPTS} attempts"
        )

    def get(self, email: str) -> dict[str, Any] | None:
        item = self._client.get_item(TableName=self._table, Key={"Email": {"S": email}}).get("Item")
        if item is None:
            return None
        values = {name: _deserializer.deserialize(value) for name, value in item.items()}
        interests = values.get("MarketingInterests") or []  # a list, or a set from another writer
        return {
            "Email": values["Email"],
            "Name": values.get("Name"),
            "MarketingInterests": [
                str(value) for value in (sorted(interests) if isinstance(interests, set) else interests)
            ],
            "updated_at": values.get("updated_at"),
        }


MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size limit


def item_bytes(record: dict[str, Any]) -> int:
    """The size DynamoDB counts for a record's stored item (attribute names and values in UTF-8; a
    list: 3 bytes, plus 1 byte per element), per "DynamoDB item sizes and formats" (developer guide)."""
    size = 0
    for name, value in _item({**record, "updated_at": "2000-01-01T00:00:00Z"}).items():
        size += len(name.encode())
        if "L" in value:
            size += 3 + sum(1 + len(element["S"].encode()) for element in value["L"])
        else:
            size += len(value["S"].encode())
    return size


def _item(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "Email": {"S": record["Email"]},
        "Name": {"S": record["Name"]},
        "MarketingInterests": {"L": [{"S": interest} for interest in record["MarketingInterests"]]},
        "updated_at": {"S": record["updated_at"]},
    }


INPUT_PREFIXES = ("inputs/", "uploads/")  # where the service puts execution inputs (`pack`, uploads)


def is_reference(execution_input: Any) -> bool:
    """Whether an execution input is the pipeline's reference to an input in S3: `{"ref": {…}}`."""
    return isinstance(execution_input, dict) and set(execution_input) == {"ref"}


class UploadUnusable(Exception):
    """An upload id names no usable object: never uploaded, expired, empty or too large."""


class BatchStore:
    """The batches bucket. Step Functions states are limited to 256 KB, so records travel between the
    steps as JSON Lines objects here (`states/`), an execution input too large to pass inline as
    `{"ref": {"bucket", "key"}}` (`inputs/`, named by its content so that a repeated start is the same
    start), clients' uploads under `uploads/` and full rejection reports under `reports/`. The
    template's lifecycle rules expire each prefix."""

    INLINE_LIMIT = 200_000  # bytes, leaving room for the state machine's own envelope
    SPOOL_BYTES = 1024 * 1024  # a step keeps this much of an object it writes in memory, the rest on /tmp

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def pack(self, execution_input: Any) -> Any:
        """The input itself, or a reference to it once it exceeds what a state may hold. A client's input
        that has the shape of a reference (`{"ref": …}`) is data, never a reference: it travels by
        reference too, so the pipeline reads it as what it is (not an array) instead of reading the object
        it names."""
        body = json.dumps(execution_input, separators=(",", ":"), default=json_default).encode()
        if len(body) <= self.INLINE_LIMIT and not is_reference(execution_input):
            return execution_input
        key = f"inputs/{hashlib.sha256(body).hexdigest()}.json"
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        return {"ref": {"bucket": self._bucket, "key": key}}

    def open(self, ref: ObjectRef) -> Any:
        """The object's body as a binary stream (botocore's StreamingBody): read as it is consumed."""
        return self._client.get_object(Bucket=ref.bucket, Key=ref.key)["Body"]

    def open_input(self, ref: ObjectRef) -> Any:
        """An execution input's object, as `open`: only one the service wrote itself (`inputs/`,
        `uploads/` of this bucket), whoever started the execution. Raises UploadUnusable for any other
        object, or when it is gone (expired)."""
        if ref.bucket != self._bucket or not ref.key.startswith(INPUT_PREFIXES):
            raise UploadUnusable("the input's reference names no input of this pipeline")
        try:
            return self.open(ref)
        except ClientError as exc:
            if is_missing_object(exc):
                raise UploadUnusable("the input's object no longer exists (it expired)") from None
            raise

    def read_lines(self, ref: ObjectRef) -> Iterator[bytes]:
        """The lines of a JSON Lines object, streamed."""
        for line in self.open(ref).iter_lines():
            if line:
                yield line

    def writer(self, prefix: str) -> ObjectWriter:
        """A new object under `prefix`, written in pieces and stored on `close()`."""
        return ObjectWriter(self, f"{prefix}/{time.strftime('%Y/%m/%d')}/{uuid.uuid4().hex}")

    def put(self, key: str, body: IO[bytes], content_type: str) -> ObjectRef:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
        return ObjectRef(bucket=self._bucket, key=key)

    # ---------------------------------------------------------------- uploads (SPEC §1.4)
    def upload_url(self, upload_id: str) -> tuple[str, datetime]:
        """A presigned PUT of `uploads/<upload_id>.json`, its content type signed, valid
        `UPLOAD_URL_SECONDS` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/PresignedUrlUploadObject.html)."""
        url = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": _upload_key(upload_id),
                "ContentType": UPLOAD_CONTENT_TYPE,
            },
            ExpiresIn=UPLOAD_URL_SECONDS,
        )
        return url, datetime.now(UTC) + timedelta(seconds=UPLOAD_URL_SECONDS)

    def uploaded(self, upload_id: str) -> ObjectRef:
        """The upload's object, if it is there, not empty and within `MAX_UPLOAD_BYTES`."""
        key = _upload_key(upload_id)
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if is_missing_object(exc):
                raise UploadUnusable("no upload with this id: it was never uploaded, or it expired") from None
            raise
        size = head["ContentLength"]
        if size == 0:
            raise UploadUnusable("the upload is empty")
        if size > MAX_UPLOAD_BYTES:
            raise UploadUnusable(f"the upload is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        return ObjectRef(bucket=self._bucket, key=key)

    def download_url(self, ref: ObjectRef) -> str:
        """A presigned GET of an object (a rejection report), valid `REPORT_URL_SECONDS`."""
        return str(
            self._client.generate_presigned_url(
                "get_object", Params={"Bucket": ref.bucket, "Key": ref.key}, ExpiresIn=REPORT_URL_SECONDS
            )
        )


UPLOAD_CONTENT_TYPE = "application/json"
UPLOAD_URL_SECONDS = 15 * 60
REPORT_URL_SECONDS = 60 * 60  # SPEC §1.4: at least 15 minutes
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # ~300,000 records of the brief's shape


def _upload_key(upload_id: str) -> str:
    return f"uploads/{upload_id}.json"


class ObjectWriter:
    """Bytes for one object, spooled to /tmp beyond `BatchStore.SPOOL_BYTES`, stored when closed."""

    def __init__(self, store: BatchStore, key: str) -> None:
        self._store = store
        self._key = key
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=BatchStore.SPOOL_BYTES)  # noqa: SIM115

    def write(self, data: bytes) -> None:
        self._spool.write(data)

    def discard(self) -> None:
        self._spool.close()

    def close(self, content_type: str) -> ObjectRef:
        self._spool.seek(0)
        try:
            return self._store.put(self._key, self._spool, content_type)
        finally:
            self._spool.close()


class ExecutionConflict(Exception):
    """An execution of this name exists with another input (StartExecution's ExecutionAlreadyExists)."""


class Pipeline:
    """The state machine, as the API sees it."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self.arn = state_machine_arn

    def execution_arn(self, name: str) -> str:
        return self.arn.replace(":stateMachine:", ":execution:") + f":{name}"

    def start(self, execution_input: Any, name: str | None = None) -> dict[str, Any]:
        """Start an execution (named with a UUID unless `name` is given). The same name and input give
        the same execution, even once it has ended, so a client may repeat a start it is unsure of;
        another input under a taken name raises ExecutionConflict
        (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
        Returns executionArn, executionName and startDate (a datetime)."""
        name = name or str(uuid.uuid4())
        body = json.dumps(execution_input, default=json_default)
        try:
            started = self._client.start_execution(stateMachineArn=self.arn, name=name, input=body)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            existing = self._client.describe_execution(executionArn=self.execution_arn(name))
            if _exact(existing.get("input") or "null") != _exact(body):
                raise ExecutionConflict(f"an execution named {name} exists with another input") from None
            started = {"executionArn": existing["executionArn"], "startDate": existing["startDate"]}
        return {
            "executionArn": started["executionArn"],
            "executionName": name,
            "startDate": started["startDate"],
        }

    def describe(self, name: str) -> dict[str, Any] | None:
        """Status, output (parsed), error and current step of the execution `name`, or None."""
        execution_arn = self.execution_arn(name)
        try:
            execution = self._client.describe_execution(executionArn=execution_arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        output = json.loads(execution["output"]) if execution.get("output") else None
        error = (
            {"error": execution.get("error"), "cause": execution_cause(execution.get("cause"))}
            if execution.get("error")
            else None
        )
        step = self._current_step(execution_arn) if execution["status"] == "RUNNING" else None
        return {"status": execution["status"], "output": output, "error": error, "step": step}

    def _current_step(self, execution_arn: str) -> str | None:
        """The state the execution entered last (newest history events first)."""
        events = self._client.get_execution_history(
            executionArn=execution_arn, reverseOrder=True, maxResults=20
        )
        for event in events["events"]:
            if event["type"].endswith("StateEntered"):
                return str(event["stateEnteredEventDetails"]["name"])
        return None


def _exact(document: str) -> Any:
    """A JSON document parsed with exact numbers, to compare two inputs by value."""
    return json.loads(document, parse_float=Decimal)
