"""SPEC §1.4 over HTTP, through a real `patron dev`: the pipeline runs in moto's Step Functions
interpreter with the in-process Lambda tasks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.devserver import DevServer
from tests.marketing import BRIEF_EXAMPLE, BRIEF_EXAMPLE_SUMMARY, make_record
from tests.polling import finished

pytestmark = pytest.mark.e2e

MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:MarketingPreferencesStateMachine"


def wait_for_execution(dev: DevServer, name: str, timeout: float = 60) -> dict[str, Any]:
    return finished(lambda: dev.get_json(f"/marketing/executions/{name}"), timeout, interval=0.2)


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
    # a sentence, not the function's error document with its stack trace (server paths)
    assert (
        execution["error"]["cause"]
        == "InvalidBatch: the input must be a JSON array of records, not an object"
    )
    # the terminal shows a short line per invocation, not moto's interpreter dumping the failed state
    assert dev.log is not None
    assert "FailureEventException" not in dev.log.read_text()


def test_an_input_shaped_like_a_reference_names_no_object_to_read(dev: DevServer) -> None:
    # a client's {"ref"} is data: the pipeline does not read the object it names (another upload)
    created = requests.post(f"{dev.url}/marketing/uploads", headers=dev.headers, timeout=10).json()
    put = requests.put(
        created["upload_url"],
        data=b'[{"Name": "A", "Email": "a@example.com", "MarketingOptIn": true}]',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert put.status_code == 200
    key = f"uploads/{created['upload_id']}.json"
    forged = {"ref": {"bucket": "patron-marketing-batches-123456789012-us-east-1", "key": key}}
    started = requests.post(
        f"{dev.url}/marketing/executions", headers=dev.headers, json={"input": json.dumps(forged)}, timeout=10
    )

    execution = wait_for_execution(dev, started.json()["executionArn"].rsplit(":", 1)[1])

    assert (execution["status"], execution["error"]["error"]) == ("FAILED", "InvalidBatch")
    preferences = requests.get(
        f"{dev.url}/marketing/preferences/a@example.com", headers=dev.headers, timeout=10
    )
    assert preferences.status_code == 404


def test_the_execution_is_visible_through_the_aws_endpoint(dev: DevServer) -> None:
    accepted = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json=[make_record(1)], timeout=10
    )
    wait_for_execution(dev, accepted.json()["executionName"])

    described = dev.aws("stepfunctions").describe_execution(executionArn=accepted.json()["executionArn"])

    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["stored"] == 1


def ten_mb_batch() -> list[dict[str, Any]]:
    """50,000 records, 10 MB as JSON: SPEC §1.4's large batch."""
    interests = ["product updates", "promotions", "newsletters", "events", "surveys", "partner offers"]
    return [
        make_record(i, MarketingInterests=interests, Name=f"Customer number {i:06d}") for i in range(50_000)
    ]


def upload(dev: DevServer, body: bytes) -> str:
    """POST /uploads, then PUT the batch to its presigned URL (on the local AWS endpoint)."""
    created = requests.post(f"{dev.url}/marketing/uploads", headers=dev.headers, timeout=10)
    assert created.status_code == 201, created.text
    url = created.json()["upload_url"]
    assert url.startswith(f"http://127.0.0.1:{dev.aws_port}/")
    put = requests.put(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
    assert put.status_code == 200, put.text
    upload_id: str = created.json()["upload_id"]
    return upload_id


def test_a_direct_request_over_6_mb_is_refused_as_api_gateway_refuses_it(dev: DevServer) -> None:
    body = json.dumps(ten_mb_batch())
    assert 9_000_000 < len(body) < 10 * 1024 * 1024

    refused = requests.post(
        f"{dev.url}/marketing/preferences",
        headers={**dev.headers, "Content-Type": "application/json"},
        data=body,
        timeout=60,
    )

    assert refused.status_code == 413
    # the local gateway answers as API Gateway does, before any function runs
    assert refused.json() == {"message": "Request Too Long"}
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert stored(dev, "customer49999@example.com").status_code == 404


def test_a_10_mb_batch_of_50000_records_completes_through_an_upload(dev: DevServer) -> None:
    batch = ten_mb_batch()
    batch[123] = make_record(123, Email="broken")  # one invalid record among them
    upload_id = upload(dev, json.dumps(batch).encode())

    accepted = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json={"upload_id": upload_id}, timeout=30
    )

    assert accepted.status_code == 202, accepted.text
    execution = wait_for_execution(dev, accepted.json()["executionName"], timeout=300)
    assert execution["status"] == "SUCCEEDED", execution
    output = execution["output"]
    assert (output["received"], output["valid"], output["stored"]) == (50_000, 49_999, 49_999)
    assert [r["index"] for r in output["rejected"]] == [123]
    assert (output["rejected_count"], output["rejected_report_url"]) == (1, None)
    assert stored(dev, "customer49999@example.com").status_code == 200
    again = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json={"upload_id": upload_id}, timeout=30
    )
    assert again.json() == accepted.json()  # the same upload is the same execution: nothing stored twice


