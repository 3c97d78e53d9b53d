"""The structure of statemachines/customers_workflow.asl.json and its wiring in template.yaml."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from patron_tools.local.template import ROOT, Template

DEFINITION_PATH = ROOT / "statemachines" / "customers_workflow.asl.json"
TASKS = ("ValidateExists", "InsertId", "LogEvent")
HANDLERS = {
    "ValidateExists": "patron.ids.steps.validate_exists",
    "InsertId": "patron.ids.steps.insert_id",
    "LogEvent": "patron.ids.steps.log_event",
}
TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientError",
}


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFINITION_PATH.read_text())
    return loaded


def test_validate_exists_then_a_choice_on_exists(definition: dict[str, Any]) -> None:
    states = definition["States"]

    assert definition["StartAt"] == "ValidateExists"
    choice = states[states["ValidateExists"]["Next"]]
    assert choice["Type"] == "Choice"
    assert choice["Choices"] == [{"Variable": "$.exists", "BooleanEquals": True, "Next": "LogEvent"}]
    assert choice["Default"] == "InsertId"
    assert states["LogEvent"]["End"] is True
    assert states["InsertId"]["End"] is True


@pytest.mark.parametrize("name", TASKS)
def test_each_task_invokes_its_function_and_passes_the_payload_on(
    definition: dict[str, Any], name: str
) -> None:
    state = definition["States"][name]

    assert state["Resource"] == "arn:aws:states:::lambda:invoke"
    assert state["Parameters"] == {"FunctionName": "${" + name + "FunctionArn}", "Payload.$": "$"}
    assert state["OutputPath"] == "$.Payload"


@pytest.mark.parametrize("name", TASKS)
def test_each_task_retries_transient_errors_with_backoff(definition: dict[str, Any], name: str) -> None:
    (retry,) = definition["States"][name]["Retry"]

    assert set(retry["ErrorEquals"]) == TRANSIENT
    assert retry["MaxAttempts"] >= 2
    assert retry["BackoffRate"] > 1


@pytest.mark.parametrize("name", TASKS)
def test_anything_else_is_caught_into_the_named_failure(definition: dict[str, Any], name: str) -> None:
    (catch,) = definition["States"][name]["Catch"]
    failure = definition["States"][catch["Next"]]

    assert catch["ErrorEquals"] == ["States.ALL"]
    assert failure["Type"] == "Fail"
    assert failure["Error"] == "CustomersWorkflow.TaskFailed"
    assert failure["CausePath"] == catch["ResultPath"] + ".Cause"


def test_the_template_substitutes_every_placeholder_with_its_function(template: Template) -> None:
    props = template.properties("CustomersWorkflow")
    placeholders = set(re.findall(r"\$\{(\w+)\}", DEFINITION_PATH.read_text()))

    assert props["DefinitionUri"] == "statemachines/customers_workflow.asl.json"
    assert props["Name"] == "customers-workflow"
    assert set(props["DefinitionSubstitutions"]) == placeholders
    for name in TASKS:
        function = template.functions()[f"{name}Function"]
        assert props["DefinitionSubstitutions"][f"{name}FunctionArn"] == template.arn(function.logical_id)
        assert function.handler == HANDLERS[name]


def test_the_state_machine_may_invoke_exactly_its_three_functions(template: Template) -> None:
    policies = template.properties("CustomersWorkflow")["Policies"]

    invoked = {
        policy["LambdaInvokePolicy"]["FunctionName"] for policy in policies if "LambdaInvokePolicy" in policy
    }
    assert invoked == {f"{name}Function" for name in TASKS}
