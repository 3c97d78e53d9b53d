"""SPEC §1.1 workflow and events over HTTP, through a real `patron dev`: submit and poll, the AWS
endpoint, CustomerCreated starting the workflow, and firing the schedule on demand."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
from tests.devserver import DevServer
from tests.polling import finished, wait_for
from tests.workflow import WORKFLOW_ARN, executions_for, wait_for_execution

pytestmark = pytest.mark.e2e


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def submit(dev: DevServer, customer_id: str) -> dict[str, Any]:
    response = requests.post(
        f"{dev.url}/ids/workflow/submit", headers=dev.headers, json={"id": customer_id}, timeout=5
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def poll(dev: DevServer, name: str, timeout: float = 30) -> dict[str, Any]:
    return finished(lambda: dev.get_json(f"/ids/workflow/executions/{name}"), timeout, interval=0.1)


def test_first_submit_inserts_the_second_finds_it_also_through_the_aws_endpoint(dev: DevServer) -> None:
    customer_id = unique("sfn")

    first = submit(dev, customer_id)
    first_result = poll(dev, first["executionName"])
    second = submit(dev, customer_id)
    second_result = poll(dev, second["executionName"])

    assert first_result == {"status": "SUCCEEDED", "id": customer_id, "result": "Inserted", "error": None}
    assert second_result == {
        "status": "SUCCEEDED",
        "id": customer_id,
        "result": "AlreadyExists",
        "error": None,
    }
    sfn = dev.aws("stepfunctions")
    described = sfn.describe_execution(executionArn=first["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"id": customer_id, "result": "Inserted"}
    assert described["stateMachineArn"] == WORKFLOW_ARN
    found = requests.get(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=5)
    assert found.json() == {"id": customer_id, "exists": True}


def test_submit_and_poll_validate_their_input(dev: DevServer) -> None:
    bad_id = requests.post(
        f"{dev.url}/ids/workflow/submit", headers=dev.headers, json={"id": "a b"}, timeout=5
    )
    not_json = requests.post(
        f"{dev.url}/ids/workflow/submit",
        headers={**dev.headers, "Content-Type": "application/json"},
        data="{",
        timeout=5,
    )
    unknown = requests.get(
        f"{dev.url}/ids/workflow/executions/{uuid.uuid4()}", headers=dev.headers, timeout=5
    )
    bad_name = requests.get(f"{dev.url}/ids/workflow/executions/a;b", headers=dev.headers, timeout=5)
    no_key = requests.post(
        f"{dev.url}/ids/workflow/submit", json={"id": "x"}, headers=dev.token_only, timeout=5
    )
    preflight = requests.options(f"{dev.url}/ids/workflow/submit", timeout=5)

    assert (bad_id.status_code, bad_id.json()["error"]["code"]) == (400, "invalid_request")
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "invalid_request")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert (bad_name.status_code, bad_name.json()["error"]["code"]) == (400, "invalid_request")
    assert (no_key.status_code, no_key.json()) == (403, {"message": "Forbidden"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE,GET,POST,PUT,OPTIONS"


def test_a_put_of_a_new_id_starts_exactly_one_execution_and_a_repeat_none(dev: DevServer) -> None:
    customer_id, marker = unique("evented"), unique("marker")
    sfn = dev.aws("stepfunctions")

    assert (
        requests.put(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=5).status_code
        == 201
    )
    (execution,) = wait_for(lambda: executions_for(customer_id, sfn))
    finished = wait_for_execution(execution["executionArn"], sfn)
    assert (
        requests.put(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=5).status_code
        == 200
    )
    # a later creation: the stream is ordered, so once its execution exists, the repeat had its chance
    assert (
        requests.put(f"{dev.url}/ids/customers/{marker}", headers=dev.headers, timeout=5).status_code == 201
    )
    wait_for(lambda: executions_for(marker, sfn))

    assert json.loads(finished["output"]) == {"id": customer_id, "result": "AlreadyExists"}
    assert len(executions_for(customer_id, sfn)) == 1


def test_patron_events_fire_runs_the_disabled_schedule_on_demand(dev: DevServer) -> None:
    sfn = dev.aws("stepfunctions")
    before = len(executions_for("scheduled-check", sfn))

    fired = dev.patron("events", "fire", "customer-scan-schedule")
    unknown = dev.patron("events", "fire", "no-such-rule")

    assert fired.returncode == 0, fired.stderr
    (line,) = fired.stdout.splitlines()
    execution_arn = line.removeprefix("delivered: ")
    assert execution_arn.startswith(WORKFLOW_ARN.replace(":stateMachine:", ":execution:"))
    assert wait_for_execution(execution_arn, sfn)["status"] == "SUCCEEDED"
    assert len(executions_for("scheduled-check", sfn)) == before + 1
    assert dev.aws("events").describe_rule(Name="customer-scan-schedule")["State"] == "DISABLED"
    assert unknown.returncode == 1
    assert "no-such-rule" in unknown.stderr
