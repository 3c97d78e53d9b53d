"""`patron dlq`: see and redrive the messages of dead-letter queues, on the local cloud or on AWS. Works
with the plain SQS API (ReceiveMessage, SendMessageBatch, DeleteMessageBatch), so moto and SQS behave
alike; a message leaves the dead-letter queue only after its copy was accepted by the source queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

HOLD_SECONDS = 30  # messages being listed or moved are hidden this long at most
# a long poll asks every SQS server, so an empty answer means the queue is drained (a short poll samples)
RECEIVE_WAIT_SECONDS = 1


def _receive_all(client: SQSClient, queue_url: str) -> Iterator[list[dict[str, Any]]]:
    """Batches of the queue's messages, each message once, held invisible until handled."""
    seen: set[str] = set()
    while True:
        response = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            VisibilityTimeout=HOLD_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        batch = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
        if not batch:
            return
        seen.update(m["MessageId"] for m in batch)
        yield batch


def describe(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    return {
        "message_id": message["MessageId"],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at": datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else None,
        "body": message["Body"],
    }


def list_messages(client: SQSClient, queue_url: str) -> list[dict[str, Any]]:
    """Every message of the queue; all are made visible again once read."""
    batches = list(_receive_all(client, queue_url))
    for batch in batches:
        client.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(batch)
            ],
        )
    return [describe(message) for batch in batches for message in batch]


def source_queue(client: SQSClient, dead_letter_queue_url: str) -> str:
    """The queue whose redrive policy names this dead-letter queue (there must be exactly one)."""
    sources = client.list_dead_letter_source_queues(QueueUrl=dead_letter_queue_url).get("queueUrls", [])
    if not sources:
        raise LookupError(
            "no queue dead-letters here (it collects failure records of a stream or a rule); "
            "`patron dlq list` shows them, --to-queue-url sends them somewhere"
        )
    if len(sources) > 1:
        raise LookupError(
            f"{dead_letter_queue_url} is the dead-letter queue of {len(sources)} queues; "
            "name the destination with --to-queue-url"
        )
    return str(sources[0])


def redrive(client: SQSClient, queue_url: str, destination_url: str) -> tuple[int, list[str]]:
    """Move every message back to `destination_url` (body and message attributes; a new receive
    count). Returns how many moved and the ids of those SQS refused (they stay in the queue)."""
    moved = 0
    refused: list[str] = []
    for batch in _receive_all(client, queue_url):
        entries: list[Any] = [
            {
                "Id": str(i),
                "MessageBody": m["Body"],
                **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}),
            }
            for i, m in enumerate(batch)
        ]
        sent = client.send_message_batch(QueueUrl=destination_url, Entries=entries)
        done = [batch[int(entry["Id"])] for entry in sent.get("Successful", [])]
        refused += [batch[int(entry["Id"])]["MessageId"] for entry in sent.get("Failed", [])]
        if done:
            deleted = client.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
            if deleted.get("Failed"):
                raise RuntimeError(f"copied but not deleted from {queue_url}: {deleted['Failed']}")
        moved += len(done)
    return moved, refused
