"""A service's part failing: retried when transient (throttling, an outage), else the request ends
FAILED, with the identifiers' object deleted all the same."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from tests.faults import ALWAYS, inject, instant_retries, throttled
from tests.integration.privacy.conftest import EMAIL

from patron.crm import privacy as crm_privacy
from patron.marketing import privacy as marketing_privacy
from patron.marketing.steps import interests
from patron.privacy import service
from patron.privacy.wiring import executions

BUCKET = "patron-privacy-123456789012-us-east-1"


def slowly(function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return function(*args, **kwargs)

    return slow


def test_a_throttled_service_is_retried_and_the_request_succeeds(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = instant_retries(monkeypatch)
    fault = inject(monkeypatch, crm_privacy.repository()._client, "query", throttled("Query"), times=2)

    done = run_request(type="erase", email=EMAIL)

    assert (done["status"], done["found"]["crm"]) == ("SUCCEEDED", 1)
    assert fault.failures == 2
    assert waits[:2] == [1, 2]  # the state machine's backoff


def test_a_failing_service_ends_the_request_failed_and_forgets_the_identifiers(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # crm fails at once while marketing is still reading: the request must not finish (and delete the
    # objects) before marketing has written its part, or that part would outlive the request
    inject(monkeypatch, crm_privacy, "find", RuntimeError("crm is broken"), times=ALWAYS)
    monkeypatch.setattr(marketing_privacy, "interests", slowly(marketing_privacy.interests, seconds=0.5))

    done = run_request(type="export", email=EMAIL)

    assert done["status"] == "FAILED"
    assert done["found"] == {"crm": 0, "enrollment": 0, "marketing": 1, "ids": 0}  # marketing ended too
    assert done["export_url"] is None
    assert done["completed_at"] is not None
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert interests().get(EMAIL.lower()) is not None  # nothing was erased by an export


def test_a_stopped_execution_reads_failed_though_its_record_never_completed(
    workflow_cloud: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.privacy.conftest import call

    # Given a request whose record is RUNNING while its execution was stopped or timed out (moto 5.2.5
    # cannot stop an execution: DescribeExecution answers ABORTED in its place)
    release = threading.Event()
    monkeypatch.setattr(service, "run_part", lambda *args: release.wait(10))
    _, accepted = call("POST", "/requests", body={"type": "export", "id": "stopped-1"})
    request = {"request_id": accepted["request_id"]}
    running = call("GET", "/requests/{request_id}", path_parameters=request)[1]["status"]
    client = executions()._client
    original = client.describe_execution
    monkeypatch.setattr(client, "describe_execution", lambda **kw: {**original(**kw), "status": "ABORTED"})

    status, body = call("GET", "/requests/{request_id}", path_parameters=request)
    release.set()

    assert running == "RUNNING"
    assert (status, body["status"]) == (200, "FAILED")
