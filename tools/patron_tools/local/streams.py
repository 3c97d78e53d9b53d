"""DynamoDB Streams event-source mappings, as Lambda runs them: for each function event of type
`DynamoDB` in the template, a reader polls the table's stream and invokes the function with batches
of real stream records (`BatchSize`, `FilterCriteria`). A failed batch is retried from the first failed
record (`ReportBatchItemFailures`) or whole, in order, up to `MaximumRetryAttempts`; then the batch is
described to the `OnFailure` queue and the reader moves on. Nothing is skipped silently."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from patron_tools.local.lambdas import Invoker
from patron_tools.local.moto_patches import DYNAMODB_STREAMS_ENDPOINT, event_pattern
from patron_tools.local.template import Template

logger = logging.getLogger("patron_tools.local")

# Lambda polls each shard of a DynamoDB stream 4 times per second
# (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, "Polling and batching streams"); polling
# faster cost `patron dev` a GetRecords through moto every 50 ms per reader, busy or idle
POLL_INTERVAL_SECONDS = 0.25
DRAIN_SECONDS = 5.0


@dataclass(frozen=True)
class StreamSource:
    function: str  # logical id
    table_name: str
    batch_size: int
    report_item_failures: bool
    max_retries: int  # -1: retry until the batch succeeds
    on_failure_arn: str | None
    patterns: tuple[Any, ...]  # moto's matchers (moto_patches.event_pattern)


def stream_sources(template: Template) -> list[StreamSource]:
    sources = []
    for function, props in template.event_sources("DynamoDB"):
        table_name = props["Stream"].split(":table/", 1)[1].split("/stream/", 1)[0]
        filters = props.get("FilterCriteria", {}).get("Filters", [])
        sources.append(
            StreamSource(
                function=function.logical_id,
                table_name=table_name,
                batch_size=int(props.get("BatchSize", 100)),
                report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),  # AWS's default: until it succeeds
                on_failure_arn=props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
                patterns=tuple(event_pattern(f["Pattern"]) for f in filters),
            )
        )
    return sources


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda delivers it (epoch seconds, the source ARN)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class StreamReader:
    def __init__(self, source: StreamSource, runtime: Invoker, retry_delay: float = 0.2) -> None:
        self.source = source
        self.runtime = runtime
        self.retry_delay = retry_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Read from LATEST: restored items written at start-up are not new changes."""
        self._client = boto3.client("dynamodbstreams", endpoint_url=DYNAMODB_STREAMS_ENDPOINT)
        table = boto3.client("dynamodb").describe_table(TableName=self.source.table_name)["Table"]
        self.stream_arn: str = table["LatestStreamArn"]
        shards = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        self._iterators = [
            self._client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        ]
        self._thread = threading.Thread(target=self._run, name=f"stream:{self.source.function}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=DRAIN_SECONDS + 5)

    def _run(self) -> None:
        drain_deadline: float | None = None
        while True:
            if self._stop.is_set() and drain_deadline is None:
                drain_deadline = time.monotonic() + DRAIN_SECONDS  # deliver what was written before stop
            try:
                got_any = self.poll_once()
            except Exception:
                # a reader that dies stops its stream for good: say so, and keep polling
                logger.exception("stream %s: polling failed; retrying", self.source.function)
                got_any = False
            if drain_deadline is not None and (not got_any or time.monotonic() > drain_deadline):
                return
            if not got_any:
                self._stop.wait(POLL_INTERVAL_SECONDS)

    def poll_once(self) -> bool:
        got_any = False
        for position, iterator in enumerate(self._iterators):
            page = self._client.get_records(ShardIterator=iterator, Limit=self.source.batch_size)
            self._iterators[position] = page["NextShardIterator"]
            records = [lambda_record(r, self.stream_arn) for r in page["Records"]]
            got_any = got_any or bool(records)
            batch = [r for r in records if self._matches(r)]
            if batch:
                self.deliver(batch)
        return got_any

    def _matches(self, record: dict[str, Any]) -> bool:
        return not self.source.patterns or any(p.matches_event(record) for p in self.source.patterns)

    def deliver(self, batch: list[dict[str, Any]]) -> None:
        attempts = 0
        while batch:
            failed_from = self._invoke(batch)
            if failed_from is None:
                return
            attempts += 1
            batch = batch[failed_from:]
            if 0 <= self.source.max_retries < attempts:
                self._send_to_on_failure(batch, attempts)
                return
            time.sleep(self.retry_delay * min(attempts, 10))

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """Index of the first record to retry, or None when the batch succeeded."""
        try:
            result = self.runtime.invoke(self.source.function, {"Records": batch})
        except Exception:
            logger.exception("stream batch failed", extra={"function": self.source.function})
            return 0
        if not self.source.report_item_failures:
            return None
        failures = (result or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed = {failure["itemIdentifier"] for failure in failures}
        return next(
            (i for i, record in enumerate(batch) if record["dynamodb"]["SequenceNumber"] in failed), 0
        )

    def _send_to_on_failure(self, batch: list[dict[str, Any]], attempts: int) -> None:
        description = {
            "requestContext": {"functionArn": self.source.function, "condition": "RetryAttemptsExhausted"},
            "DDBStreamBatchInfo": {
                "streamArn": self.stream_arn,
                "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(batch),
                "approximateInvokeCount": attempts,
            },
            "records": batch,
        }
        logger.error(
            "stream batch sent to its on-failure destination", extra={"function": self.source.function}
        )
        if self.source.on_failure_arn is None:
            return
        sqs = boto3.client("sqs")
        queue_name = self.source.on_failure_arn.rsplit(":", 1)[1]
        queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(description, default=str))


def stream_readers(template: Template, runtime: Invoker) -> list[StreamReader]:
    return [StreamReader(source, runtime) for source in stream_sources(template)]
