"""The strings AWS parses only at deploy time (dashboard body, state machines after substitution, event
patterns, inline IAM documents) are what AWS documents, in the CloudFormation SAM deploys; and each kind
of fault those checks exist for is caught."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from patron_tools import deploy_checks


def test_the_translated_template_has_no_deploy_time_problem(translated: dict[str, Any]) -> None:
    assert deploy_checks.problems(translated) == []


def test_every_kind_of_deploy_time_string_is_checked(translated: dict[str, Any]) -> None:
    template = deploy_checks.deployed(translated)

    assert len(template.of_type("AWS::CloudWatch::Dashboard")) == 1
    assert len(template.of_type("AWS::StepFunctions::StateMachine")) == 3
    assert {name for name, _ in deploy_checks.event_patterns(template)} >= {"CustomerCreatedRule"}
    assert len(deploy_checks.policy_documents(template)) > 60  # every role's, bucket's, queue's, key's


def _dashboard(translated: dict[str, Any]) -> dict[str, Any]:
    body = deploy_checks.deployed(translated).properties("Dashboard")["DashboardBody"]
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def test_an_expression_object_straight_in_metrics_is_refused(translated: dict[str, Any]) -> None:
    # Given the shape PutDashboard refused: {"expression"} directly in `metrics`, not in its own array
    dashboard = _dashboard(translated)
    dashboard["widgets"][3]["properties"]["metrics"] = [
        {"expression": "SEARCH('{AWS/Lambda,FunctionName} MetricName=\"Errors\"', 'Sum', 300)", "id": "e1"}
    ]

    problems = deploy_checks.dashboard_problems(json.dumps(dashboard))

    assert problems == [
        "widget 3 'Lambda errors': `metrics` must be an array of non-empty arrays (an expression is `[{...}]`)"
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda w: w.update(type="graph"), "`type` must be one of"),
        (lambda w: w.update(width=25), "width must be 1-24"),
        (lambda w: w["properties"].pop("region"), "`region` is required"),
        (lambda w: w["properties"].update(stat="p999x"), "is not a CloudWatch statistic"),
        (lambda w: w["properties"]["metrics"].append(["AWS/Lambda"]), "is not [Namespace, MetricName"),
        (lambda w: w["properties"]["metrics"][0][-1].update(id="E1"), "must start with a lower-case letter"),
    ],
)
def test_each_documented_widget_rule_is_checked(
    translated: dict[str, Any], change: Any, problem: str
) -> None:
    dashboard = _dashboard(translated)
    change(dashboard["widgets"][0])

    (found,) = deploy_checks.dashboard_problems(json.dumps(dashboard))

    assert problem in found


def test_a_state_machine_placeholder_without_substitution_is_refused(translated: dict[str, Any]) -> None:
    broken = copy.deepcopy(translated)
    substitutions = broken["Resources"]["CustomersWorkflow"]["Properties"]["DefinitionSubstitutions"]
    substitutions["InsertIdFunctionArnTypo"] = substitutions.pop("InsertIdFunctionArn")

    problems = deploy_checks.problems(broken)

    assert problems == [
        "CustomersWorkflow: `${InsertIdFunctionArn}` has no DefinitionSubstitutions entry",
        "CustomersWorkflow: DefinitionSubstitutions 'InsertIdFunctionArnTypo' is never used",
        "CustomersWorkflow: state 'InsertId': `Parameters.FunctionName` '${InsertIdFunctionArn}' is not a "
        "resolved name or ARN",
    ]


@pytest.mark.parametrize(
    ("machine", "problem"),
    [
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}, "`B` is not a state"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "needs exactly one of `Next` and `End: true`"),
        ({"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}, "`StartAt` must name a state"),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${F}", "End": True}}},
            "is not an ARN",
        ),
        ({"StartAt": "A", "States": {"A": {"Type": "Lambda", "End": True}}}, "`Type` must be one of"),
    ],
)
def test_states_language_basics_are_checked(machine: dict[str, Any], problem: str) -> None:
    (found,) = deploy_checks.states_problems(machine)

    assert problem in found


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ({"source": "customer.api"}, "a leaf must be a non-empty array"),
        ({"source": []}, "a leaf must be a non-empty array"),
        ({"detail": {"id": [{"startswith": "a"}]}}, "is not a matcher"),
        ("{source: [1]}", "the pattern is not JSON"),
    ],
)
def test_event_patterns_are_checked(pattern: Any, problem: str) -> None:
    (found,) = deploy_checks.event_pattern_problems(pattern)

    assert problem in found


@pytest.mark.parametrize(
    ("statement", "resource_based", "problem"),
    [
        ({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}, False, "`Effect` must be Allow"),
        ({"Effect": "Allow", "Action": "GetObject", "Resource": "*"}, False, "service:Action"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, False, "`Resource` is required"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "my-bucket"}, False, "is not an ARN"),
        (
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:::q"},
            True,
            "needs `Principal`",
        ),
    ],
)
def test_policy_documents_are_checked(statement: dict[str, Any], resource_based: bool, problem: str) -> None:
    (found,) = deploy_checks.policy_problems(
        {"Version": "2012-10-17", "Statement": [statement]}, resource_based=resource_based
    )

    assert problem in found
