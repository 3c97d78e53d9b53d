"""EventBridge for the local cloud: the template's rules (patterns, schedules, state, targets) put into
moto, delivery of matched events to Step Functions, Lambda and SQS targets (moto's PutEvents calls
`deliver` through `moto_patches.route_event_targets`), and schedules: enabled `rate(...)` rules fire on
their period, and `patron events fire RULE` fires any rule on demand through the AWS endpoint."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from jsonpath_ng.ext.parser import parse as jsonpath  # moto[server] depends on it (InputTransformer)

from patron_tools.local import moto_patches
from patron_tools.local.template import ACCOUNT_ID, REGION, Template

logger = logging.getLogger("patron_tools.local")

TARGET_KEYS = (
    "Id",
    "Arn",
    "RoleArn",
    "Input",
    "InputPath",
    "InputTransformer",
    "SqsParameters",
    "RetryPolicy",
    "DeadLetterConfig",
)
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def create_rules(template: Template) -> list[str]:
    """Create the template's event buses, then its rules and their targets; the rules' names."""
    client = boto3.client("events")
    for logical_id in template.of_type("AWS::Events::EventBus"):
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_event_bus(Name=template.physical_name(logical_id))
    names = []
    for logical_id in template.of_type("AWS::Events::Rule"):
        props = template.properties(logical_id)
        name = template.physical_name(logical_id)
        rule: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
        if "EventPattern" in props:
            pattern = props["EventPattern"]
            rule["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        for key in ("ScheduleExpression", "Description", "EventBusName", "RoleArn"):
            if key in props:
                rule[key] = props[key]
        client.put_rule(**rule)
        targets = [
            {k: v for k, v in target.items() if k in TARGET_KEYS} for target in props.get("Targets", [])
        ]
        if targets:
            bus = {"EventBusName": props["EventBusName"]} if "EventBusName" in props else {}
            client.put_targets(Rule=name, Targets=targets, **bus)
        names.append(name)
    return names


def _iso_time(value: Any) -> str:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What the target receives: `Input` as is, the `InputPath` selection, the `InputTransformer`
    rendering, or else the whole event."""
    ingestion_time = event.get("ingestion-time", time.time())
    event = {key: value for key, value in event.items() if key != "ingestion-time"}
    event["time"] = _iso_time(event.get("time", time.time()))
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        matches = jsonpath(target["InputPath"]).find(event)
        return json.dumps(matches[0].value if matches else None)
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        rendered = moto_patches.render_input_template(
            transformer["InputTemplate"],
            transformer.get("InputPathsMap", {}),
            {**event, "ingestion-time": ingestion_time},
        )
        return rendered if isinstance(rendered, str) else json.dumps(rendered)
    return json.dumps(event)


def deliver(target: dict[str, Any], event: dict[str, Any], endpoint_url: str | None = None) -> str:
    """Deliver one event to one Step Functions, Lambda or SQS target; what was started or sent."""
    arn: str = target["Arn"]
    payload = target_input(target, event)
    service = arn.split(":")[2]
    if service == "states":
        client = boto3.client("stepfunctions", endpoint_url=endpoint_url)
        started = client.start_execution(stateMachineArn=arn, name=str(uuid.uuid4()), input=payload)
        return str(started["executionArn"])
    if service == "lambda":
        boto3.client("lambda", endpoint_url=endpoint_url).invoke(
            FunctionName=arn, InvocationType="Event", Payload=payload.encode()
        )
        return arn
    if service == "sqs":
        sqs = boto3.client("sqs", endpoint_url=endpoint_url)
        _, _, _, _, account, queue_name = arn.split(":", 5)
        url = sqs.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        group = target.get("SqsParameters", {}).get("MessageGroupId")
        sent = sqs.send_message(
            QueueUrl=url, MessageBody=payload, **({"MessageGroupId": group} if group else {})
        )
        return str(sent["MessageId"])
    raise ValueError(f"the local cloud does not deliver events to {arn}")


def scheduled_event(rule_arn: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.time(),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    }


class UnknownRule(LookupError):
    pass


def fire(rule_name: str, endpoint_url: str | None = None) -> list[str]:
    """Deliver a scheduled event to every target of the rule (on any bus), now, whatever its state or
    schedule."""
    client = boto3.client("events", endpoint_url=endpoint_url)
    for bus in client.list_event_buses()["EventBuses"]:
        try:
            rule = client.describe_rule(Name=rule_name, EventBusName=bus["Name"])
        except client.exceptions.ResourceNotFoundException:
            continue
        event = scheduled_event(rule["Arn"])
        targets = client.list_targets_by_rule(Rule=rule_name, EventBusName=bus["Name"])["Targets"]
        return [deliver(target, event, endpoint_url) for target in targets]
    raise UnknownRule(f"there is no rule named {rule_name!r}")


def rate_seconds(expression: str) -> int | None:
    """`rate(5 minutes)` → 300; None for anything else (cron expressions are not emulated)."""
    match = RATE.match(expression.strip())
    return int(match.group(1)) * SECONDS[match.group(2).rstrip("s")] if match else None


class Scheduler:
    """Fires every ENABLED `rate(...)` rule once per period, the first time one period after it was
    first seen enabled. Reads the rules from moto on every tick, so `aws events enable-rule` works."""

    def __init__(self, tick_seconds: float = 1.0) -> None:
        self.tick_seconds = tick_seconds
        self._due: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()
        self._client: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.run_due(time.monotonic())
            except Exception:
                logger.exception("schedule tick failed")

    def run_due(self, now: float) -> list[str]:
        """Fire the rules that are due at `now` (monotonic seconds); their names."""
        fired = []
        enabled = set()
        self._client = self._client or boto3.client("events")
        for page in self._client.get_paginator("list_rules").paginate():
            for rule in page["Rules"]:
                expression = rule.get("ScheduleExpression")
                if not expression or rule.get("State") != "ENABLED":
                    continue
                period = rate_seconds(expression)
                if period is None:
                    if rule["Name"] not in self._warned:
                        logger.warning(
                            "schedule not emulated", extra={"rule": rule["Name"], "expression": expression}
                        )
                        self._warned.add(rule["Name"])
                    continue
                enabled.add(rule["Name"])
                due = self._due.setdefault(rule["Name"], now + period)
                if now >= due:
                    self._due[rule["Name"]] = now + period
                    fire(rule["Name"])
                    fired.append(rule["Name"])
        for name in set(self._due) - enabled:
            del self._due[name]  # disabled or deleted: re-enabling starts a new period
        return fired
