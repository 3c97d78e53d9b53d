"""customers-workflow executed by moto's ASL interpreter from statemachines/customers_workflow.asl.json
(the template's substitutions), its Lambda tasks running the real step handlers in-process; failures
are injected into the tasks to exercise Retry and Catch."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.core.exceptions import JsonRESTError
from tests.faults import ALWAYS, client_error, inject, instant_retries
from tests.workflow import run_workflow, task_attempts

from patron.ids import service
from patron_tools.local.invoke import InvokeApi


def stored(dynamodb: Any, customer_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = dynamodb.get_item(
        TableName="customer_ids", Key={"id": {"S": customer_id}}
    ).get("Item")
    return item


def test_a_new_id_is_inserted_then_a_second_run_ends_already_exists(
    workflow_cloud: None, dynamodb: Any
) -> None:
    first = run_workflow({"id": "sfn-101"})
    second = run_workflow({"id": "sfn-101"})

    assert first["status"] == "SUCCEEDED"
    assert json.loads(first["output"]) == {"id": "sfn-101", "result": "Inserted"}
    assert task_attempts(first["executionArn"]) == {"ValidateExists": 1, "InsertId": 1}
    assert second["status"] == "SUCCEEDED"
    assert json.loads(second["output"]) == {"id": "sfn-101", "result": "AlreadyExists"}
    assert task_attempts(second["executionArn"]) == {"ValidateExists": 1, "LogEvent": 1}
    item = stored(dynamodb, "sfn-101")
    assert item is not None
    assert item["created_by"] == {"S": "workflow"}


def test_losing_the_insert_race_ends_already_exists(
    workflow_cloud: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given ValidateExists sees no id, but a PUT creates it before InsertId runs
    original = service.is_registered

    def then_created_elsewhere(customer_id: str, repository: Any) -> bool:
        exists = original(customer_id, repository)
        repository.insert(customer_id, "api")
        return exists

    monkeypatch.setattr(service, "is_registered", then_created_elsewhere)

    execution = run_workflow({"id": "raced"})

    assert json.loads(execution["output"]) == {"id": "raced", "result": "AlreadyExists"}
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1, "InsertId": 1}
    item = stored(dynamodb, "raced")
    assert item is not None
    assert item["created_by"] == {"S": "api"}  # the winner's write stands


def test_a_transient_error_is_retried_and_the_execution_succeeds(
    workflow_cloud: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(monkeypatch, service, "is_registered", client_error("ThrottlingException", "GetItem"))

    execution = run_workflow({"id": "flaky"})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"id": "flaky", "result": "Inserted"}
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 2, "InsertId": 1}
    assert stored(dynamodb, "flaky") is not None


def test_a_non_transient_error_is_caught_and_fails_with_the_named_error(
    workflow_cloud: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(monkeypatch, service, "is_registered", client_error("AccessDeniedException", "GetItem"), ALWAYS)

    execution = run_workflow({"id": "denied"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "CustomersWorkflow.TaskFailed"
    assert "AccessDeniedException" in execution["cause"]
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1}  # not retried
    assert stored(dynamodb, "denied") is None


def test_transient_errors_that_persist_exhaust_the_retries_then_fail(
    workflow_cloud: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(monkeypatch, service, "is_registered", client_error("ThrottlingException", "GetItem"), ALWAYS)
    waits = instant_retries(monkeypatch)

    execution = run_workflow({"id": "always-throttled"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "CustomersWorkflow.TaskFailed"
    assert "TransientError" in execution["cause"]
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 4}  # 1 + MaxAttempts 3
    assert waits == [1, 2, 4]  # IntervalSeconds 1, BackoffRate 2
    assert stored(dynamodb, "always-throttled") is None


@pytest.mark.parametrize("execution_input", [{"id": "bad id"}, {"id": ""}, {}, {"id": 7}])
def test_an_invalid_input_fails_the_execution_without_retries(
    workflow_cloud: None, dynamodb: Any, execution_input: Any
) -> None:
    execution = run_workflow(execution_input)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "CustomersWorkflow.TaskFailed"
    assert "ValidationError" in execution["cause"]
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 1}
    assert dynamodb.scan(TableName="customer_ids")["Items"] == []


def test_a_lambda_throttle_is_retried(
    workflow_cloud: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda itself refuses the first invocation (429), before any handler runs
    original = InvokeApi._invoke
    calls = {"n": 0}

    def throttled_once(self: InvokeApi, logical_id: str, event: Any) -> tuple[bytes, bool]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise JsonRESTError("TooManyRequestsException", "Rate exceeded")
        return original(self, logical_id, event)

    monkeypatch.setattr(InvokeApi, "_invoke", throttled_once)

    execution = run_workflow({"id": "throttled"})

    history = boto3.client("stepfunctions").get_execution_history(executionArn=execution["executionArn"])
    failures = [e["taskFailedEventDetails"]["error"] for e in history["events"] if e["type"] == "TaskFailed"]
    assert failures == ["Lambda.TooManyRequestsException"]
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"id": "throttled", "result": "Inserted"}
    assert task_attempts(execution["executionArn"]) == {"ValidateExists": 2, "InsertId": 1}
