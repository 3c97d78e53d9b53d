"""Faults in customers-workflow's InsertId and LogEvent tasks and in the workflow API: a transient
DynamoDB error is retried with the definition's backoff; one that persists, or any other error, is
caught and fails the execution as CustomersWorkflow.TaskFailed; the id is written at most once. The
API answers a throttled Step Functions call with a JSON 503, never a 202 for nothing started.

Already covered elsewhere (tests/integration/ids/test_workflow.py): ValidateExists throttled (retried),
denied (caught), throttled until the retries run out, invalid input, a Lambda throttle (429); the
named error through GET /workflow/executions (tests/integration/ids/test_workflow_handlers.py)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from tests.events import api_event
from tests.faults import ALWAYS, answer_lost, client_error, inject, instant_retries, throttled
from tests.workflow import WORKFLOW_ARN, run_workflow, task_attempts

from patron.ids import handlers, service, steps


@pytest.fixture
def waits(workflow_cloud: None, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return instant_retries(monkeypatch)


def created_by(dynamodb: Any, customer_id: str) -> str | None:
    item = dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": customer_id}}).get("Item")
    return item["created_by"]["S"] if item else None


def test_a_throttled_insert_is_retried_and_inserts_once(
    waits: list[float], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(monkeypatch, steps.repository()._client, "put_item", throttled("PutItem"))

    execution = run_workflow({"id": "insert-throttled"})

    assert json.loads(execution["output"]) == {"id": "insert-throttled", "result": "Inserted"}
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1, "InsertId": 2}
    assert waits == [1]
    assert created_by(dynamodb, "insert-throttled") == "workflow"


def test_an_insert_whose_answer_was_lost_is_retried_and_the_id_written_once(
    waits: list[float], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the write went through, its answer did not: the retry's conditional write finds the id. The
    # execution cannot tell its own write from another's, so it reports AlreadyExists (nothing lost,
    # nothing written twice; only the label is conservative)
    inject(monkeypatch, steps.repository()._client, "put_item", answer_lost(), after=True)

    execution = run_workflow({"id": "insert-lost"})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"id": "insert-lost", "result": "AlreadyExists"}
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1, "InsertId": 2}
    assert dynamodb.scan(TableName="customer_ids")["Count"] == 1


def test_an_insert_throttled_until_the_retries_run_out_fails_by_name_and_writes_nothing(
    waits: list[float], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(
        monkeypatch,
        steps.repository()._client,
        "put_item",
        throttled("PutItem"),
        ALWAYS,
    )

    execution = run_workflow({"id": "insert-down"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "CustomersWorkflow.TaskFailed"
    assert "TransientError" in execution["cause"]
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1, "InsertId": 4}
    assert waits == [1, 2, 4]
    assert created_by(dynamodb, "insert-down") is None


def test_an_unexpected_error_in_log_event_is_caught_without_retries(
    waits: list[float], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.register("audited", steps.repository())
    inject(monkeypatch, service, "audit_existing", RuntimeError("audit sink broken"), ALWAYS)

    execution = run_workflow({"id": "audited"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "CustomersWorkflow.TaskFailed"
    assert "audit sink broken" in execution["cause"]
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1, "LogEvent": 1}
    assert waits == []
    assert created_by(dynamodb, "audited") == "api"  # untouched


@pytest.mark.parametrize(
    ("operation", "method", "resource", "params", "body"),
    [
        ("start_execution", "POST", "/workflow/submit", None, {"id": "not-started"}),
        ("describe_execution", "GET", "/workflow/executions/{executionName}", {"executionName": "x"}, None),
    ],
)
def test_a_throttled_workflow_call_answers_a_json_503(
    workflow_cloud: None,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    method: str,
    resource: str,
    params: dict[str, str] | None,
    body: Any,
) -> None:
    inject(
        monkeypatch, handlers.workflow()._client, operation, client_error("ThrottlingException", operation)
    )

    response = handlers.lambda_handler(api_event(method, resource, params, body=body), lambda_context)

    assert response["statusCode"] == 503
    assert json.loads(response["body"])["error"]["code"] == "service_unavailable"
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=WORKFLOW_ARN)["executions"]
    assert executions == []
