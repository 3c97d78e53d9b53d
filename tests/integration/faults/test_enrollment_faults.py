"""Faults in the enrollment flow: POST /enrollments → table stream → dispatcher → EnrollmentQueue →
processor. A throttled request answers a JSON 503 and writes nothing; an SQS outage in the dispatcher
delays messages (the stream retries) without losing or duplicating any; a DynamoDB failure in the
processor is retried by redelivery, and after maxReceiveCount the message is in the DLQ while the
enrollment stays PENDING (visible, not lost); a message delivered twice is processed once.

Already covered elsewhere: poison messages, a whole batch failing, a queue that does not exist
(tests/integration/enrollment/test_processor.py); redelivery and redrive of the poller itself
(tests/unit/local/test_sqs.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from tests.events import api_event, sqs_record, stream_record
from tests.faults import ALWAYS, client_error, inject, throttled
from tests.polling import wait_for

from patron.core.settings import settings
from patron.enrollment import dispatcher, handlers, processor, service
from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.sqs import QueuePoller, queue_sources
from patron_tools.local.streams import StreamReader, stream_sources
from patron_tools.local.template import Template

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:EnrollmentQueue"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/EnrollmentsTable/stream/2026-11-22T00:00:00.000"
ENROLLMENT = {"name": "John Doe", "age": 22, "cpf": "123.456.789-00"}


@pytest.fixture
def enroll(
    cloud: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], tuple[int, Any]]:
    """POST /enrollments (an age group 18-25 exists); the processor's simulated work takes no time."""
    monkeypatch.setenv("PROCESSING_DELAY_SECONDS", "0")
    settings.cache_clear()
    group = api_event("POST", "/age-groups", body={"min_age": 18, "max_age": 25})
    assert handlers.lambda_handler(group, lambda_context)["statusCode"] == 201

    def post() -> tuple[int, Any]:
        response = handlers.lambda_handler(api_event("POST", "/enrollments", body=ENROLLMENT), lambda_context)
        return response["statusCode"], json.loads(response["body"])

    return post


@pytest.fixture
def flow(enroll: Any, start_stream: Callable[[str], StreamReader], template: Template) -> Iterator[None]:
    """The dispatcher's stream and the processor's queue poller running as in `patron dev`, with a
    one-second visibility timeout so that a failed message comes back quickly."""
    sqs = boto3.client("sqs")
    sqs.set_queue_attributes(QueueUrl=queue_url("EnrollmentQueue"), Attributes={"VisibilityTimeout": "1"})
    start_stream("EnrollmentDispatcherFunction")
    (source,) = [s for s in queue_sources(template) if s.function == "EnrollmentProcessorFunction"]
    poller = QueuePoller(source, LambdaRuntime(template.functions()))
    poller.start()
    yield
    poller.stop()


def queue_url(name: str) -> str:
    return str(boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def drain(name: str) -> list[dict[str, Any]]:
    """Every message body of a queue, received and deleted."""
    sqs, url, bodies = boto3.client("sqs"), queue_url(name), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def status_of(dynamodb: Any, enrollment_id: str) -> str:
    item = dynamodb.get_item(TableName="EnrollmentsTable", Key={"enrollment_id": {"S": enrollment_id}})
    return str(item["Item"]["status"]["S"])


@pytest.mark.parametrize(("repository", "operation"), [("enrollments", "put_item"), ("age_groups", "scan")])
def test_a_throttled_enrollment_request_answers_a_json_503_and_writes_nothing(
    enroll: Callable[[], tuple[int, Any]],
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
    repository: str,
    operation: str,
) -> None:
    inject(monkeypatch, getattr(handlers, repository)()._client, operation, throttled(operation))

    status, body = enroll()

    assert (status, body["error"]["code"]) == (503, "service_unavailable")
    assert dynamodb.scan(TableName="EnrollmentsTable")["Items"] == []


def test_an_sqs_outage_in_the_dispatcher_delays_messages_but_loses_and_duplicates_none(
    cloud: None, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the second SendMessage of a batch of three fails, as the stream delivers it
    fault = inject(
        monkeypatch,
        dispatcher.queue()._client,
        "send_message",
        client_error("ServiceUnavailable", "SendMessage"),
        skip=1,
    )
    (source,) = [s for s in stream_sources(template) if s.function == "EnrollmentDispatcherFunction"]
    reader = StreamReader(source, LambdaRuntime(template.functions()), retry_delay=0)
    batch = [stream_record({"enrollment_id": {"S": f"e-{n}"}}, str(100 + n), STREAM_ARN) for n in range(3)]

    reader.deliver(batch)

    assert sorted(b["enrollment_id"] for b in drain("EnrollmentQueue")) == ["e-0", "e-1", "e-2"]
    assert fault.failures == 1


def test_a_throttled_processor_read_is_redelivered_and_each_enrollment_processed_once(
    flow: None, enroll: Callable[[], tuple[int, Any]], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = inject(monkeypatch, processor.enrollments()._client, "get_item", throttled("GetItem"))
    updates = inject(monkeypatch, processor.enrollments()._client, "update_item", Exception(), times=0)

    ids = [enroll()[1]["enrollment_id"] for _ in range(2)]

    wait_for(lambda: all(status_of(dynamodb, e) == "PROCESSED" for e in ids))
    assert fault.failures == 1
    assert updates.calls == 2  # one PENDING → PROCESSED per enrollment, no second one
    assert drain("EnrollmentDeadLetterQueue") == []


def test_a_persistent_processor_failure_ends_in_the_dlq_and_the_enrollment_stays_pending(
    flow: None,
    enroll: Callable[[], tuple[int, Any]],
    dynamodb: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault = inject(
        monkeypatch, processor.enrollments()._client, "update_item", throttled("UpdateItem"), ALWAYS
    )

    enrollment_id = enroll()[1]["enrollment_id"]

    dead = wait_for(lambda: drain("EnrollmentDeadLetterQueue"), timeout=15)
    assert dead == [{"enrollment_id": enrollment_id}]
    assert fault.failures == 3  # maxReceiveCount
    assert drain("EnrollmentQueue") == []
    response = handlers.lambda_handler(
        api_event("GET", "/enrollments/{id}", {"id": enrollment_id}), lambda_context
    )
    assert json.loads(response["body"])["status"] == "PENDING"  # visible as not done, not lost
    assert status_of(dynamodb, enrollment_id) == "PENDING"


def test_a_message_delivered_twice_at_once_processes_the_enrollment_once(
    enroll: Callable[[], tuple[int, Any]], dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQS delivers at least once: both copies read PENDING, one conditional update wins, the other
    # fails its condition (ConditionalCheckFailedException) and is a successful no-op
    enrollment_id = enroll()[1]["enrollment_id"]
    results: list[bool] = []
    original = service.process

    async def recorded(*args: Any) -> bool:
        results.append(await original(*args))
        return results[-1]

    monkeypatch.setattr(service, "process", recorded)
    body = json.dumps({"enrollment_id": enrollment_id})

    response = processor.lambda_handler(
        {"Records": [sqs_record(body, QUEUE_ARN), sqs_record(body, QUEUE_ARN, receive_count=2)]},
        lambda_context,
    )

    assert response == {"batchItemFailures": []}
    assert sorted(results) == [False, True]
    assert status_of(dynamodb, enrollment_id) == "PROCESSED"