def test_the_report_of_50000_invalid_records_stays_small_and_links_the_full_list(dev: DevServer) -> None:
    batch = [make_record(i, Email=f"not-an-email-{i}") for i in range(50_000)]
    upload_id = upload(dev, json.dumps(batch).encode())
    accepted = requests.post(
        f"{dev.url}/marketing/preferences", headers=dev.headers, json={"upload_id": upload_id}, timeout=30
    )
    name = accepted.json()["executionName"]
    wait_for_execution(dev, name, timeout=300)

    response = requests.get(f"{dev.url}/marketing/executions/{name}", headers=dev.headers, timeout=10)

    assert len(response.content) < 100_000  # well under Lambda's 6 MB response
    output = response.json()["output"]
    assert (output["received"], output["valid"], output["rejected_count"]) == (50_000, 0, 50_000)
    assert [r["index"] for r in output["rejected"]] == list(range(100))
    report = requests.get(output["rejected_report_url"], timeout=60).json()
    assert len(report) == 50_000
    assert report[-1]["index"] == 49_999
    assert report[-1]["errors"][0]["field"] == "Email"


def test_an_upload_never_put_is_a_400(dev: DevServer) -> None:
    created = requests.post(f"{dev.url}/marketing/uploads", headers=dev.headers, timeout=10).json()

    refused = requests.post(
        f"{dev.url}/marketing/preferences",
        headers=dev.headers,
        json={"upload_id": created["upload_id"]},
        timeout=10,
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["field"] == "upload_id"


def test_the_upload_url_accepts_a_browser_preflight(dev: DevServer) -> None:
    created = requests.post(f"{dev.url}/marketing/uploads", headers=dev.headers, timeout=10).json()

    preflight = requests.options(
        created["upload_url"],
        headers={
            "Origin": dev.url,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", dev.url)
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["--direct", "--upload"])
def test_the_import_command_submits_a_csv_and_prints_the_summary(
    dev: DevServer, tmp_path: Path, path: str
) -> None:
    csv = tmp_path / "batch.csv"
    csv.write_text(
        "Name,Email,MarketingOptIn,MarketingInterests\n"
        "Ada Import,ada.import@example.com,true,newsletters;events\n"
        "Bad Row,not-an-email,true,promotions\n"
    )
    command = [
        sys.executable,
        "-m",
        "patron_tools.cli",
        "marketing",
        "import",
        str(csv),
        path,
        "--url",
        f"{dev.url}/marketing",
        "--state-dir",
        str(tmp_path / "state"),
        # an operator's sign-in through the console's pool (patron_tools.credentials)
        "--console-url",
        dev.url,
        "--username",
        "admin",
        "--password",
        dev.admin_password,
    ]

    result = subprocess.run(
        [*command, "--api-key", dev.api_key], capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "stored             1" in result.stdout
    assert "line 3: Email: is not a valid e-mail address" in result.stdout  # the file's line
    assert "StoreMarketingInterests" in result.stderr or "SUCCEEDED" in result.stderr
    assert stored(dev, "ada.import@example.com").json()["MarketingInterests"] == ["newsletters", "events"]
