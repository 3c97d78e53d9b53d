"""The local AWS endpoint shows what the template defines: alarms, topics, log groups, functions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from patron_tools.local import aws
from patron_tools.local.template import Template


@pytest.fixture
def provisioned(template: Template, monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=aws.MOTO_CONFIG):
        aws.create_monitoring(template)
        aws.create_functions(template)
        yield template


def test_every_alarm_of_the_template_exists_with_its_action(provisioned: Template) -> None:
    alarms = {
        a["AlarmName"]: a for a in boto3.client("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]
    }
    declared = {provisioned.properties(a)["AlarmName"] for a in provisioned.of_type("AWS::CloudWatch::Alarm")}

    assert set(alarms) == declared
    assert len(declared) > 10
    topic = provisioned.ref("AlertsTopic")
    assert all(alarm["AlarmActions"] == [topic] for alarm in alarms.values())


def test_topics_and_log_groups_exist_with_their_retention(provisioned: Template) -> None:
    topics = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
    groups = {g["logGroupName"]: g for g in boto3.client("logs").describe_log_groups()["logGroups"]}

    assert topics == [provisioned.ref("AlertsTopic")]
    for logical_id in provisioned.of_type("AWS::Logs::LogGroup"):
        properties = provisioned.properties(logical_id)
        assert groups[properties["LogGroupName"]]["retentionInDays"] == int(properties["RetentionInDays"])


def test_every_function_is_listed_with_its_configuration(provisioned: Template) -> None:
    client: Any = boto3.client("lambda")
    listed = {
        f["FunctionName"]: f
        for page in client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
    }
    functions = provisioned.functions()

    assert set(listed) == {f.name for f in functions.values()}
    put = functions["PutCustomerIdFunction"]
    configuration = client.get_function(FunctionName=put.name)["Configuration"]
    assert configuration["Handler"] == put.handler
    assert configuration["Timeout"] == put.timeout
    assert configuration["MemorySize"] == put.memory
    assert configuration["Environment"]["Variables"] == put.environment
