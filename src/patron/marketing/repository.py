"""The only modules of the marketing service that talk to AWS: the interests table, the batch bucket
(records too large for a Step Functions state travel through it) and the state machine."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

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
        """Upsert and delete in BatchWriteItem requests of 25, retrying UnprocessedItems with exponential
        backoff and jitter until every write is done. Throttling and outages are botocore's to retry
        (core.aws.CONFIG); one left after its retries escapes, and the state machine retries the step."""
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": _item(record)}} for record in upserts]
        requests += [{"DeleteRequest": {"Key": {"Email": {"S": email}}}} for email in deletes]
        stats = WriteStats()
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            self._write_chunk(requests[start : start + BATCH_WRITE_LIMIT], stats)
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
        return {
            "Email": item["Email"]["S"],
            "Name": item["Name"]["S"],
            "MarketingInterests": [value["S"] for value in item["MarketingInterests"]["L"]],
            "updated_at": item["updated_at"]["S"],
        }


def _item(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "Email": {"S": record["Email"]},
        "Name": {"S": record["Name"]},
        "MarketingInterests": {"L": [{"S": interest} for interest in record["MarketingInterests"]]},
        "updated_at": {"S": record["updated_at"]},
    }


class BatchStore:
    """Step Functions states are limited to 256 KB: a larger state is written to S3 and passed as
    `{"ref": {"bucket", "key"}}`."""

    INLINE_LIMIT = 200_000  # bytes, leaving room for the state machine's own envelope

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def pack(self, state: Any) -> Any:
        body = json.dumps(state, separators=(",", ":"))
        if len(body.encode()) <= self.INLINE_LIMIT:
            return state
        key = f"states/{time.strftime('%Y/%m/%d')}/{uuid.uuid4()}.json"
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=body.encode(), ContentType="application/json"
        )
        return {"ref": {"bucket": self._bucket, "key": key}}

    def unpack(self, state: Any) -> Any:
        if isinstance(state, dict) and set(state) == {"ref"} and isinstance(state["ref"], dict):
            ref = state["ref"]
            return json.loads(self._client.get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read())
        return state


class Pipeline:
    """The state machine, as the API sees it."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self.arn = state_machine_arn

    def start(self, execution_input: Any) -> dict[str, str]:
        name = str(uuid.uuid4())
        started = self._client.start_execution(
            stateMachineArn=self.arn, name=name, input=json.dumps(execution_input)
        )
        return {
            "executionArn": started["executionArn"],
            "executionName": name,
            "startDate": started["startDate"].isoformat(),
        }

    def describe(self, name: str) -> dict[str, Any] | None:
        execution_arn = self.arn.replace(":stateMachine:", ":execution:") + f":{name}"
        try:
            execution = self._client.describe_execution(executionArn=execution_arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        output = json.loads(execution["output"]) if execution.get("output") else None
        error = (
            {"error": execution.get("error"), "cause": execution.get("cause")}
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
