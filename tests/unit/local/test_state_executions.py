"""Step Functions executions survive a restart of the local cloud: saved on shutdown with their
status, dates, input, output, error and history, put back into their state machines on start; one
still running at shutdown is stopped and kept ABORTED."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from patron_tools.local import aws, state, stepfunctions

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:machine"
ROLE = "arn:aws:iam::123456789012:role/machine"
DEFINITION = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.outcome", "StringEquals": "fail", "Next": "Fail"},
                {"Variable": "$.outcome", "StringEquals": "wait", "Next": "Wait"},
            ],
            "Default": "Done",
        },
        "Done": {"Type": "Pass", "Result": {"result": "Inserted"}, "End": True},
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Fail": {"Type": "Fail", "Error": "Invalid", "Cause": "the input said so"},
    },
}


@contextmanager
def local_cloud() -> Iterator[Any]:
    """One run of the local cloud's Step Functions: fresh moto backends, the state machine created."""
    aws.moto_patches.apply_all()
    with mock_aws(config=aws.MOTO_CONFIG):
        client = boto3.client("stepfunctions")
        client.create_state_machine(name="machine", definition=json.dumps(DEFINITION), roleArn=ROLE)
        yield client


def arn(name: str) -> str:
    return f"arn:aws:states:us-east-1:123456789012:execution:machine:{name}"


def wait_ended(client: Any, *names: str) -> None:
    deadline = time.monotonic() + 10
    while any(client.describe_execution(executionArn=arn(n))["status"] == "RUNNING" for n in names):
        assert time.monotonic() < deadline
        time.sleep(0.02)


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def test_ended_executions_answer_the_same_after_a_restart(aws_env: None, tmp_path: Path) -> None:
    with local_cloud() as client:
        for name, outcome in (("ok", "pass"), ("bad", "fail")):
            client.start_execution(stateMachineArn=MACHINE, name=name, input=json.dumps({"outcome": outcome}))
        wait_ended(client, "ok", "bad")
        before = {n: without_metadata(client.describe_execution(executionArn=arn(n))) for n in ("ok", "bad")}
        history = client.get_execution_history(executionArn=arn("ok"))["events"]
        listed = client.list_executions(stateMachineArn=before["ok"]["stateMachineArn"])["executions"]
        assert state.save_executions(tmp_path) == 2

    with local_cloud() as client:
        assert client.list_executions(stateMachineArn=before["ok"]["stateMachineArn"])["executions"] == []
        assert state.load_executions(tmp_path) == 2
        after = {n: without_metadata(client.describe_execution(executionArn=arn(n))) for n in ("ok", "bad")}
        history_after = client.get_execution_history(executionArn=arn("ok"))["events"]
        listed_after = client.list_executions(stateMachineArn=before["ok"]["stateMachineArn"])["executions"]
        newest = client.get_execution_history(executionArn=arn("ok"), reverseOrder=True, maxResults=1)

    assert after == before
    assert after["ok"]["status"] == "SUCCEEDED"
    assert json.loads(after["ok"]["output"]) == {"result": "Inserted"}
    assert (after["bad"]["status"], after["bad"]["error"], after["bad"]["cause"]) == (
        "FAILED",
        "Invalid",
        "the input said so",
    )
    assert history_after == history
    assert [e["type"] for e in history_after][-1] == "ExecutionSucceeded"
    assert [e["type"] for e in newest["events"]] == ["ExecutionSucceeded"]
    assert listed_after == listed


def test_a_restored_name_cannot_be_started_again(aws_env: None, tmp_path: Path) -> None:
    # Given an execution name used before the restart
    with local_cloud() as client:
        client.start_execution(stateMachineArn=MACHINE, name="once", input='{"outcome": "pass"}')
        wait_ended(client, "once")
        state.save_executions(tmp_path)

    with local_cloud() as client:
        state.load_executions(tmp_path)
        # Then Step Functions' rule holds: an ended execution's name is taken
        with pytest.raises(client.exceptions.ExecutionAlreadyExists):
            client.start_execution(stateMachineArn=MACHINE, name="once", input='{"outcome": "pass"}')


@pytest.mark.parametrize(
    "stopped_first", [True, False], ids=["stopped by finish_executions", "saved running"]
)
def test_an_execution_running_at_shutdown_is_kept_aborted(
    aws_env: None, tmp_path: Path, stopped_first: bool
) -> None:
    with local_cloud() as client:
        client.start_execution(stateMachineArn=MACHINE, name="long", input='{"outcome": "wait"}')
        if stopped_first:
            assert stepfunctions.finish_executions(timeout=0.2) == 1
        state.save_executions(tmp_path)

    with local_cloud() as client:
        state.load_executions(tmp_path)
        described = client.describe_execution(executionArn=arn("long"))
        events = client.get_execution_history(executionArn=arn("long"))["events"]
        running = client.list_executions(stateMachineArn=MACHINE, statusFilter="RUNNING")["executions"]

    assert described["status"] == "ABORTED"
    assert described["stopDate"] >= described["startDate"]
    assert (described["error"], described["cause"]) == (
        stepfunctions.STOPPED_ERROR,
        stepfunctions.STOPPED_CAUSE,
    )
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"]["error"] == stepfunctions.STOPPED_ERROR
    assert running == []


def test_executions_closed_more_than_90_days_ago_are_dropped(aws_env: None, tmp_path: Path) -> None:
    with local_cloud() as client:
        for name in ("old", "recent"):
            client.start_execution(stateMachineArn=MACHINE, name=name, input='{"outcome": "pass"}')
        wait_ended(client, "old", "recent")
        state.save_executions(tmp_path)
    path = tmp_path / "stepfunctions" / "executions.json"
    saved = json.loads(path.read_text())
    (old,) = [record for record in saved["machine"] if record["name"] == "old"]
    old["stop_date"] = (datetime.now(UTC) - timedelta(days=91)).isoformat()
    path.write_text(json.dumps(saved))

    with local_cloud() as client:
        assert state.load_executions(tmp_path) == 1
        names = [e["name"] for e in client.list_executions(stateMachineArn=MACHINE)["executions"]]

    assert names == ["recent"]
