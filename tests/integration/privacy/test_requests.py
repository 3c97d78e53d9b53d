"""privacy-requests end to end in moto: the API handlers, the state machine (moto's ASL interpreter,
the template's definition) and each service's task, asserting on the resulting tables and objects."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import boto3
from tests.integration.privacy.conftest import CPF, EMAIL, call

BUCKET = "patron-privacy-123456789012-us-east-1"


def read_export(url: str) -> dict[str, Any]:
    key = urllib.parse.urlparse(url).path.split("/", 2)[-1] if url.startswith("http://") else None
    key = key or urllib.parse.urlparse(url).path.lstrip("/")
    key = key.removeprefix(f"{BUCKET}/")
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return dict(json.loads(body))


def test_an_export_finds_the_person_in_every_service_in_each_apis_shape(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]]
) -> None:
    done = run_request(type="export", email=EMAIL, cpf=CPF, id="maria-1")

    assert done["status"] == "SUCCEEDED"
    assert done["found"] == {"crm": 1, "enrollment": 1, "marketing": 1, "ids": 1}
    assert done["completed_at"] >= done["submitted_at"]
    assert "X-Amz-Expires=3600" in done["export_url"] or "Expires=" in done["export_url"]
    export = read_export(done["export_url"])
    (customer,) = export["crm"]
    assert customer["customer_id"] == person["customer_id"]
    assert customer["email_address"] == EMAIL
    assert "email_key" not in customer
    (enrollment,) = export["enrollment"]
    assert (enrollment["enrollment_id"], enrollment["cpf"], enrollment["name"]) == (
        "e-maria",
        "12345678909",
        "Maria Silva",
    )
    assert export["marketing"][0]["Email"] == EMAIL.lower()
    assert export["ids"] == [{"id": "maria-1", "exists": True}]
    # the identifiers' object and the parts are gone; only the export is left
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [f"exports/{done['request_id']}.json"]


def test_an_erase_removes_the_person_everywhere_and_keeps_everyone_else(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]], dynamodb: Any
) -> None:
    done = run_request(type="erase", email=EMAIL.upper(), cpf="12345678909", id="maria-1")

    assert done["status"] == "SUCCEEDED"
    assert done["found"] == {"crm": 1, "enrollment": 1, "marketing": 1, "ids": 1}
    assert done["export_url"] is None
    customer_key = {"customer_id": {"S": person["customer_id"]}}
    assert "Item" not in dynamodb.get_item(TableName="customers", Key=customer_key)
    assert "Item" not in dynamodb.get_item(TableName="customer_emails", Key={"email": {"S": EMAIL.lower()}})
    enrollment = dynamodb.get_item(TableName="EnrollmentsTable", Key={"enrollment_id": {"S": "e-maria"}})
    assert set(enrollment["Item"]) == {"enrollment_id", "age", "status", "created_at"}
    assert enrollment["Item"]["status"] == {"S": "PENDING"}
    other = dynamodb.get_item(TableName="EnrollmentsTable", Key={"enrollment_id": {"S": "e-other"}})
    assert other["Item"]["cpf"] == {"S": "98765432100"}
    assert "Item" not in dynamodb.get_item(
        TableName="MarketingInterests", Key={"Email": {"S": EMAIL.lower()}}
    )
    assert "Item" in dynamodb.get_item(
        TableName="MarketingInterests", Key={"Email": {"S": "other@example.com"}}
    )
    assert "Item" not in dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "maria-1"}})
    assert "Item" in dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "other-1"}})

    # a second identical request finds nothing and succeeds; an export afterwards finds nothing
    again = run_request(type="erase", email=EMAIL, cpf=CPF, id="maria-1")
    assert (again["status"], again["found"]) == (
        "SUCCEEDED",
        {"crm": 0, "enrollment": 0, "marketing": 0, "ids": 0},
    )
    export = run_request(type="export", email=EMAIL, cpf=CPF, id="maria-1")
    assert export["found"] == {"crm": 0, "enrollment": 0, "marketing": 0, "ids": 0}
    assert read_export(export["export_url"])["crm"] == []


def test_the_crm_customer_id_finds_the_customer(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]]
) -> None:
    done = run_request(type="export", customer_id=person["customer_id"].upper())

    assert done["found"] == {"crm": 1, "enrollment": 0, "marketing": 0, "ids": 0}


def test_the_request_record_holds_hashes_counts_times_and_the_key_id_never_an_identifier(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]], dynamodb: Any
) -> None:
    done = run_request(type="erase", email=EMAIL, cpf=CPF, customer_id=person["customer_id"], id="maria-1")

    item = dynamodb.get_item(TableName="privacy_requests", Key={"request_id": {"S": done["request_id"]}})[
        "Item"
    ]
    text = json.dumps(item)
    for identifier in (EMAIL, EMAIL.lower(), "12345678909", CPF, person["customer_id"], "maria-1"):
        assert identifier not in text
    hashes = {name: value["S"] for name, value in item["subjects"]["M"].items()}
    assert set(hashes) == {"email", "cpf", "customer_id", "id"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in hashes.values())
    assert item["api_key_id"] == {"S": "key-id-1"}
    assert item["status"] == {"S": "SUCCEEDED"}
    assert {"submitted_at", "completed_at", "found"} <= set(item)
    # the execution's input and history hold no identifier either
    sfn = boto3.client("stepfunctions")
    (machine,) = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "privacy-requests"]
    (execution,) = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    history = json.dumps(
        sfn.get_execution_history(executionArn=execution["executionArn"])["events"], default=str
    )
    for identifier in (EMAIL.lower(), "12345678909", "maria-1"):
        assert identifier not in history


def test_bad_identifiers_are_400_as_their_services_answer_them(workflow_cloud: None) -> None:
    for body in (
        {"type": "export"},
        {"type": "export", "email": "not-an-email"},
        {"type": "export", "cpf": "123"},
        {"type": "export", "cpf": "1234567890a"},
        {"type": "export", "customer_id": "not-a-uuid"},
        {"type": "export", "id": "bad id with spaces"},
        {"type": "delete", "email": "a@example.com"},
        {"type": "export", "email": "a@example.com", "name": "x"},
    ):
        status, error = call("POST", "/requests", body=body)
        assert status == 400, (body, error)
        assert error["error"]["code"] == "invalid_request"


def test_an_unknown_request_is_404_whatever_its_id_looks_like(workflow_cloud: None) -> None:
    status, error = call("GET", "/requests/{request_id}", path_parameters={"request_id": "0" * 32})
    assert (status, error["error"]["code"]) == (404, "not_found")
    for unknown in ("nope", "00000000-0000-4000-8000-000000000000"):
        status, error = call("GET", "/requests/{request_id}", path_parameters={"request_id": unknown})
        assert (status, error["error"]["code"]) == (404, "not_found")
