"""Faults in the ids API and its CustomerCreated event (PUT → table stream → publisher → EventBridge).
A throttled or failed call answers a JSON 503 and changes nothing it did not say; the event exists
exactly once for each id a PUT created, however the writes and EventBridge fail.

Already covered elsewhere: a refused PutEvents entry (FailedEntryCount) and an EventBridge outage
through the stream (tests/integration/ids/test_customer_created.py), a deleted table as a JSON 500
(tests/integration/ids/test_handlers.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.events import api_event, header
from tests.faults import answer_lost, client_error, inject, throttled
from tests.polling import wait_for
from tests.workflow import executions_for

from patron.ids import handlers, publisher
from patron_tools.local.streams import StreamReader

Observed = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def stream(workflow_cloud: None, start_stream: Callable[[str], StreamReader]) -> StreamReader:
    return start_stream("PublishCustomerCreatedFunction")


def call(method: str, customer_id: str, context: Any) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = handlers.lambda_handler(api_event(method, "/customers/{id}", {"id": customer_id}), context)
    return response["statusCode"], json.loads(response["body"]), response


def stored_ids(dynamodb: Any) -> set[str]:
    return {item["id"]["S"] for item in dynamodb.scan(TableName="customer_ids")["Items"]}


def published_until(marker: str, observed: Observed, context: Any) -> list[str]:
    """The ids of every CustomerCreated event so far: a PUT of `marker` is published last (the
    stream is ordered), so once its event is seen every earlier event has been too."""
    assert call("PUT", marker, context)[0] == 201
    wait_for(lambda: any(e["detail"] == {"id": marker} for e in observed()))
    return [e["detail"]["id"] for e in observed()]


@pytest.mark.parametrize(
    ("method", "operation"), [("PUT", "put_item"), ("GET", "get_item"), ("DELETE", "delete_item")]
)
def test_a_throttled_call_answers_a_json_503_and_changes_nothing(
    dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, method: str, operation: str
) -> None:
    call("PUT", "kept", lambda_context)
    fault = inject(monkeypatch, handlers.repository()._client, operation, throttled(operation))

    status, body, response = call(method, "kept" if method != "PUT" else "new", lambda_context)

    assert status == 503
    assert body["error"]["code"] == "service_unavailable"
    assert header(response, "Retry-After") == "1"
    assert header(response, "Access-Control-Allow-Origin") == "*"
    assert stored_ids(dynamodb) == {"kept"}  # not written, not deleted
    assert fault.failures == 1


def test_a_throttled_put_publishes_nothing_and_its_retry_publishes_once(
    stream: StreamReader,
    observed: Observed,
    dynamodb: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inject(monkeypatch, handlers.repository()._client, "put_item", throttled("PutItem"))

    assert call("PUT", "throttled", lambda_context)[0] == 503
    assert stored_ids(dynamodb) == set()
    assert call("PUT", "throttled", lambda_context)[0] == 201  # the client's retry

    assert published_until("marker", observed, lambda_context) == ["throttled", "marker"]
    assert len(wait_for(lambda: executions_for("throttled"))) == 1  # one workflow run, not two


def test_a_put_whose_answer_was_lost_is_retried_as_a_200_and_publishes_once(
    stream: StreamReader,
    observed: Observed,
    dynamodb: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the write reached DynamoDB, its answer did not come back: the client sees a 503 and retries
    inject(monkeypatch, handlers.repository()._client, "put_item", answer_lost(), after=True)

    assert call("PUT", "lost-answer", lambda_context)[0] == 503
    assert stored_ids(dynamodb) == {"lost-answer"}
    status, body, _ = call("PUT", "lost-answer", lambda_context)

    assert (status, body) == (200, {"id": "lost-answer", "exists": True, "created": False})
    assert published_until("marker", observed, lambda_context) == ["lost-answer", "marker"]


def test_concurrent_puts_of_one_id_create_it_once_and_publish_once(
    stream: StreamReader, observed: Observed, lambda_context: Any
) -> None:
    # every PUT but one loses the conditional write (ConditionalCheckFailedException). One handler call
    # at a time, as in a Lambda process and in `patron dev` (Powertools' resolver keeps per-request
    # state on shared objects: two calls at once in one process can swap answers); the race on the
    # write itself is tests/unit/ids/test_service.py's 48 threads
    one_at_a_time = threading.Lock()

    def put(_: int) -> int:
        with one_at_a_time:
            return call("PUT", "raced", lambda_context)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(put, range(8)))

    assert sorted(statuses) == [200] * 7 + [201]
    assert published_until("marker", observed, lambda_context) == ["raced", "marker"]


def test_put_events_throttled_delays_the_event_and_delivers_it_exactly_once(
    stream: StreamReader, observed: Observed, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PutEvents raising (not FailedEntryCount): the publisher reports the record, the stream retries it
    fault = inject(
        monkeypatch,
        publisher.events()._client,
        "put_events",
        client_error("ThrottlingException", "PutEvents"),
        2,
    )

    assert call("PUT", "delayed", lambda_context)[0] == 201

    assert published_until("marker", observed, lambda_context) == ["delayed", "marker"]
    assert (fault.failures, fault.calls) == (2, 4)  # two refused, then "delayed" and "marker"
    (execution,) = wait_for(lambda: executions_for("delayed"))
    assert execution["stateMachineArn"].endswith(":customers-workflow")
