"""template.yaml's workflow, events and alarms (SPEC §1.1): what exists, under which parameters, with
which permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from patron_tools import cli
from patron_tools.local.template import Template

IDS_FUNCTIONS = {
    "PutCustomerIdFunction",
    "GetCustomerIdFunction",
    "DeleteCustomerIdFunction",
    "SubmitWorkflowFunction",
    "GetWorkflowExecutionFunction",
    "ValidateExistsFunction",
    "InsertIdFunction",
    "LogEventFunction",
    "PublishCustomerCreatedFunction",
}


def alarms(template: Template) -> list[dict[str, Any]]:
    return [template.properties(logical_id) for logical_id in template.of_type("AWS::CloudWatch::Alarm")]


def test_every_ids_function_alarms_on_errors_to_the_alerts_topic(template: Template) -> None:
    watched = {
        alarm["Dimensions"][0]["Value"]
        for alarm in alarms(template)
        if (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    }

    assert watched >= {template.physical_name(f) for f in IDS_FUNCTIONS}
    for alarm in alarms(template):
        assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:alerts"]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


@pytest.mark.parametrize(
    ("namespace", "metric", "dimension"),
    [
        (
            "AWS/States",
            "ExecutionsFailed",
            "arn:aws:states:us-east-1:123456789012:stateMachine:customers-workflow",
        ),
        ("AWS/ApiGateway", "5XXError", "patron-ids"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "customer-created-failed"),
    ],
)
def test_the_workflow_the_api_and_the_failed_events_queue_alarm(
    template: Template, namespace: str, metric: str, dimension: str
) -> None:
    matching = [
        a
        for a in alarms(template)
        if (a["Namespace"], a["MetricName"], a["Dimensions"][0]["Value"]) == (namespace, metric, dimension)
    ]

    assert len(matching) == 1


def test_the_email_subscription_exists_only_with_an_address() -> None:
    assert Template().of_type("AWS::SNS::Subscription") == {}
    with_email = Template(parameters={"AlertEmail": "ops@example.com"})
    (subscription,) = with_email.of_type("AWS::SNS::Subscription")
    assert with_email.properties(subscription)["Endpoint"] == "ops@example.com"


def test_the_scan_schedule_is_disabled_unless_enabled_by_parameter() -> None:
    assert Template().properties("CustomerScanScheduleRule")["State"] == "DISABLED"
    enabled = Template(parameters={"EnableScheduledScan": "true"}).properties("CustomerScanScheduleRule")
    assert enabled["State"] == "ENABLED"
    assert enabled["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(enabled["Targets"][0]["Input"]) == {"id": "scheduled-check"}


def test_the_publisher_reads_only_the_apis_inserts(template: Template) -> None:
    (event,) = template.functions()["PublishCustomerCreatedFunction"].events.values()
    props = event["Properties"]

    (pattern,) = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert pattern == {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"created_by": {"S": ["api"]}}}}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"].endswith(":customer-created-failed")


def test_workflow_permissions_are_scoped_to_the_state_machine(template: Template) -> None:
    machine = template.physical_name("CustomersWorkflow")
    submit = template.properties("SubmitWorkflowFunction")["Policies"]
    poll = template.properties("GetWorkflowExecutionFunction")["Policies"]
    role = template.properties("EventsStartWorkflowRole")["Policies"][0]["PolicyDocument"]["Statement"]

    assert submit == [{"StepFunctionsExecutionPolicy": {"StateMachineName": machine}}]
    assert poll[0]["Statement"][0]["Action"] == "states:DescribeExecution"
    assert poll[0]["Statement"][0]["Resource"].endswith(f":execution:{machine}:*")
    assert role == [
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": template.ref("CustomersWorkflow")}
    ]


def test_patron_dev_refuses_an_unknown_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dev", "--parameter", "NoSuchParameter=1"]) == 2
    assert "EnableScheduledScan" in capsys.readouterr().err
