"""CustomerCreated: the table's stream → PublishCustomerCreatedFunction → EventBridge → rule
customer-created-to-sfn → customers-workflow. Published if and only if a PUT created the id, never lost
while EventBridge fails, never sent twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto.events.models import EventsBackend
from tests.events import api_event
from tests.workflow import executions_for, wait_for, wait_for_execution

from patron.ids import publisher
from patron.ids.handlers import lambda_handler
from patron.local.lambdas import LambdaRuntime
from patron.local.streams import StreamReader, stream_sources
from patron.local.template import Template


@pytest.fixture
def observed(workflow_cloud: None) -> Callable[[], list[dict[str, Any]]]:
    """Every CustomerCreated event, as delivered to an extra rule's SQS target."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="observed-events")["QueueUrl"]
    events = boto3.client("events")
    events.put_rule(
        Name="observe",
        EventPattern=json.dumps({"source": ["customer.api"], "detail-type": ["CustomerCreated"]}),
    )
    events.put_targets(
        Rule="observe", Targets=[{"Id": "queue", "Arn": "arn:aws:sqs:us-east-1:123456789012:observed-events"}]
    )
    seen: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            seen.extend(json.loads(m["Body"]) for m in messages)
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages],
            )
        return seen

    return read


@pytest.fixture
def stream(workflow_cloud: None, template: Template) -> Iterator[StreamReader]:
    """The template's stream event source of the publisher, polling as `patron dev` does."""
    (source,) = [s for s in stream_sources(template) if s.function == "PublishCustomerCreatedFunction"]
    reader = StreamReader(source, LambdaRuntime(template.functions()), retry_delay=0)
    reader.start()
    yield reader
    reader.stop()


def stream_record(customer_id: str, sequence: str) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"id": {"S": customer_id}},
            "NewImage": {"id": {"S": customer_id}, "created_by": {"S": "api"}},
            "SequenceNumber": sequence,
        },
    }


def put(customer_id: str, context: Any, method: str = "PUT") -> int:
    status: int = lambda_handler(api_event(method, "/customers/{id}", {"id": customer_id}), context)[
        "statusCode"
    ]
    return status


def failing_put_events(times: int, calls: dict[str, int] | None = None) -> Callable[..., Any]:
    """EventsBackend.put_events answering a failed entry (FailedEntryCount 1) `times` times; counts
    its calls in `calls["n"]`."""
    original = EventsBackend.put_events
    calls = calls if calls is not None else {}
    calls["n"] = 0

    def put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls["n"] += 1
        if calls["n"] <= times:
            return [{"ErrorCode": "InternalFailure", "ErrorMessage": "injected outage"} for _ in events]
        return original(self, events)

    return put_events


def test_the_publisher_sends_one_event_per_record_in_order(
    observed: Callable[[], list[dict[str, Any]]], lambda_context: Any
) -> None:
    records = [stream_record("first", "100"), stream_record("second", "200")]

    result = publisher.lambda_handler({"Records": records}, lambda_context)

    assert result == {"batchItemFailures": []}
    events = observed()
    assert [(e["source"], e["detail-type"], e["detail"]) for e in events] == [
        ("customer.api", "CustomerCreated", {"id": "first"}),
        ("customer.api", "CustomerCreated", {"id": "second"}),
    ]


def test_a_refused_event_reports_its_record_and_sends_nothing_after_it(
    observed: Callable[[], list[dict[str, Any]]], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = EventsBackend.put_events
    refused = failing_put_events(1)
    calls = {"n": 0}

    def second_call_refused(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls["n"] += 1
        return refused(self, events) if calls["n"] == 2 else original(self, events)

    monkeypatch.setattr(EventsBackend, "put_events", second_call_refused)
    records = [stream_record("a", "100"), stream_record("b", "200"), stream_record("c", "300")]

    result = publisher.lambda_handler({"Records": records}, lambda_context)

    # the stream retries from "b": "a" is not sent again, "c" was not sent yet
    assert result == {"batchItemFailures": [{"itemIdentifier": "200"}]}
    assert [e["detail"]["id"] for e in observed()] == ["a"]
    assert calls["n"] == 2


def test_a_put_that_creates_an_id_starts_exactly_one_execution(
    stream: StreamReader, observed: Callable[[], list[dict[str, Any]]], lambda_context: Any
) -> None:
    assert put("evented", lambda_context) == 201

    (execution,) = wait_for(lambda: executions_for("evented"))
    finished = wait_for_execution(execution["executionArn"])

    # the id exists when the event fires, so this path is the audit trail (SPEC §4)
    assert json.loads(finished["output"]) == {"id": "evented", "result": "AlreadyExists"}
    assert [e["detail"] for e in observed()] == [{"id": "evented"}]


def test_a_repeated_put_and_a_workflow_insert_publish_nothing(
    stream: StreamReader, observed: Callable[[], list[dict[str, Any]]], lambda_context: Any
) -> None:
    assert put("once", lambda_context) == 201
    assert put("once", lambda_context) == 200
    submitted = lambda_handler(
        api_event("POST", "/workflow/submit", body={"id": "by-workflow"}), lambda_context
    )
    wait_for_execution(json.loads(submitted["body"])["executionArn"])
    # a later creation as a marker: the stream is ordered, so once its event is seen, any event of the
    # writes before it would have been seen too
    assert put("marker", lambda_context) == 201

    wait_for(lambda: any(e["detail"] == {"id": "marker"} for e in observed()))

    assert [e["detail"]["id"] for e in observed()] == ["once", "marker"]
    assert len(executions_for("once")) == 1
    assert len(executions_for("by-workflow")) == 1  # the submitted one, no event-started one


def test_an_eventbridge_outage_delays_the_event_but_does_not_lose_or_duplicate_it(
    stream: StreamReader,
    observed: Callable[[], list[dict[str, Any]]],
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: dict[str, int] = {}
    monkeypatch.setattr(EventsBackend, "put_events", failing_put_events(3, calls))

    assert put("during-outage", lambda_context) == 201

    (execution,) = wait_for(lambda: executions_for("during-outage"))
    wait_for_execution(execution["executionArn"])
    assert put("marker", lambda_context) == 201
    wait_for(lambda: any(e["detail"] == {"id": "marker"} for e in observed()))
    assert [e["detail"]["id"] for e in observed()] == ["during-outage", "marker"]
    assert len(executions_for("during-outage")) == 1
    assert calls["n"] == 5  # three refused, then "during-outage" and "marker"


def test_a_delete_before_the_events_run_is_not_undone_by_it(
    workflow_cloud: None, lambda_context: Any
) -> None:
    # PUT then DELETE before the stream record is published: the run that the CustomerCreated event
    # starts finds no id, and must not insert it again
    assert put("fleeting", lambda_context) == 201
    assert put("fleeting", lambda_context, method="DELETE") == 200

    publisher.lambda_handler({"Records": [stream_record("fleeting", "100")]}, lambda_context)
    (execution,) = wait_for(lambda: executions_for("fleeting"))
    finished = wait_for_execution(execution["executionArn"])

    assert json.loads(finished["output"]) == {"id": "fleeting", "result": "AlreadyExists"}
    assert "Item" not in boto3.client("dynamodb").get_item(
        TableName="customer_ids", Key={"id": {"S": "fleeting"}}
    )
