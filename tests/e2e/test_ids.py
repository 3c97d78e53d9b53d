"""SPEC §1.1 over HTTP, through a real `patron dev`."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tests.devserver import DevServer

pytestmark = pytest.mark.e2e

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "DELETE,GET,POST,PUT,OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token",
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for_workflow_run(dev: DevServer, customer_id: str, timeout: float = 30) -> None:
    """Until the execution that this id's CustomerCreated event started has finished."""
    client = dev.aws("stepfunctions")
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:customers-workflow"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pages = client.get_paginator("list_executions").paginate(stateMachineArn=arn)
        for execution in (e for page in pages for e in page["executions"]):
            described = client.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"]).get("id") == customer_id and described["status"] != "RUNNING":
                return
        time.sleep(0.2)
    pages = client.get_paginator("list_executions").paginate(stateMachineArn=arn)
    statuses = [e["status"] for page in pages for e in page["executions"]]
    raise AssertionError(
        f"no finished workflow run for {customer_id}; DIAG {len(statuses)} {sorted(set(statuses))} running={statuses.count('RUNNING')}"
    )


def assert_cors(response: requests.Response) -> None:
    for name, value in CORS.items():
        assert response.headers.get(name) == value, name


def test_put_get_delete_round_trip(dev: DevServer) -> None:
    customer_id = unique("user")
    url = f"{dev.url}/ids/customers/{customer_id}"

    created = requests.put(url, headers=dev.headers, timeout=5)
    again = requests.put(url, headers=dev.headers, timeout=5)
    found = requests.get(url, headers=dev.headers, timeout=5)
    deleted = requests.delete(url, headers=dev.headers, timeout=5)
    gone = requests.get(url, headers=dev.headers, timeout=5)
    deleted_again = requests.delete(url, headers=dev.headers, timeout=5)
    # the workflow run that the PUT's CustomerCreated event started, most likely after the DELETE,
    # does not bring the id back
    wait_for_workflow_run(dev, customer_id)
    still_gone = requests.get(url, headers=dev.headers, timeout=5)

    assert (created.status_code, created.json()) == (
        201,
        {"id": customer_id, "exists": True, "created": True},
    )
    assert (again.status_code, again.json()) == (200, {"id": customer_id, "exists": True, "created": False})
    assert (found.status_code, found.json()) == (200, {"id": customer_id, "exists": True})
    assert (deleted.status_code, deleted.json()) == (200, {"id": customer_id, "deleted": True})
    assert (gone.status_code, gone.json()) == (200, {"id": customer_id, "exists": False})
    assert (deleted_again.status_code, deleted_again.json()) == (200, {"id": customer_id, "deleted": False})
    assert still_gone.json() == {"id": customer_id, "exists": False}
    for response in (created, again, found, deleted, gone):
        assert_cors(response)
        assert response.headers["Content-Type"].startswith("application/json")


def test_the_created_id_is_in_the_table_seen_through_the_aws_endpoint(dev: DevServer) -> None:
    customer_id = unique("aws")
    requests.put(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=5)

    item = dev.aws("dynamodb").get_item(TableName="customer_ids", Key={"id": {"S": customer_id}})

    assert item["Item"]["id"] == {"S": customer_id}


@pytest.mark.parametrize("key", [None, "wrong"], ids=["no-key", "wrong-key"])
@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_a_missing_or_wrong_key_is_403_forbidden_with_cors(
    dev: DevServer, key: str | None, method: str
) -> None:
    # a valid token: the authorizer runs before the key is checked (tests/e2e/test_identity.py)
    headers = dev.token_only | ({"x-api-key": key} if key else {})
    response = requests.request(
        method, f"{dev.url}/ids/customers/{unique('nokey')}", headers=headers, timeout=5
    )

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    assert_cors(response)


def test_preflight_needs_no_key_and_answers_with_cors(dev: DevServer) -> None:
    response = requests.options(
        f"{dev.url}/ids/customers/anything",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
        timeout=5,
    )

    assert response.status_code in (200, 204)
    assert_cors(response)


@pytest.mark.parametrize(
    "bad_id", ["a%20b", "x" * 129, "semi%3Bcolon", "hash%23", "%C3%A9", "a%2Fb", "quo%22te"]
)
def test_invalid_ids_are_a_400_json_error(dev: DevServer, bad_id: str) -> None:
    response = requests.put(f"{dev.url}/ids/customers/{bad_id}", headers=dev.headers, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert_cors(response)


def test_a_body_that_is_not_a_json_object_is_400(dev: DevServer) -> None:
    url = f"{dev.url}/ids/customers/{unique('body')}"

    response = requests.put(url, headers=dev.headers, json=[1, 2], timeout=5)
    check = requests.get(url, headers=dev.headers, timeout=5)

    assert response.status_code == 400
    assert check.json()["exists"] is False


def test_48_concurrent_puts_of_one_new_id_create_it_exactly_once(dev: DevServer) -> None:
    customer_id = unique("race")
    url = f"{dev.url}/ids/customers/{customer_id}"
    with requests.Session() as session, ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(
            pool.map(lambda _: session.put(url, headers=dev.headers, timeout=30).status_code, range(48))
        )

    assert statuses.count(201) == 1
    assert statuses.count(200) == 47
    # and they really ran concurrently: in several execution environments of the function
    lines = (dev.state_dir / "logs" / "PutCustomerIdFunction.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    served = {
        r["environment"]
        for r in records
        if isinstance(r["message"], dict) and r["message"].get("customer_id") == customer_id
    }
    assert len(served) > 1


def test_an_unknown_route_is_api_gateways_403(dev: DevServer) -> None:
    response = requests.get(f"{dev.url}/ids/nothing-here", headers=dev.headers, timeout=5)

    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


@pytest.mark.local_only
def test_health_needs_no_key(dev: DevServer) -> None:
    response = requests.get(f"{dev.url}/health", timeout=5)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
