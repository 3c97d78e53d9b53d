"""SQS event sources: real SQS event records in batches of the template's size, deletion of the
successful records only, redelivery after the visibility timeout and redrive to the dead-letter queue."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from tests.unit.local import sqs_handlers as handlers

from patron_tools.local import aws
from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.sqs import QueuePoller, queue_sources
from patron_tools.local.template import Template


def make_template(visibility_timeout: int = 60, **event_properties: Any) -> Template:
    return Template(
        {
            "Resources": {
                "Dead": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dead"}},
                "Work": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {
                        "QueueName": "work",
                        "VisibilityTimeout": visibility_timeout,
                        "RedrivePolicy": {
                            "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                            "maxReceiveCount": 3,
                        },
                    },
                },
                "Worker": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {
                        "Handler": "tests.unit.local.sqs_handlers.handle",
                        "Events": {
                            "Queue": {
                                "Type": "SQS",
                                "Properties": {
                                    "Queue": {"Fn::GetAtt": ["Work", "Arn"]},
                                    "BatchSize": 3,
                                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                                    **event_properties,
                                },
                            }
                        },
                    },
                },
            }
        }
    )


@pytest.fixture
def poller_for(aws_env: None) -> Iterator[Callable[..., QueuePoller]]:
    """A provisioned queue pair and a poller that the test drives with poll_once (no thread)."""
    handlers.reset()

    def make(visibility_timeout: int = 60, **event_properties: Any) -> QueuePoller:
        template = make_template(visibility_timeout, **event_properties)
        aws.create_queues(template)
        (source,) = queue_sources(template)
        poller = QueuePoller(source, LambdaRuntime(template.functions()), wait_seconds=0)
        poller._client = boto3.client("sqs")
        poller.queue_url = poller._client.get_queue_url(QueueName="work")["QueueUrl"]
        return poller

    with mock_aws():
        yield make


def send(*bodies: str, **kwargs: Any) -> None:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body, **kwargs)


def counts(queue: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    names: Any = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def time_out(batch: list[dict[str, Any]]) -> None:
    """What the passing of the visibility timeout does: the batch's undeleted messages become visible."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    for record in batch:
        try:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
            )
        except sqs.exceptions.ClientError as exc:  # deleted: it was processed
            if exc.response["Error"]["Code"] not in ("ReceiptHandleIsInvalid", "MessageNotInflight"):
                raise


def bodies(batch: list[dict[str, Any]]) -> list[str]:
    return [record["body"] for record in batch]


def test_the_template_event_becomes_a_queue_source() -> None:
    (source,) = queue_sources(make_template())

    assert (source.function, source.queue_name, source.batch_size) == ("Worker", "work", 3)
    assert source.queue_arn == "arn:aws:sqs:us-east-1:123456789012:work"
    assert source.report_item_failures


def test_the_enrollment_processor_is_fed_by_its_queue(template: Template) -> None:
    (source,) = queue_sources(template)

    assert (source.function, source.queue_name, source.batch_size) == (
        "EnrollmentProcessorFunction",
        "EnrollmentQueue",
        10,
    )
    assert source.report_item_failures


def test_a_disabled_event_source_is_not_polled() -> None:
    assert queue_sources(make_template(Enabled=False)) == []


