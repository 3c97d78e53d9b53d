"""SQS event-source mappings, as Lambda runs them: for each function event of type `SQS` in the
template, a poller long-polls the queue and invokes the function with batches of real SQS event records
(`BatchSize`, `MaximumBatchingWindowInSeconds`). Messages stay invisible for the queue's visibility
timeout while the function runs; the successful ones are deleted afterwards — all of them, or, with
`ReportBatchItemFailures`, all but the reported `batchItemFailures`; none when the function raises. A
message that is not deleted comes back after its visibility timeout, and moto's redrive moves it to the
dead-letter queue once its receive count passes `maxReceiveCount`, as SQS does.

moto's own SQS → Lambda mapping is not used: it runs inside `send_message`, one message at a time, and
ignores batch failures."""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import boto3

from patron_tools.local.lambdas import Invoker
from patron_tools.local.template import REGION, Template

logger = logging.getLogger("patron_tools.local")

WAIT_SECONDS = 1  # long polling; short enough for a prompt stop
MAX_RECEIVE = 10  # SQS returns at most 10 messages per ReceiveMessage


@dataclass(frozen=True)
class QueueSource:
    function: str  # logical id
    queue_arn: str
    batch_size: int
    batching_window: float
    report_item_failures: bool
    timeout: int  # the function's, for a clean stop

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[1]


def queue_sources(template: Template) -> list[QueueSource]:
    sources = []
    for function, props in template.event_sources("SQS"):
        if str(props.get("Enabled", True)).lower() == "false":
            continue
        sources.append(
            QueueSource(
                function=function.logical_id,
                queue_arn=props["Queue"],
                batch_size=int(props.get("BatchSize", 10)),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                timeout=function.timeout,
            )
        )
    return sources


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An SQS API message attribute → its shape in a Lambda SQS event record."""
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received message as Lambda delivers it in `event["Records"]`."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def successful_records(
    source: QueueSource, records: list[dict[str, Any]], result: Any
) -> list[dict[str, Any]]:
    """The records to delete after the function returned `result`. As on Lambda: without
    ReportBatchItemFailures, or with an empty response, all of them; a reported failure whose
    itemIdentifier is missing or not in the batch fails the whole batch."""
    if not source.report_item_failures or not isinstance(result, dict):
        return records
    failures = result.get("batchItemFailures") or []
    ids = {record["messageId"] for record in records}
    failed = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
    if not failed <= ids:
        logger.error(
            "invalid batchItemFailures: the whole batch failed",
            extra={"function": source.function, "failures": failures},
        )
        return []
    return [record for record in records if record["messageId"] not in failed]


class QueuePoller:
    def __init__(self, source: QueueSource, runtime: Invoker, wait_seconds: int = WAIT_SECONDS) -> None:
        self.source = source
        self.runtime = runtime
        self.wait_seconds = wait_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._client = boto3.client("sqs")
        self.queue_url: str = self._client.get_queue_url(QueueName=self.source.queue_name)["QueueUrl"]
        self._thread = threading.Thread(target=self._run, name=f"sqs:{self.source.function}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the batch in hand (its messages are deleted or left to come back), then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.source.timeout + self.wait_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                # the queue or moto failed, not the function (its errors are handled in deliver):
                # log it and poll again, as Lambda's pollers do
                logger.exception("queue poll failed", extra={"function": self.source.function})
                self._stop.wait(1)

    def poll_once(self) -> int:
        """Receive one batch (long polling) and deliver it; the number of messages delivered."""
        messages = self.receive()
        if messages:
            self.deliver([lambda_record(message, self.source.queue_arn) for message in messages])
        return len(messages)

    def receive(self) -> list[dict[str, Any]]:
        messages = self._receive(self.wait_seconds, self.source.batch_size)
        ids = {message["MessageId"] for message in messages}
        deadline = time.monotonic() + self.source.batching_window
        while messages and len(messages) < self.source.batch_size and not self._stop.is_set():
            wanted = self.source.batch_size - len(messages)
            more = [message for message in self._receive(0, wanted) if message["MessageId"] not in ids]
            if not more and time.monotonic() >= deadline:
                break
            if not more:
                self._stop.wait(0.05)
            ids.update(message["MessageId"] for message in more)
            messages += more
        return messages

    def _receive(self, wait_seconds: int, count: int) -> list[dict[str, Any]]:
        response = self._client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(MAX_RECEIVE, count),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def deliver(self, records: list[dict[str, Any]]) -> None:
        try:
            result = self.runtime.invoke(self.source.function, {"Records": records})
        except Exception:
            logger.exception(
                "queue batch failed: its messages return after the visibility timeout",
                extra={"function": self.source.function, "batch_size": len(records)},
            )
            return
        self.delete(successful_records(self.source, records, result))

    def delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), MAX_RECEIVE):
            chunk = records[start : start + MAX_RECEIVE]
            response = self._client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(position), "ReceiptHandle": record["receiptHandle"]}
                    for position, record in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed", []):
                logger.error(
                    "processed message not deleted: it will be delivered again",
                    extra={"function": self.source.function, "failure": failure},
                )


def pollers(template: Template, runtime: Invoker) -> list[QueuePoller]:
    return [QueuePoller(source, runtime) for source in queue_sources(template)]
