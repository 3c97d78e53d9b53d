"""State machines from the template: the definition files with their substitutions, created through
the Step Functions API so moto executes them."""

from __future__ import annotations

import json

import boto3

from patron_tools.local import stepfunctions
from patron_tools.local.template import Template


def test_the_workflow_definition_gets_the_templates_substitutions(template: Template) -> None:
    machines = {machine.name: machine for machine in stepfunctions.state_machines(template)}
    machine = machines["customers-workflow"]

    definition = json.loads(machine.definition)
    assert set(machines) == {"customers-workflow", "MarketingPreferencesStateMachine", "privacy-requests"}
    assert "${" not in machine.definition
    assert definition["States"]["ValidateExists"]["Parameters"]["FunctionName"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:ValidateExistsFunction"
    )


def test_name_prefix_reaches_the_state_machine(cloud: None) -> None:
    machines = stepfunctions.state_machines(Template(parameters={"NamePrefix": "staging-"}))

    assert {machine.name for machine in machines} == {
        "staging-customers-workflow",
        "staging-MarketingPreferencesStateMachine",
        "staging-privacy-requests",
    }


def test_inline_definitions_are_supported_and_created_executable(cloud: None) -> None:
    template = Template(
        {
            "Resources": {
                "Inline": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {
                        "StateMachineName": "inline",
                        "DefinitionString": json.dumps(
                            {
                                "StartAt": "P",
                                "States": {"P": {"Type": "Pass", "Result": "${Answer}", "End": True}},
                            }
                        ),
                        "DefinitionSubstitutions": {"Answer": "forty-two"},
                    },
                }
            }
        }
    )

    (arn,) = stepfunctions.create_state_machines(template)

    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:inline"

    client = boto3.client("stepfunctions")
    assert client.describe_state_machine(stateMachineArn=arn)["definition"].count("forty-two") == 1
