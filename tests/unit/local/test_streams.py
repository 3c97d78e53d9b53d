"""DynamoDB stream event sources: batches of real stream records, filters, retries, on-failure queue."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.polling import wait_for
from tests.unit.local import recording_handlers as handlers

from patron_tools.local import aws
from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.streams import StreamReader, stream_sources
from patron_tools.local.template import Template


def make_template(**event_properties: Any) -> Template:
    return Template(
        {
            "Resources": {
                "Things": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "TableName": "things",
                        "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                    },
                },
                "Failed": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "failed"}},
                "Reader": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {
                        "Handler": "tests.unit.local.recording_handlers.handle",
                        "Events": {
                            "Changes": {
                                "Type": "DynamoDB",
                                "Properties": {
                                    "Stream": {"Fn::GetAtt": ["Things", "StreamArn"]},
                                    "StartingPosition": "LATEST",
                                    "BatchSize": 10,
                                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                                    "MaximumRetryAttempts": 2,
                                    "DestinationConfig": {
                                        "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}
                                    },
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
def reader_for(aws_env: None) -> Iterator[Callable[..., StreamReader]]:
    handlers.reset()
    readers: list[StreamReader] = []

    def make(**event_properties: Any) -> StreamReader:
        template = make_template(**event_properties)
        aws.create_tables(template)
        aws.create_queues(template)
        reader = StreamReader(stream_sources(template)[0], LambdaRuntime(template.functions()), retry_delay=0)
        reader.start()
        readers.append(reader)
        return reader

    with mock_aws():
        yield make
        for reader in readers:
            reader.stop()


def put(*ids: str) -> None:
    """One request, so the stream reader sees the records together, in one batch."""
    requests = [{"PutRequest": {"Item": {"id": {"S": item_id}}}} for item_id in ids]
    boto3.client("dynamodb").batch_write_item(RequestItems={"things": requests})


def delivered_keys() -> list[str]:
    return [handlers.key_of(r) for batch in handlers.received for r in batch]


def test_the_template_event_becomes_a_stream_source() -> None:
    (source,) = stream_sources(make_template())

    assert (source.function, source.table_name, source.batch_size) == ("Reader", "things", 10)
    assert source.report_item_failures
    assert source.on_failure_arn == "arn:aws:sqs:us-east-1:123456789012:failed"


def test_changes_arrive_in_order_as_lambda_stream_records(reader_for: Callable[..., StreamReader]) -> None:
    reader = reader_for()
    put("a", "b", "c")

    wait_for(lambda: len(delivered_keys()) == 3)

    assert delivered_keys() == ["a", "b", "c"]
    record = handlers.received[0][0]
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == reader.stream_arn
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "a"}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


def test_items_present_before_start_are_not_replayed(aws_env: None) -> None:
    handlers.reset()
    with mock_aws():
        template = make_template()
        aws.create_tables(template)
        aws.create_queues(template)
        put("restored")
        reader = StreamReader(stream_sources(template)[0], LambdaRuntime(template.functions()))
        reader.start()
        put("new")
        reader.stop()  # drains what was written before the stop

    assert delivered_keys() == ["new"]


def test_filter_criteria_select_records(reader_for: Callable[..., StreamReader]) -> None:
    reader_for(FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    put("x")
    boto3.client("dynamodb").delete_item(TableName="things", Key={"id": {"S": "x"}})
    put("y")

    wait_for(lambda: len(delivered_keys()) == 2)

    assert [r["eventName"] for batch in handlers.received for r in batch] == ["INSERT", "INSERT"]


def test_a_failed_item_is_retried_from_itself_then_sent_to_the_on_failure_queue(
    reader_for: Callable[..., StreamReader],
) -> None:
    handlers.fail_keys.add("bad")
    reader_for()
    put("ok1", "bad", "ok2")

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="failed")["QueueUrl"]
    messages: list[dict[str, Any]] = []
    wait_for(
        lambda: bool(messages.extend(sqs.receive_message(QueueUrl=url).get("Messages", []))) or bool(messages)
    )

    # first delivery had all three; two retries started at the failed record
    assert [[handlers.key_of(r) for r in batch] for batch in handlers.received] == [
        ["ok1", "bad", "ok2"],
        ["bad", "ok2"],
        ["bad", "ok2"],
    ]
    failure = json.loads(messages[0]["Body"])
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 2
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in failure["records"]] == ["bad", "ok2"]


def test_a_crashing_invocation_is_retried_whole(reader_for: Callable[..., StreamReader]) -> None:
    handlers.crash_times[0] = 1
    reader_for()
    put("p", "q")

    wait_for(lambda: len(handlers.received) == 2)

    assert [[handlers.key_of(r) for r in batch] for batch in handlers.received] == [["p", "q"], ["p", "q"]]


def test_minus_one_retries_until_the_batch_succeeds(reader_for: Callable[..., StreamReader]) -> None:
    handlers.crash_times[0] = 4
    reader_for(MaximumRetryAttempts=-1)
    put("persistent")

    wait_for(lambda: len(handlers.received) == 5)

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="failed")["QueueUrl"]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
