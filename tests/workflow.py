"""Helpers for tests of customers-workflow: run it, wait for it, read its history."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from tests.polling import finished

WORKFLOW_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:customers-workflow"


def wait_for_execution(execution_arn: str, client: Any = None, timeout: float = 30) -> dict[str, Any]:
    client = client or boto3.client("stepfunctions")
    return finished(lambda: client.describe_execution(executionArn=execution_arn), timeout)


def run_workflow(execution_input: Any, client: Any = None) -> dict[str, Any]:
    client = client or boto3.client("stepfunctions")
    started = client.start_execution(
        stateMachineArn=WORKFLOW_ARN, name=str(uuid.uuid4()), input=json.dumps(execution_input)
    )
    return wait_for_execution(started["executionArn"], client)


def executions_for(customer_id: str, client: Any = None) -> list[dict[str, Any]]:
    """Every execution of customers-workflow for that id (input `{"id"}`, or `{"id", "trigger"}` when
    the CustomerCreated rule started it)."""
    client = client or boto3.client("stepfunctions")
    found = []
    for page in client.get_paginator("list_executions").paginate(stateMachineArn=WORKFLOW_ARN):
        for execution in page["executions"]:
            described = client.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"])["id"] == customer_id:
                found.append(described)
    return found


def task_attempts(execution_arn: str, client: Any = None) -> dict[str, int]:
    """How many times each Lambda task of the execution was scheduled (retries included)."""
    client = client or boto3.client("stepfunctions")
    history = client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    attempts: dict[str, int] = {}
    state = None
    for event in history:
        if event["type"] == "TaskStateEntered":
            state = event["stateEnteredEventDetails"]["name"]
        if event["type"] == "LambdaFunctionScheduled" or event["type"] == "TaskScheduled":
            assert state is not None
            attempts[state] = attempts.get(state, 0) + 1
    return attempts
