"""Faults in the marketing pipeline (POST /preferences → MarketingPreferencesStateMachine, its three
Lambda tasks running in-process), in the store step's BatchWriteItem requests: throttling, outages and
UnprocessedItems are retried until every record is stored once; a failure that persists fails the
execution with a named error, visible through GET /executions/{name}; running the batch again after it
stores every record exactly once.

Already covered elsewhere: the repository's retry counts and backoff against a flaky client
(tests/unit/marketing/test_repository.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.events import api_event
from tests.faults import ALWAYS, client_error, inject, instant_retries
from tests.marketing import make_record
from tests.polling import finished

from patron.marketing import handlers, steps


@pytest.fixture
def no_backoff(workflow_cloud: None, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The store step's backoff between BatchWriteItem attempts, and the state machine's Retry
    intervals, recorded instead of slept; the latter are returned."""
    monkeypatch.setattr(steps.interests(), "_sleep", lambda seconds: None)
    return instant_retries(monkeypatch)


def call(
    context: Any, method: str, resource: str, params: dict[str, str] | None = None, body: Any = None
) -> Any:
    response = handlers.lambda_handler(api_event(method, resource, params, body=body), context)
    assert response["statusCode"] in (200, 202), response
    return json.loads(response["body"])


def run(batch: list[dict[str, Any]], context: Any) -> dict[str, Any]:
    """POST /preferences, then GET /executions/{name} until the execution has finished."""
    name = call(context, "POST", "/preferences", body=batch)["executionName"]

    return finished(
        lambda: call(context, "GET", "/executions/{executionName}", {"executionName": name}), timeout=60
    )


def stored(dynamodb: Any) -> list[str]:
    pages = dynamodb.get_paginator("scan").paginate(TableName="MarketingInterests")
    return sorted(item["Email"]["S"] for page in pages for item in page["Items"])


def emails(count: int) -> list[str]:
    return sorted(make_record(i)["Email"] for i in range(count))


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_refused_and_unprocessed_writes_are_retried_until_every_record_is_stored_once(
    no_backoff: list[float], dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    client = steps.interests()._client
    write = client.batch_write_item

    def half_unprocessed(RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        ((table, requests),) = RequestItems.items()
        write(RequestItems={table: requests[: len(requests) // 2]})
        return {"UnprocessedItems": {table: requests[len(requests) // 2 :]}}

    unprocessed = inject(monkeypatch, client, "batch_write_item", half_unprocessed, times=2)
    refused = inject(monkeypatch, client, "batch_write_item", client_error(code, "BatchWriteItem"), times=2)

    execution = run([make_record(i) for i in range(60)], lambda_context)

    assert execution["status"] == "SUCCEEDED"
    assert (execution["output"]["stored"], execution["output"]["opted_out"]) == (60, 0)
    assert stored(dynamodb) == emails(60)
    assert (refused.failures, unprocessed.failures) == (2, 2)
    # UnprocessedItems are retried inside the step; a refusal left after botocore's own retries fails the
    # step as TransientError, and the state machine retries the (idempotent) step
    assert no_backoff == [2, 4]


def test_a_persistent_failure_fails_the_execution_by_name_and_a_rerun_stores_each_record_once(
    no_backoff: list[float], dynamodb: Any, lambda_context: Any
) -> None:
    batch = [make_record(i) for i in range(60)]
    with pytest.MonkeyPatch.context() as outage:
        # the first 25 writes go through, then DynamoDB throttles every request
        inject(
            outage,
            steps.interests()._client,
            "batch_write_item",
            client_error("ThrottlingException", "BatchWriteItem"),
            ALWAYS,
            skip=1,
        )

        failed = run(batch, lambda_context)

    assert failed["status"] == "FAILED"
    assert failed["error"]["error"] == "TransientError"
    assert no_backoff == [2, 4, 8, 16, 32]  # the step retried 5 times by the state machine, then failed
    assert stored(dynamodb) == emails(25)  # visible as failed; what it wrote is valid and complete

    rerun = run(batch, lambda_context)

    assert rerun["status"] == "SUCCEEDED"
    assert rerun["output"]["stored"] == 60
    assert stored(dynamodb) == emails(60)  # every record once: the key is the e-mail, writes are upserts


def test_a_non_transient_error_fails_the_execution_at_once_with_its_name(
    no_backoff: list[float], dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = client_error("AccessDeniedException", "BatchWriteItem")
    fault = inject(monkeypatch, steps.interests()._client, "batch_write_item", denied, ALWAYS)

    failed = run([make_record(1)], lambda_context)

    assert failed["status"] == "FAILED"
    assert failed["error"]["error"] == "ClientError"
    assert "AccessDeniedException" in failed["error"]["cause"]
    assert (fault.calls, no_backoff) == (1, [])  # neither the step nor the state machine retried it
    assert stored(dynamodb) == []
