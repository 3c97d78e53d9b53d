"""State machines of the template, created through the Step Functions API (moto's CloudFormation
puts them in a backend that never executes, and ignores `DefinitionSubstitutions`): the same
definition files and substitutions as `sam deploy`. moto's ASL interpreter runs the executions; their
Lambda tasks reach the in-process handlers through `patron_tools.local.invoke`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from patron_tools.local.template import ACCOUNT_ID, ROOT, Template

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")

# What `patron dev` stops an execution with when it shuts down while the execution runs
STOPPED_ERROR = "Patron.LocalCloudStopped"
STOPPED_CAUSE = (
    "patron dev stopped while this execution was running; the local cloud does not resume executions."
)


@dataclass(frozen=True)
class StateMachine:
    logical_id: str
    name: str
    definition: str
    role_arn: str
    type: str


def substitute(definition: str, substitutions: dict[str, object]) -> str:
    for name, value in substitutions.items():
        definition = definition.replace("${" + name + "}", str(value))
    return definition


def state_machines(template: Template) -> list[StateMachine]:
    machines = []
    for resource_type in STATE_MACHINE_TYPES:
        for logical_id in template.of_type(resource_type):
            props = template.properties(logical_id)
            if "DefinitionUri" in props:
                definition = (ROOT / props["DefinitionUri"]).read_text()
            elif "Definition" in props:
                definition = json.dumps(props["Definition"])
            else:
                definition = props["DefinitionString"]
            name = template.physical_name(logical_id)
            machines.append(
                StateMachine(
                    logical_id=logical_id,
                    name=name,
                    definition=substitute(definition, props.get("DefinitionSubstitutions", {})),
                    role_arn=props.get("Role")
                    or props.get("RoleArn")
                    or f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
                    type=props.get("Type", props.get("StateMachineType", "STANDARD")),
                )
            )
    return machines


def create_state_machines(template: Template) -> list[str]:
    client = boto3.client("stepfunctions")
    return [
        client.create_state_machine(
            name=machine.name, definition=machine.definition, roleArn=machine.role_arn, type=machine.type
        )["stateMachineArn"]
        for machine in state_machines(template)
    ]


def finish_executions(timeout: float) -> int:
    """Let running executions end for up to `timeout` seconds, then stop the rest as StopExecution does
    (status ABORTED, error `Patron.LocalCloudStopped`): `patron dev` is shutting down and nothing would
    run them any further. Returns how many were stopped."""
    client = boto3.client("stepfunctions")
    machines = [machine["stateMachineArn"] for machine in client.list_state_machines()["stateMachines"]]
    deadline = time.monotonic() + timeout
    while running := _running(client, machines):
        if time.monotonic() >= deadline:
            for execution_arn in running:
                client.stop_execution(executionArn=execution_arn, error=STOPPED_ERROR, cause=STOPPED_CAUSE)
            return len(running)
        time.sleep(0.05)
    return 0


def _running(client: SFNClient, machines: list[str]) -> list[str]:
    paginator = client.get_paginator("list_executions")
    return [
        execution["executionArn"]
        for arn in machines
        for page in paginator.paginate(stateMachineArn=arn, statusFilter="RUNNING")
        for execution in page["executions"]
    ]
