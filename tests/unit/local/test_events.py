"""EventBridge in the local cloud: rules from the template, delivery to Step Functions, Lambda and SQS
targets by pattern, target input, schedules and firing on demand."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from tests.polling import wait_for
from tests.unit.local import event_handlers
from tests.workflow import wait_for_execution

from patron_tools.local import events, invoke, stepfunctions
from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.moto_patches import route_lambda_invocations
from patron_tools.local.template import Template

PATTERN = {"source": ["test.source"], "detail-type": ["Happened"]}
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:delivered"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Recorder"
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:echo"


def rule(name: str, targets: list[dict[str, Any]], **properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::Events::Rule", "Properties": {"Name": name, "Targets": targets, **properties}}


def make_template(*rules: dict[str, Any]) -> Template:
    resources: dict[str, Any] = {
        "Delivered": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "delivered"}},
        "Recorder": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Handler": "tests.unit.local.event_handlers.handle"},
        },
        "Echo": {
            "Type": "AWS::Serverless::StateMachine",
            "Properties": {
                "Name": "echo",
                "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}},
            },
        },
    }
    resources.update({f"Rule{index}": value for index, value in enumerate(rules)})
    return Template({"Resources": resources})


@pytest.fixture
def setup(cloud: None) -> Callable[..., None]:
    """Provision a test template's queue, state machine and rules; its function behind Lambda's API."""
    event_handlers.received.clear()

    def provision(*rules: dict[str, Any]) -> None:
        template = make_template(*rules)
        boto3.client("sqs").create_queue(QueueName="delivered")
        stepfunctions.create_state_machines(template)
        invoke.serve(LambdaRuntime(template.functions()))
        events.create_rules(template)

    yield provision
    route_lambda_invocations(None)


def put_event(detail: dict[str, Any], source: str = "test.source") -> None:
    answer = boto3.client("events").put_events(
        Entries=[{"Source": source, "DetailType": "Happened", "Detail": json.dumps(detail)}]
    )
    assert answer["FailedEntryCount"] == 0


def queued() -> list[str]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="delivered")["QueueUrl"]
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def executions() -> list[dict[str, Any]]:
    client = boto3.client("stepfunctions")
    listed = client.list_executions(stateMachineArn=MACHINE_ARN)["executions"]
    return [wait_for_execution(e["executionArn"]) for e in listed]


def test_the_templates_rules_are_created_with_their_targets(cloud: None, template: Template) -> None:
    assert sorted(events.create_rules(template)) == ["customer-created-to-sfn", "customer-scan-schedule"]

    client = boto3.client("events")
    assert client.describe_event_bus(Name="patron")["Arn"].endswith(":event-bus/patron")
    created = client.describe_rule(Name="customer-created-to-sfn", EventBusName="patron")
    assert created["Arn"] == "arn:aws:events:us-east-1:123456789012:rule/patron/customer-created-to-sfn"
    assert json.loads(created["EventPattern"]) == {
        "source": ["customer.api"],
        "detail-type": ["CustomerCreated"],
    }
    assert created["State"] == "ENABLED"
    (target,) = client.list_targets_by_rule(Rule="customer-created-to-sfn", EventBusName="patron")["Targets"]
    assert target["Arn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:customers-workflow"
    # the run is told it was started by the event (so it never inserts; docs/decisions.md)
    rendered = events.target_input(target, {"detail": {"id": "c-1"}, "detail-type": "CustomerCreated"})
    assert json.loads(rendered) == {"id": "c-1", "trigger": "CustomerCreated"}
    schedule = client.describe_rule(Name="customer-scan-schedule")
    assert (schedule["ScheduleExpression"], schedule["State"]) == ("rate(5 minutes)", "DISABLED")
    (scan,) = client.list_targets_by_rule(Rule="customer-scan-schedule")["Targets"]
    assert json.loads(scan["Input"]) == {"id": "scheduled-check"}


def test_the_scan_schedule_is_enabled_by_its_parameter(cloud: None) -> None:
    events.create_rules(Template(parameters={"EnableScheduledScan": "true"}))

    assert boto3.client("events").describe_rule(Name="customer-scan-schedule")["State"] == "ENABLED"


def test_a_matching_event_reaches_every_kind_of_target_exactly_once(setup: Callable[..., None]) -> None:
    setup(
        rule(
            "everything",
            [
                {"Id": "queue", "Arn": QUEUE_ARN},
                {"Id": "function", "Arn": FUNCTION_ARN},
                {
                    "Id": "machine",
                    "Arn": MACHINE_ARN,
                    "RoleArn": "arn:aws:iam::123456789012:role/r",
                    "InputPath": "$.detail",
                },
            ],
            EventPattern=PATTERN,
        )
    )

    put_event({"id": "e-1"})

    (body,) = queued()
    assert json.loads(body)["detail"] == {"id": "e-1"}
    (execution,) = executions()
    assert json.loads(execution["input"]) == {"id": "e-1"}
    (received,) = wait_for(lambda: event_handlers.received)
    assert (received["source"], received["detail-type"], received["detail"]) == (
        "test.source",
        "Happened",
        {"id": "e-1"},
    )
    assert received["time"].endswith("Z")
    assert queued() == []  # no second copy


def test_events_that_do_not_match_disabled_rules_and_schedules_deliver_nothing(
    setup: Callable[..., None],
) -> None:
    setup(
        rule("matching", [{"Id": "queue", "Arn": QUEUE_ARN}], EventPattern=PATTERN),
        rule("disabled", [{"Id": "machine", "Arn": MACHINE_ARN}], EventPattern=PATTERN, State="DISABLED"),
        rule("schedule", [{"Id": "machine", "Arn": MACHINE_ARN}], ScheduleExpression="rate(1 minute)"),
    )

    put_event({"id": "other"}, source="another.source")
    put_event({"id": "matched"})

    assert [json.loads(body)["detail"] for body in queued()] == [{"id": "matched"}]
    assert executions() == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"Input": '{"id": "constant"}'}, {"id": "constant"}),
        ({"InputPath": "$.detail"}, {"id": "x-1", "n": 2}),
        ({"InputPath": "$.detail.id"}, "x-1"),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"who": "$.detail.id"},
                    "InputTemplate": '{"customer": "<who>"}',
                }
            },
            {"customer": "x-1"},
        ),
    ],
)
def test_target_input(target: dict[str, Any], expected: Any) -> None:
    event = {"id": "event-id", "source": "s", "detail-type": "d", "time": 0, "detail": {"id": "x-1", "n": 2}}

    assert json.loads(events.target_input({"Id": "t", "Arn": QUEUE_ARN, **target}, event)) == expected


def test_without_input_the_target_gets_the_whole_event_with_an_iso_time() -> None:
    event = {"id": "event-id", "source": "s", "time": 0, "ingestion-time": 1, "detail": {}}

    assert json.loads(events.target_input({"Id": "t", "Arn": QUEUE_ARN}, event)) == {
        "id": "event-id",
        "source": "s",
        "time": "1970-01-01T00:00:00Z",
        "detail": {},
    }


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("cron(0 * * * ? *)", None),
    ],
)
def test_rate_expressions(expression: str, seconds: int | None) -> None:
    assert events.rate_seconds(expression) == seconds


def test_an_enabled_schedule_fires_once_per_period(setup: Callable[..., None]) -> None:
    setup(
        rule(
            "every-minute",
            [{"Id": "queue", "Arn": QUEUE_ARN, "Input": '{"tick": true}'}],
            ScheduleExpression="rate(1 minute)",
        ),
        rule(
            "off",
            [{"Id": "machine", "Arn": MACHINE_ARN}],
            ScheduleExpression="rate(1 minute)",
            State="DISABLED",
        ),
    )
    scheduler = events.Scheduler()

    fired = [scheduler.run_due(now) for now in (1000.0, 1059.0, 1060.0, 1100.0, 1120.0)]

    assert fired == [[], [], ["every-minute"], [], ["every-minute"]]
    assert [json.loads(body) for body in queued()] == [{"tick": True}, {"tick": True}]
    assert executions() == []


def test_fire_delivers_a_scheduled_event_even_to_a_disabled_rule(setup: Callable[..., None]) -> None:
    setup(
        rule(
            "off", [{"Id": "queue", "Arn": QUEUE_ARN}], ScheduleExpression="rate(5 minutes)", State="DISABLED"
        )
    )

    (message_id,) = events.fire("off")

    (body,) = queued()
    event = json.loads(body)
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/off"]
    assert message_id


def test_firing_an_unknown_rule_is_an_error(cloud: None) -> None:
    with pytest.raises(events.UnknownRule, match="nope"):
        events.fire("nope")
