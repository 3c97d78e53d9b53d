"""Fixtures shared by the integration tests of more than one module: the template's stream event
sources running as `patron dev` runs them, an observer of the CustomerCreated events, and the SAM
translation of template.yaml."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from tests.iam import translated_template

from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.streams import StreamReader, stream_sources
from patron_tools.local.template import Template


@pytest.fixture
def start_stream(cloud: None, template: Template) -> Iterator[Callable[[str], StreamReader]]:
    """Start the template's stream event source of a function (logical id), polling as `patron dev`
    does but retrying at once; stopped at the end of the test."""
    readers: list[StreamReader] = []

    def start(function: str) -> StreamReader:
        (source,) = [s for s in stream_sources(template) if s.function == function]
        reader = StreamReader(source, LambdaRuntime(template.functions()), retry_delay=0)
        reader.start()
        readers.append(reader)
        return reader

    yield start
    for reader in readers:
        reader.stop()


@pytest.fixture
def observed(workflow_cloud: None) -> Callable[[], list[dict[str, Any]]]:
    """Every CustomerCreated event on the stage's bus, as delivered to an extra rule's SQS target."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="observed-events")["QueueUrl"]
    events = boto3.client("events")
    bus = Template().ref("EventBus")
    events.put_rule(
        Name="observe",
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["customer.api"], "detail-type": ["CustomerCreated"]}),
    )
    events.put_targets(
        Rule="observe",
        EventBusName=bus,
        Targets=[{"Id": "queue", "Arn": "arn:aws:sqs:us-east-1:123456789012:observed-events"}],
    )
    seen: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            seen.extend(json.loads(m["Body"]) for m in messages)
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages],
            )
        return seen

    return read


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    """The CloudFormation that SAM would deploy (tests/iam.py)."""
    return translated_template()
