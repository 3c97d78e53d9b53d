"""SPEC §1.4 over HTTP, through a real `patron dev`: the pipeline runs in moto's Step Functions
interpreter with the in-process Lambda tasks."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.devserver import DevServer
from tests.marketing import BRIEF_EXAMPLE, BRIEF_EXAMPLE_SUMMARY, make_record

pytestmark = pytest.mark.e2e

MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:MarketingPreferencesStateMachine"


def wait_for_execution(dev: DevServer, name: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(f"{dev.url}/marketing/executions/{name}", headers=dev.headers, timeout=10)
        assert response.status_code == 200
        execution: dict[str, Any] = response.json()
        if execution["status"] != "RUNNING":
            return execution
        assert time.monotonic() < deadline, f"execution {name} still running"
        time.sleep(0.2)


def stored(dev: DevServer, email: str) -> requests.Response:
    return requests.get(f"{dev.url}/marketing/preferences/{email}", headers=dev.headers, timeout=10)


def test_the_brief_example_stores_jane_and_not_john(dev: DevServer) -> None:
    accepted = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json=BRIEF_EXAMPLE, timeout=10
    )

    assert accepted.status_code == 202
    execution = wait_for_execution(dev, accepted.json()["executionName"])
    assert execution["status"] == "SUCCEEDED"
    assert execution["output"] == BRIEF_EXAMPLE_SUMMARY
    jane = stored(dev, "janedoe@example.com")
    assert jane.status_code == 200
    assert jane.json()["MarketingInterests"] == ["product updates", "newsletters"]
    assert stored(dev, "johndoe@example.com").status_code == 404


def test_the_brief_pass_through_request_works_unchanged(dev: DevServer) -> None:
    body = {"input": json.dumps(BRIEF_EXAMPLE[:1]), "stateMachineArn": MACHINE_ARN}

    started = requests.post(f"{dev.url}/marketing/executions", headers=dev.headers, json=body, timeout=10)

    assert started.status_code == 200
    assert set(started.json()) == {"executionArn", "startDate"}
    name = started.json()["executionArn"].rsplit(":", 1)[1]
    assert wait_for_execution(dev, name)["output"]["stored"] == 1


def test_input_that_is_not_an_array_fails_the_execution_with_a_named_error(dev: DevServer) -> None:
    started = requests.post(
        f"{dev.url}/marketing/executions", headers=dev.headers, json={"input": '{"Name": "x"}'}, timeout=10
    )

    execution = wait_for_execution(dev, started.json()["executionArn"].rsplit(":", 1)[1])

    assert execution["status"] == "FAILED"
    assert execution["error"]["error"] == "InvalidBatch"


def test_the_execution_is_visible_through_the_aws_endpoint(dev: DevServer) -> None:
    accepted = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json=[make_record(1)], timeout=10
    )
    wait_for_execution(dev, accepted.json()["executionName"])

    described = dev.aws("stepfunctions").describe_execution(executionArn=accepted.json()["executionArn"])

    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["stored"] == 1


def test_a_10_mb_request_of_50000_records_is_refused_as_lambda_would_refuse_it(dev: DevServer) -> None:
    # Given a batch under API Gateway's 10 MB whose proxy event (the body escaped in JSON) is over
    # Lambda's 6 MB: on AWS the request never reaches the function (large batches go through an upload)
    interests = ["product updates", "promotions", "newsletters", "events", "surveys", "partner offers"]
    batch = [
        make_record(i, MarketingInterests=interests, Name=f"Customer number {i:06d}") for i in range(50_000)
    ]
    body = json.dumps(batch)
    assert 9_000_000 < len(body) < 10 * 1024 * 1024

    response = requests.post(
        f"{dev.url}/marketing/preferences",
        headers={**dev.headers, "Content-Type": "application/json"},
        data=body,
        timeout=60,
    )

    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert stored(dev, "customer49999@example.com").status_code == 404


def test_the_import_command_submits_a_csv_and_prints_the_summary(dev: DevServer, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        "Name,Email,MarketingOptIn,MarketingInterests\n"
        "Ada Import,ada.import@example.com,true,newsletters;events\n"
        "Bad Row,not-an-email,true,promotions\n"
    )
    command = [
        sys.executable,
        "-m",
        "patron.cli",
        "marketing",
        "import",
        str(path),
        "--url",
        f"{dev.url}/marketing",
    ]

    result = subprocess.run(
        [*command, "--api-key", dev.api_key], capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "stored             1" in result.stdout
    assert "record 1: Email: is not a valid e-mail address" in result.stdout
    assert "StoreMarketingInterests" in result.stderr or "SUCCEEDED" in result.stderr
    assert stored(dev, "ada.import@example.com").json()["MarketingInterests"] == ["newsletters", "events"]
