"""The queue processor and the stream dispatcher with real SQS / DynamoDB Streams event shapes on moto:
partial batch failures, redelivery, and the resulting table and queue state."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from tests.events import sqs_record, stream_record

from patron.core.settings import settings
from patron.enrollment import dispatcher, processor, service

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:EnrollmentQueue"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/EnrollmentsTable/stream/2026-11-22T00:00:00.000"


def message(enrollment_id: str, receive_count: int = 1) -> dict[str, Any]:
    return sqs_record(json.dumps({"enrollment_id": enrollment_id}), QUEUE_ARN, receive_count)


@pytest.fixture
def no_delay(cloud: None, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the processor's simulated-work delays instead of sleeping them."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(service.asyncio, "sleep", sleep)
    return delays


def pending(dynamodb: Any, name: str = "John Doe", legacy: bool = False) -> str:
    """A PENDING item; `legacy`: in the original system's shape (no created_at, an extra attribute)."""
    enrollment_id = str(uuid.uuid4())
    item = {
        "enrollment_id": {"S": enrollment_id},
        "name": {"S": name},
        "age": {"N": "22"},
        "cpf": {"S": "12345678900"},
        "status": {"S": "PENDING"},
        "created_at": {"S": "2026-11-22T00:00:00+00:00"},
    }
    if legacy:
        del item["created_at"]
        item["source"] = {"S": "original-system"}
    dynamodb.put_item(TableName="EnrollmentsTable", Item=item)
    return enrollment_id


def stored(dynamodb: Any, enrollment_id: str) -> dict[str, Any]:
    return dict(
        dynamodb.get_item(TableName="EnrollmentsTable", Key={"enrollment_id": {"S": enrollment_id}})["Item"]
    )


# ---------------------------------------------------------------- processor
def test_a_legacy_item_without_created_at_is_processed(
    dynamodb: Any, no_delay: list[float], lambda_context: Any
) -> None:
    enrollment_id = pending(dynamodb, legacy=True)

    result = processor.lambda_handler({"Records": [message(enrollment_id)]}, lambda_context)

    assert result == {"batchItemFailures": []}
    assert stored(dynamodb, enrollment_id)["status"] == {"S": "PROCESSED"}
    assert "created_at" not in stored(dynamodb, enrollment_id)


def test_a_pending_enrollment_is_processed_after_the_configured_delay(
    dynamodb: Any, no_delay: list[float], lambda_context: Any
) -> None:
    enrollment_id = pending(dynamodb)

    result = processor.lambda_handler({"Records": [message(enrollment_id)]}, lambda_context)

    assert result == {"batchItemFailures": []}
    item = stored(dynamodb, enrollment_id)
    assert item["status"] == {"S": "PROCESSED"}
    assert item["processed_at"]["S"] > item["created_at"]["S"]
    assert no_delay == [4]  # PROCESSING_DELAY_SECONDS, the template's default


def test_the_delay_comes_from_the_setting(
    dynamodb: Any, no_delay: list[float], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCESSING_DELAY_SECONDS", "0.5")
    settings.cache_clear()

    processor.lambda_handler({"Records": [message(pending(dynamodb))]}, lambda_context)

    assert no_delay == [0.5]


def test_a_redelivered_message_is_a_no_op_success(
    dynamodb: Any, no_delay: list[float], lambda_context: Any
) -> None:
    enrollment_id = pending(dynamodb)
    processor.lambda_handler({"Records": [message(enrollment_id)]}, lambda_context)
    first = stored(dynamodb, enrollment_id)

    again = processor.lambda_handler({"Records": [message(enrollment_id, receive_count=2)]}, lambda_context)

    assert again == {"batchItemFailures": []}
    assert stored(dynamodb, enrollment_id) == first  # processed_at unchanged
    assert no_delay == [4]  # no second simulated work


def test_a_poison_message_fails_alone(dynamodb: Any, no_delay: list[float], lambda_context: Any) -> None:
    good = [pending(dynamodb, f"person {n}") for n in range(3)]
    poison = [
        message("no-such-enrollment"),
        sqs_record("not json", QUEUE_ARN),
        sqs_record(json.dumps({"id": good[0]}), QUEUE_ARN),
        sqs_record(json.dumps({"enrollment_id": ""}), QUEUE_ARN),
    ]
    batch = [message(good[0]), poison[0], message(good[1]), poison[1], poison[2], message(good[2]), poison[3]]

    result = processor.lambda_handler({"Records": batch}, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in poison]}
    assert [stored(dynamodb, e)["status"]["S"] for e in good] == ["PROCESSED"] * 3


def test_a_batch_that_fails_entirely_raises_so_no_message_is_deleted(
    cloud: None, no_delay: list[float], lambda_context: Any
) -> None:
    with pytest.raises(BatchProcessingError):
        processor.lambda_handler({"Records": [message("missing-1"), message("missing-2")]}, lambda_context)


def test_an_enrollment_deleted_while_it_was_processed_fails(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> None:
    enrollment_id = pending(dynamodb)
    other = pending(dynamodb)

    async def delete_meanwhile(seconds: float) -> None:
        dynamodb.delete_item(TableName="EnrollmentsTable", Key={"enrollment_id": {"S": enrollment_id}})

    monkeypatch.setattr(service.asyncio, "sleep", delete_meanwhile)
    gone, kept = message(enrollment_id), message(other)

    result = processor.lambda_handler({"Records": [gone, kept]}, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": gone["messageId"]}]}
    assert "Item" not in dynamodb.get_item(
        TableName="EnrollmentsTable", Key={"enrollment_id": {"S": enrollment_id}}
    )


# ---------------------------------------------------------------- dispatcher
def queued_bodies() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="EnrollmentQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    return [json.loads(m["Body"]) for m in messages]


def test_each_new_enrollment_is_enqueued(cloud: None, lambda_context: Any) -> None:
    records = [stream_record({"enrollment_id": {"S": f"e-{n}"}}, str(100 + n), STREAM_ARN) for n in range(3)]

    result = dispatcher.lambda_handler({"Records": records}, lambda_context)

    assert result == {"batchItemFailures": []}
    assert sorted(queued_bodies(), key=lambda b: b["enrollment_id"]) == [
        {"enrollment_id": "e-0"},
        {"enrollment_id": "e-1"},
        {"enrollment_id": "e-2"},
    ]


def test_a_record_without_an_enrollment_id_fails_alone(cloud: None, lambda_context: Any) -> None:
    good = stream_record({"enrollment_id": {"S": "e-1"}}, "101", STREAM_ARN)
    bad = stream_record({"id": {"S": "x"}}, "102", STREAM_ARN)

    result = dispatcher.lambda_handler({"Records": [good, bad]}, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert queued_bodies() == [{"enrollment_id": "e-1"}]


def test_when_the_queue_is_unavailable_the_stream_retries_from_the_first_record(
    cloud: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENROLLMENT_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/missing")
    settings.cache_clear()
    dispatcher.queue.cache_clear()
    records = [stream_record({"enrollment_id": {"S": f"e-{n}"}}, str(100 + n), STREAM_ARN) for n in range(2)]

    result = dispatcher.lambda_handler({"Records": records}, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "100"}]}
