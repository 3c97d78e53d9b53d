"""The marketing API's Lambda handler with API Gateway events, against moto. The state machine here
is a stand-in Pass state answering a fixed summary (the real pipeline runs end to end in tests/e2e)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from tests.events import api_event
from tests.marketing import BRIEF_EXAMPLE, make_record

from patron.marketing.handlers import lambda_handler

MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:MarketingPreferencesStateMachine"
REPORT_KEY = "reports/2026/11/30/full.json"
STEP_OUTPUT = {  # what StoreMarketingInterests answers: 150 rejections, the first 100 listed
    "received": 200,
    "valid": 50,
    "rejected": [{"index": i, "errors": [{"field": "Email", "message": "bad"}]} for i in range(100)],
    "rejected_count": 150,
    "rejected_report": {"bucket": "patron-marketing-batches-123456789012-us-east-1", "key": REPORT_KEY},
    "duplicates_removed": 0,
    "stored": 50,
    "opted_out": 0,
}


@pytest.fixture
def machine(cloud: None) -> Any:
    client = boto3.client("stepfunctions")
    client.create_state_machine(
        name="MarketingPreferencesStateMachine",
        definition=json.dumps(
            {
                "StartAt": "Summary",
                "States": {"Summary": {"Type": "Pass", "Result": STEP_OUTPUT, "End": True}},
            }
        ),
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


def finished(context: Any, name: str) -> tuple[int, Any]:
    deadline = time.monotonic() + 5
    while True:
        status, execution = call(context, "GET", "/executions/{name}", {"name": name})
        if status != 200 or execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return status, execution
        time.sleep(0.05)


def test_an_execution_is_readable_by_name_with_a_bounded_summary(machine: Any, lambda_context: Any) -> None:
    boto3.client("s3").put_object(
        Bucket=STEP_OUTPUT["rejected_report"]["bucket"], Key=REPORT_KEY, Body=b"[1, 2, 3]"
    )
    _, accepted = call(lambda_context, "POST", "/preferences", body=BRIEF_EXAMPLE)

    status, execution = finished(lambda_context, accepted["executionName"])

    assert status == 200
    assert execution["status"] == "SUCCEEDED"
    output = execution["output"]
    assert "rejected_report" not in output
    assert (len(output["rejected"]), output["rejected_count"]) == (100, 150)
    report = requests.get(output["rejected_report_url"], timeout=10)  # a presigned GET (moto answers)
    assert report.json() == [1, 2, 3]
    expires = parse_qs(urlparse(output["rejected_report_url"]).query)["X-Amz-Expires"]
    assert int(expires[0]) >= 15 * 60


def test_an_execution_is_readable_by_the_arn_post_executions_returned(
    machine: Any, lambda_context: Any
) -> None:
    _, started = call(lambda_context, "POST", "/executions", body={"input": "[]"})

    status, execution = finished(lambda_context, started["executionArn"])

    assert status == 200
    assert execution["status"] == "SUCCEEDED"


def test_an_arn_of_another_state_machine_is_not_found(machine: Any, lambda_context: Any) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:Other:some-run"

    assert call(lambda_context, "GET", "/executions/{name}", {"name": arn})[0] == 404


def test_start_date_is_epoch_seconds_as_start_execution_returns_it(machine: Any, lambda_context: Any) -> None:
    before = time.time()

    _, started = call(lambda_context, "POST", "/executions", body={"input": "[]"})

    assert isinstance(started["startDate"], float)
    assert before - 1 <= started["startDate"] <= time.time() + 1


def test_a_named_start_is_idempotent_and_another_input_is_a_409(machine: Any, lambda_context: Any) -> None:
    body = {"input": json.dumps(BRIEF_EXAMPLE), "name": "nightly-2026-11-30"}

    first = call(lambda_context, "POST", "/executions", body=body)
    finished(lambda_context, "nightly-2026-11-30")
    again = call(lambda_context, "POST", "/executions", body=body)
    other = call(lambda_context, "POST", "/executions", body={**body, "input": "[]"})

    assert first[0] == again[0] == 200
    assert again[1] == first[1]
    assert other[0] == 409
    assert len(machine.list_executions(stateMachineArn=MACHINE_ARN)["executions"]) == 1


def test_an_input_over_the_state_limit_travels_by_reference(machine: Any, lambda_context: Any) -> None:
    batch = [make_record(i) for i in range(3000)]  # ~330 KB, over Step Functions' 256 KB
    body = {"input": json.dumps(batch), "name": "large"}

    status, started = call(lambda_context, "POST", "/executions", body=body)

    assert status == 200
    ref = execution_input(machine, started["executionArn"])["ref"]
    stored = boto3.client("s3").get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read()
    assert json.loads(stored) == batch
    assert call(lambda_context, "POST", "/executions", body=body)[1] == started  # same input, same start


def test_a_client_input_shaped_like_a_reference_is_data_not_a_reference(
    machine: Any, lambda_context: Any
) -> None:
    # a client must not make the pipeline read an object it names (another upload, another bucket)
    forged = {"ref": {"bucket": "patron-privacy-123456789012-us-east-1", "key": "exports/someone.json"}}

    status, started = call(lambda_context, "POST", "/executions", body={"input": json.dumps(forged)})

    assert status == 200
    ref = execution_input(machine, started["executionArn"])["ref"]
    assert (ref["bucket"], ref["key"][:7]) == ("patron-marketing-batches-123456789012-us-east-1", "inputs/")
    stored = boto3.client("s3").get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read()
    assert json.loads(stored) == forged  # the pipeline reads the object as the input: not an array


def test_a_direct_request_over_lambdas_6_mb_is_a_413_naming_the_upload_route(
    machine: Any, lambda_context: Any
) -> None:
    batch = [make_record(i, Name="n" * 100) for i in range(40_000)]  # ~7 MB

    status, error = call(lambda_context, "POST", "/preferences", body=batch)

    assert status == 413
    assert error["message"] == "Request Too Long"
    assert "POST /uploads" in error["error"]["message"]
    assert machine.list_executions(stateMachineArn=MACHINE_ARN)["executions"] == []


def upload(context: Any, body: bytes) -> str:
    status, created = call(context, "POST", "/uploads")
    assert status == 201
    assert set(created) == {"upload_id", "upload_url", "expires_at"}
    put = requests.put(
        created["upload_url"], data=body, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert put.status_code == 200
    upload_id: str = created["upload_id"]
    return upload_id


def test_an_uploaded_batch_starts_one_execution_however_often_it_is_submitted(
    machine: Any, lambda_context: Any
) -> None:
    upload_id = upload(lambda_context, json.dumps(BRIEF_EXAMPLE).encode())

    status, accepted = call(lambda_context, "POST", "/preferences", body={"upload_id": upload_id})
    finished(lambda_context, accepted["executionName"])
    again = call(lambda_context, "POST", "/preferences", body={"upload_id": upload_id})

    assert status == 202
    assert again == (202, accepted)
    assert execution_input(machine, accepted["executionArn"]) == {
        "ref": {
            "bucket": "patron-marketing-batches-123456789012-us-east-1",
            "key": f"uploads/{upload_id}.json",
        }
    }
    assert len(machine.list_executions(stateMachineArn=MACHINE_ARN)["executions"]) == 1


def test_uploads_take_an_empty_body_or_an_empty_object(machine: Any, lambda_context: Any) -> None:
    assert call(lambda_context, "POST", "/uploads", body={})[0] == 201
    assert call(lambda_context, "POST", "/uploads", body={"size": 5})[0] == 400


@pytest.mark.parametrize(
    ("upload_id", "field", "reason"),
    [
        ("0" * 32, "upload_id", "never uploaded"),
        ("not-an-id", "body", "POST /uploads"),
        (5, "body", "POST /uploads"),
    ],
)
def test_an_unknown_upload_is_a_400(
    machine: Any, lambda_context: Any, upload_id: Any, field: str, reason: str
) -> None:
    status, error = call(lambda_context, "POST", "/preferences", body={"upload_id": upload_id})

    assert status == 400
    assert error["error"]["details"][0]["field"] == field
    assert reason in error["error"]["details"][0]["message"]
    assert machine.list_executions(stateMachineArn=MACHINE_ARN)["executions"] == []


def test_an_empty_upload_is_a_400(machine: Any, lambda_context: Any) -> None:
    upload_id = upload(lambda_context, b"")

    status, error = call(lambda_context, "POST", "/preferences", body={"upload_id": upload_id})

    assert status == 400
    assert error["error"]["details"] == [{"field": "upload_id", "message": "the upload is empty"}]


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
