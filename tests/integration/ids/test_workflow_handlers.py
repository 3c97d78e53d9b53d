"""POST /workflow/submit and GET /workflow/executions/{executionName} with API Gateway events, asserting
the responses and the executions they start and read."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from tests.events import api_event, header
from tests.workflow import WORKFLOW_ARN, wait_for_execution

from patron.ids.handlers import lambda_handler


def submit(body: Any, context: Any, **kwargs: Any) -> tuple[int, Any]:
    response = lambda_handler(api_event("POST", "/workflow/submit", body=body, **kwargs), context)
    return response["statusCode"], json.loads(response["body"])


def execution(name: str, context: Any) -> tuple[int, Any]:
    event = api_event("GET", "/workflow/executions/{executionName}", {"executionName": name})
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def finished(name: str, context: Any) -> dict[str, Any]:
    wait_for_execution(f"{WORKFLOW_ARN.replace(':stateMachine:', ':execution:')}:{name}")
    status, body = execution(name, context)
    assert status == 200
    result: dict[str, Any] = body
    return result


def test_submit_starts_an_execution_and_answers_202(workflow_cloud: None, lambda_context: Any) -> None:
    status, body = submit({"id": "sfn-101"}, lambda_context)

    assert status == 202
    assert set(body) == {"executionArn", "executionName", "id"}
    assert body["id"] == "sfn-101"
    assert body["executionArn"] == (
        f"arn:aws:states:us-east-1:123456789012:execution:customers-workflow:{body['executionName']}"
    )
    described = boto3.client("stepfunctions").describe_execution(executionArn=body["executionArn"])
    assert described["stateMachineArn"] == WORKFLOW_ARN
    assert json.loads(described["input"]) == {"id": "sfn-101"}
    wait_for_execution(body["executionArn"])


def test_first_submit_inserts_and_the_second_finds_it(
    workflow_cloud: None, dynamodb: Any, lambda_context: Any
) -> None:
    _, first = submit({"id": "sfn-101"}, lambda_context)
    first_result = finished(first["executionName"], lambda_context)
    _, second = submit({"id": "sfn-101"}, lambda_context)
    second_result = finished(second["executionName"], lambda_context)

    assert first_result == {"status": "SUCCEEDED", "id": "sfn-101", "result": "Inserted", "error": None}
    assert second_result == {"status": "SUCCEEDED", "id": "sfn-101", "result": "AlreadyExists", "error": None}
    assert first["executionName"] != second["executionName"]
    assert dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "sfn-101"}})["Item"][
        "created_by"
    ] == {"S": "workflow"}


def test_a_failed_execution_reports_its_named_error(workflow_cloud: None, lambda_context: Any) -> None:
    # started outside the API with an input the workflow rejects
    started = boto3.client("stepfunctions").start_execution(
        stateMachineArn=WORKFLOW_ARN, name="rejected-input", input=json.dumps({"id": "not valid!"})
    )
    wait_for_execution(started["executionArn"])

    status, body = execution("rejected-input", lambda_context)

    assert status == 200
    assert body["status"] == "FAILED"
    assert body["id"] == "not valid!"
    assert body["result"] is None
    assert body["error"]["error"] == "CustomersWorkflow.TaskFailed"
    assert "ValidationError" in body["error"]["cause"]


@pytest.mark.parametrize("name", ["never-started", "a.b", "a@b", "a+b=c", "-", "_", "x" * 80])
def test_an_unknown_execution_is_a_404(workflow_cloud: None, lambda_context: Any, name: str) -> None:
    status, body = execution(name, lambda_context)

    assert status == 404
    assert body["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", ["a b", "x" * 81, "semi;colon", "slash/ed", "colon:ed", "é"])
def test_an_invalid_execution_name_is_a_400(workflow_cloud: None, lambda_context: Any, name: str) -> None:
    status, body = execution(name, lambda_context)

    assert status == 400
    assert body["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    "body",
    [
        {"id": "bad id"},
        {"id": "x" * 129},
        {"id": ""},
        {"id": 7},
        {},
        {"id": "ok", "extra": 1},
        [{"id": "ok"}],
        "sfn-101",
        "{not json",
    ],
)
def test_submit_rejects_invalid_input_and_starts_nothing(
    workflow_cloud: None, lambda_context: Any, body: Any
) -> None:
    status, payload = submit(body, lambda_context)

    assert status == 400
    assert payload["error"]["code"] == "invalid_request"
    assert boto3.client("stepfunctions").list_executions(stateMachineArn=WORKFLOW_ARN)["executions"] == []


def test_submit_without_a_body_is_a_400(workflow_cloud: None, lambda_context: Any) -> None:
    status, payload = submit(None, lambda_context)

    assert status == 400
    assert payload["error"]["code"] == "invalid_request"


def test_workflow_responses_carry_the_cors_headers(workflow_cloud: None, lambda_context: Any) -> None:
    event = api_event("POST", "/workflow/submit", body={"id": "cors"})

    response = lambda_handler(event, lambda_context)
    wait_for_execution(json.loads(response["body"])["executionArn"])

    assert header(response, "Access-Control-Allow-Methods") == "DELETE,GET,POST,PUT,OPTIONS"
    assert header(response, "Access-Control-Allow-Origin") == "*"
