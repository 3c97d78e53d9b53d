"""Every physical name the template generates fits AWS's documented limits at the longest `NamePrefix`
the template allows, in the region with the longest code, for the stack name `make deploy` gives it
(patron-<STAGE> with NamePrefix=<STAGE>-). A name over its limit fails the stack at deploy time, which
neither cfn-lint nor moto notices."""

from __future__ import annotations

import re
from typing import Any

import pytest

from patron_tools.local.template import Template, load_template

LONGEST_REGION = "ap-southeast-4"  # 14 characters, the longest code of a commercial region
ACCOUNT_ID = "123456789012"

# resource type → (name property, maximum length, allowed characters), from each service's documentation:
# DynamoDB naming rules (HowItWorks.NamingRulesDataTypes), SQS CreateQueue QueueName, S3 bucket naming rules,
# Step Functions CreateStateMachine name, EventBridge PutRule / CreateEventBus Name, SNS CreateTopic Name,
# CloudWatch Logs CreateLogGroup logGroupName, CloudWatch PutMetricAlarm AlarmName / PutDashboard
# DashboardName, CloudFront OriginAccessControlConfig Name
LIMITS: dict[str, tuple[str, int, str]] = {
    "AWS::DynamoDB::Table": ("TableName", 255, r"[a-zA-Z0-9_.-]{3,}"),
    "AWS::SQS::Queue": ("QueueName", 80, r"[a-zA-Z0-9_-]+"),
    "AWS::S3::Bucket": ("BucketName", 63, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
    "AWS::Serverless::StateMachine": ("Name", 80, r"[a-zA-Z0-9_-]+"),
    "AWS::Events::Rule": ("Name", 64, r"[.\-_A-Za-z0-9]+"),
    "AWS::Events::EventBus": ("Name", 256, r"[/.\-_A-Za-z0-9]+"),
    "AWS::SNS::Topic": ("TopicName", 256, r"[a-zA-Z0-9_-]+"),
    "AWS::Logs::LogGroup": ("LogGroupName", 512, r"[.\-_/#A-Za-z0-9]+"),
    "AWS::CloudWatch::Alarm": ("AlarmName", 255, r"[ -~]+"),
    "AWS::CloudWatch::Dashboard": ("DashboardName", 255, r"[A-Za-z0-9_-]+"),
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig.Name", 64, r"[ -~]+"),
}


class Deployed(Template):
    """The template as `make deploy STAGE=<stage>` resolves it in the longest region."""

    def __init__(self, prefix: str) -> None:
        self.stack_name = "patron-" + prefix.removesuffix("-") if prefix else "patron"
        super().__init__(parameters={"NamePrefix": prefix})

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": LONGEST_REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
        }
        return pseudo[name] if name in pseudo else super().ref(name)


def longest_prefix() -> str:
    spec = load_template()["Parameters"]["NamePrefix"]
    prefix = "a" * (spec["MaxLength"] - 1) + "-"
    assert re.fullmatch(spec["AllowedPattern"], prefix)
    return prefix


def names(template: Template) -> list[tuple[str, str, str]]:
    """(logical id, resource type, physical name) of every explicitly named resource."""
    found = []
    for resource_type, (path, _, _) in LIMITS.items():
        for logical_id in template.of_type(resource_type):
            value: Any = template.properties(logical_id)
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                found.append((logical_id, resource_type, str(value)))
    return found


@pytest.mark.parametrize("prefix", ["", "dev-", longest_prefix()])
def test_every_generated_name_fits_its_aws_limit(prefix: str) -> None:
    template = Deployed(prefix)
    too_long = []
    for logical_id, resource_type, name in names(template):
        _, maximum, characters = LIMITS[resource_type]
        if len(name) > maximum or not re.fullmatch(characters, name):
            too_long.append(
                f"{logical_id}: {name!r} ({len(name)} characters, at most {maximum} of {characters})"
            )

    assert too_long == []


def test_every_name_property_of_the_template_is_checked() -> None:
    template = Deployed(longest_prefix())
    checked = {logical_id for logical_id, _, _ in names(template)}
    named = {
        logical_id
        for logical_id, resource in template.resources.items()
        if resource["Type"] in LIMITS
        and any(
            key in resource.get("Properties", {})
            for key in (
                "TableName",
                "QueueName",
                "BucketName",
                "Name",
                "TopicName",
                "LogGroupName",
                "AlarmName",
                "DashboardName",
                "OriginAccessControlConfig",
            )
        )
    }

    assert checked == named
    assert len(checked) > 60


@pytest.mark.parametrize("prefix", ["Staging-", "-x-", "a" * 11 + "-", "staging", "a--b-", "ünï-"])
def test_a_prefix_that_would_break_a_name_is_refused_by_the_parameter(prefix: str) -> None:
    spec = load_template()["Parameters"]["NamePrefix"]

    assert len(prefix) > spec["MaxLength"] or not re.fullmatch(spec["AllowedPattern"], prefix)
