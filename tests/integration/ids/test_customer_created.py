"""CustomerCreated: the table's stream → PublishCustomerCreatedFunction → EventBridge → rule
customer-created-to-sfn → customers-workflow. Published if and only if a PUT created the id, never lost
while EventBridge fails, never sent twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.events.models import EventsBackend
from tests.events import api_event
from tests.faults import inject
from tests.polling import wait_for
from tests.workflow import executions_for, wait_for_execution

from patron.ids import publisher
from patron.ids.handlers import lambda_handler
from patron_tools.local.streams import StreamReader


@pytest.fixture
def stream(workflow_cloud: None, start_stream: Callable[[str], StreamReader]) -> StreamReader:
    return start_stream("PublishCustomerCreatedFunction")


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


def refused_entries(backend: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """moto's PutEvents answering every entry failed (FailedEntryCount > 0, no exception)."""
    return [{"ErrorCode": "InternalFailure", "ErrorMessage": "injected outage"} for _ in events]


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
    fault = inject(monkeypatch, EventsBackend, "put_events", refused_entries, skip=1)
    records = [stream_record("a", "100"), stream_record("b", "200"), stream_record("c", "300")]

    result = publisher.lambda_handler({"Records": records}, lambda_context)

    # the stream retries from "b": "a" is not sent again, "c" was not sent yet
    assert result == {"batchItemFailures": [{"itemIdentifier": "200"}]}
    assert [e["detail"]["id"] for e in observed()] == ["a"]
    assert fault.calls == 2


def test_a_put_that_creates_an_id_starts_exactly_one_execution(
    stream: StreamReader, observed: Callable[[], list[dict[str, Any]]], lambda_context: Any
) -> None:
    assert put("evented", lambda_context) == 201

    (execution,) = wait_for(lambda: executions_for("evented"))
    finished = wait_for_execution(execution["executionArn"])

    # the id exists when the event fires, so this path is the audit trail (SPEC §4)
    assert json.loads(finished["input"]) == {"id": "evented", "trigger": "CustomerCreated"}
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
    fault = inject(monkeypatch, EventsBackend, "put_events", refused_entries, times=3)

    assert put("during-outage", lambda_context) == 201

    (execution,) = wait_for(lambda: executions_for("during-outage"))
    wait_for_execution(execution["executionArn"])
    assert put("marker", lambda_context) == 201
    wait_for(lambda: any(e["detail"] == {"id": "marker"} for e in observed()))
    assert [e["detail"]["id"] for e in observed()] == ["during-outage", "marker"]
    assert len(executions_for("during-outage")) == 1
    assert fault.calls == 5  # three refused, then "during-outage" and "marker"


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
