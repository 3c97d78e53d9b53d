"""State machines of the template, created through the Step Functions API (moto's CloudFormation
puts them in a backend that never executes, and ignores `DefinitionSubstitutions`): the same
definition files and substitutions as `sam deploy`. moto's ASL interpreter runs the executions; their
Lambda tasks reach the in-process handlers through `patron_tools.local.invoke`."""

from __future__ import annotations

import json
from dataclasses import dataclass

import boto3

from patron_tools.local.template import ACCOUNT_ID, ROOT, Template

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")


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
