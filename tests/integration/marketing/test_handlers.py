"""The marketing API's Lambda handler with API Gateway events, against moto. The state machine here
is a stand-in Pass state (the real pipeline runs end to end in tests/e2e)."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from tests.events import api_event
from tests.marketing import BRIEF_EXAMPLE

from patron.marketing.handlers import lambda_handler

MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:MarketingPreferencesStateMachine"


@pytest.fixture
def machine(cloud: None) -> Any:
    client = boto3.client("stepfunctions")
    client.create_state_machine(
        name="MarketingPreferencesStateMachine",
        definition=json.dumps({"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/local",
    )
    return client


def call(
    context: Any, method: str, resource: str, params: dict[str, str] | None = None, body: Any = None
) -> tuple[int, Any]:
    response = lambda_handler(api_event(method, resource, params, body=body), context)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def execution_input(machine: Any, execution_arn: str) -> Any:
    return json.loads(machine.describe_execution(executionArn=execution_arn)["input"])


def test_the_brief_pass_through_request_starts_an_execution(machine: Any, lambda_context: Any) -> None:
    body = {"input": json.dumps(BRIEF_EXAMPLE), "stateMachineArn": MACHINE_ARN}

    status, started = call(lambda_context, "POST", "/executions", body=body)

    assert status == 200
    assert set(started) == {"executionArn", "startDate"}
    assert execution_input(machine, started["executionArn"]) == BRIEF_EXAMPLE


def test_the_brief_placeholder_arn_names_the_same_machine(machine: Any, lambda_context: Any) -> None:
    arn = "arn:aws:states:xxx:yyy:stateMachine:MarketingPreferencesStateMachine"

    status, _ = call(lambda_context, "POST", "/executions", body={"input": "[]", "stateMachineArn": arn})

    assert status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"input": "[]", "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Other"},
            "stateMachineArn",
        ),
        ({"input": "[]", "stateMachineArn": "MarketingPreferencesStateMachine"}, "stateMachineArn"),
        ({"input": "[not json"}, "input"),
        ({"input": '[{"Name": NaN}]'}, "input"),
        ({"input": "[" * 5000 + "]" * 5000}, "input"),
        ({"input": '[{"n": ' + "9" * 5000 + "}]"}, "input"),
        ({"input": ["already", "parsed"]}, "input"),
        ({}, "input"),
        ({"input": "[]", "extra": 1}, "extra"),
    ],
)
def test_a_bad_execution_request_is_a_400_naming_the_field(
    machine: Any, lambda_context: Any, body: dict[str, Any], field: str
) -> None:
    status, error = call(lambda_context, "POST", "/executions", body=body)

    assert status == 400
    assert field in [detail["field"] for detail in error["error"]["details"]]
    assert machine.list_executions(stateMachineArn=MACHINE_ARN)["executions"] == []


def test_exact_numbers_in_ignored_fields_reach_the_pipeline_as_json(
    machine: Any, lambda_context: Any
) -> None:
    raw = '[{"Name": "A", "Email": "a@example.com", "MarketingOptIn": true, "MarketingInterests": [], '
    raw += '"Score": 0.1, "Big": 1e400, "Count": 7}]'

    status, accepted = call(lambda_context, "POST", "/preferences", body=raw)

    assert status == 202
    forwarded = execution_input(machine, accepted["executionArn"])[0]
    assert (forwarded["Score"], forwarded["Big"], forwarded["Count"]) == (0.1, 10**400, 7)


def test_preferences_take_the_array_itself(machine: Any, lambda_context: Any) -> None:
    status, accepted = call(lambda_context, "POST", "/preferences", body=BRIEF_EXAMPLE)

    assert status == 202
    assert accepted["executionArn"].endswith(":" + accepted["executionName"])
    assert execution_input(machine, accepted["executionArn"]) == BRIEF_EXAMPLE


@pytest.mark.parametrize("body", [{"records": []}, "text", 5])
def test_preferences_must_be_an_array(machine: Any, lambda_context: Any, body: Any) -> None:
    status, _ = call(lambda_context, "POST", "/preferences", body=body)

    assert status == 400


def test_an_execution_is_readable_by_name(machine: Any, lambda_context: Any) -> None:
    _, accepted = call(lambda_context, "POST", "/preferences", body=BRIEF_EXAMPLE)

    deadline = time.monotonic() + 5
    while True:
        status, execution = call(
            lambda_context, "GET", "/executions/{name}", {"name": accepted["executionName"]}
        )
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)

    assert status == 200
    assert execution["status"] == "SUCCEEDED"
    assert execution["output"] == BRIEF_EXAMPLE  # the stand-in machine echoes its input


@pytest.mark.parametrize(
    ("name", "status"), [("no-such-execution", 404), ("bad%20name", 400), ("x" * 81, 400)]
)
def test_unknown_or_invalid_execution_names(
    machine: Any, lambda_context: Any, name: str, status: int
) -> None:
    assert call(lambda_context, "GET", "/executions/{name}", {"name": name})[0] == status


def test_stored_preferences_are_read_by_email_case_insensitively(dynamodb: Any, lambda_context: Any) -> None:
    dynamodb.put_item(
        TableName="MarketingInterests",
        Item={
            "Email": {"S": "janedoe@example.com"},
            "Name": {"S": "Jane Doe"},
            "MarketingInterests": {"L": [{"S": "newsletters"}]},
            "updated_at": {"S": "2026-11-22T00:00:00Z"},
        },
    )

    status, stored = call(lambda_context, "GET", "/preferences/{email}", {"email": "JaneDoe@Example.com"})

    assert status == 200
    assert stored == {
        "Email": "janedoe@example.com",
        "Name": "Jane Doe",
        "MarketingInterests": ["newsletters"],
        "updated_at": "2026-11-22T00:00:00Z",
    }


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # the original pipeline's shape: no updated_at
        (
            {"Name": {"S": "Ann"}, "MarketingInterests": {"L": [{"S": "news"}]}},
            {"Name": "Ann", "MarketingInterests": ["news"], "updated_at": None},
        ),
        # another tool: a string set, no Name, an attribute this service does not know
        (
            {"MarketingInterests": {"SS": ["b", "a"]}, "Source": {"S": "crm-export"}},
            {"Name": None, "MarketingInterests": ["a", "b"], "updated_at": None},
        ),
        ({}, {"Name": None, "MarketingInterests": [], "updated_at": None}),
    ],
)
def test_stored_preferences_written_by_others_are_readable(
    dynamodb: Any, lambda_context: Any, item: dict[str, Any], expected: dict[str, Any]
) -> None:
    dynamodb.put_item(TableName="MarketingInterests", Item={"Email": {"S": "ann@example.com"}, **item})

    status, stored = call(lambda_context, "GET", "/preferences/{email}", {"email": "ann@example.com"})

    assert (status, stored) == (200, {"Email": "ann@example.com", **expected})


@pytest.mark.parametrize(("email", "status"), [("nobody@example.com", 404), ("not-an-email", 400)])
def test_unknown_or_invalid_emails(cloud: None, lambda_context: Any, email: str, status: int) -> None:
    assert call(lambda_context, "GET", "/preferences/{email}", {"email": email})[0] == status