def test_records_have_the_lambda_sqs_event_shape(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for()
    send("hello", MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})

    poller.poll_once()

    ((record,),) = handlers.received
    assert set(record) >= {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["body"] == "hello"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:work"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "greeting",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }


def test_batches_hold_at_most_the_batch_size(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for()
    send(*[f"m{n}" for n in range(7)])

    delivered = [poller.poll_once() for _ in range(4)]

    assert delivered == [3, 3, 1, 0]
    assert sorted(body for batch in handlers.received for body in bodies(batch)) == [
        f"m{n}" for n in range(7)
    ]
    assert counts("work") == (0, 0)  # every message was deleted


def test_a_batch_size_above_ten_takes_several_receives(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for(BatchSize=25)
    send(*[f"m{n}" for n in range(30)])

    assert poller.poll_once() == 25
    assert poller.poll_once() == 5


def test_only_the_successful_records_are_deleted(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for()
    handlers.fail_bodies.add("bad")
    send("good1", "bad", "good2")

    poller.poll_once()

    assert counts("work") == (0, 1)  # the failed one waits out its visibility timeout


def test_a_failed_record_comes_back_alone(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for()
    handlers.fail_bodies.add("bad")
    send("good1", "bad", "good2")

    poller.poll_once()
    time_out(handlers.received[-1])
    poller.poll_once()

    assert [bodies(batch) for batch in handlers.received][1] == ["bad"]
    assert handlers.received[1][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_when_the_function_raises_no_record_is_deleted(poller_for: Callable[..., QueuePoller]) -> None:
    poller = poller_for()
    handlers.crash[0] = True
    send("a", "b")

    poller.poll_once()
    time_out(handlers.received[-1])
    handlers.crash[0] = False
    poller.poll_once()

    assert [sorted(bodies(batch)) for batch in handlers.received] == [["a", "b"], ["a", "b"]]
    assert counts("work") == (0, 0)


@pytest.mark.parametrize(
    "response",
    [
        {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{}]},
    ],
)
def test_an_invalid_failure_report_fails_the_whole_batch(
    poller_for: Callable[..., QueuePoller], response: dict[str, Any]
) -> None:
    poller = poller_for()
    handlers.respond.append(response)
    send("a", "b")

    poller.poll_once()

    assert counts("work") == (0, 2)


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, "ok"])
def test_an_empty_response_is_a_success(poller_for: Callable[..., QueuePoller], response: Any) -> None:
    poller = poller_for()
    handlers.respond.append(response)
    send("a", "b")

    poller.poll_once()

    assert counts("work") == (0, 0)


def test_without_report_batch_item_failures_a_returned_failure_is_ignored(
    poller_for: Callable[..., QueuePoller],
) -> None:
    poller = poller_for(FunctionResponseTypes=[])
    handlers.fail_bodies.add("bad")
    send("bad", "good")

    poller.poll_once()

    assert counts("work") == (0, 0)


def test_a_poison_message_reaches_the_dead_letter_queue_after_three_receives(
    poller_for: Callable[..., QueuePoller],
) -> None:
    poller = poller_for()
    handlers.fail_bodies.add("poison")
    send("poison")

    delivered = []
    for _ in range(4):
        delivered.append(poller.poll_once())
        if handlers.received:
            time_out(handlers.received[-1])

    assert delivered == [1, 1, 1, 0]
    receive_counts = [batch[0]["attributes"]["ApproximateReceiveCount"] for batch in handlers.received]
    assert receive_counts == ["1", "2", "3"]
    assert counts("work") == (0, 0)
    assert counts("dead") == (1, 0)


def test_a_started_poller_delivers_in_the_background_and_stops(
    poller_for: Callable[..., QueuePoller],
) -> None:
    poller = poller_for()
    poller.start()
    try:
        send("x", "y")
        deadline = time.monotonic() + 10
        while sum(len(batch) for batch in handlers.received) < 2:
            assert time.monotonic() < deadline, "messages not delivered"
            time.sleep(0.02)
    finally:
        poller.stop()

    assert poller._thread is not None
    assert not poller._thread.is_alive()
    assert counts("work") == (0, 0)


def test_every_queue_refuses_a_message_over_256_kib_as_spec_and_aws_do(
    template: Template, cloud: None
) -> None:
    # the template states the size (AWS's default is not the SPEC's), and the local queue enforces it
    sqs = boto3.client("sqs")
    for logical_id in template.of_type("AWS::SQS::Queue"):
        assert template.properties(logical_id)["MaximumMessageSize"] == 262_144, logical_id
        url = sqs.get_queue_url(QueueName=template.physical_name(logical_id))["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x" * 262_144)
        with pytest.raises(ClientError) as refused:
            sqs.send_message(QueueUrl=url, MessageBody="x" * 262_145)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue", logical_id
