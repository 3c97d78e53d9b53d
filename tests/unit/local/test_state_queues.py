"""Queue messages survive a restart of the local cloud: saved on shutdown, in flight or not, and sent
again on start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from patron_tools.local import aws, state
from patron_tools.local.template import Template

QUEUES = ["EnrollmentQueue", "EnrollmentDeadLetterQueue"]


def url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def drain(sqs: Any, name: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url(sqs, name), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        messages += batch
    return messages


def test_messages_in_flight_or_not_are_restored(aws_env: None, template: Template, tmp_path: Path) -> None:
    with mock_aws():
        aws.create_queues(template)
        sqs = boto3.client("sqs")
        sqs.send_message(QueueUrl=url(sqs, "EnrollmentQueue"), MessageBody='{"enrollment_id": "in-flight"}')
        sqs.receive_message(QueueUrl=url(sqs, "EnrollmentQueue"))  # now invisible, not deleted
        sqs.send_message(
            QueueUrl=url(sqs, "EnrollmentQueue"),
            MessageBody='{"enrollment_id": "waiting"}',
            MessageAttributes={
                "origin": {"DataType": "String", "StringValue": "test"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
        )
        sqs.send_message(QueueUrl=url(sqs, "EnrollmentDeadLetterQueue"), MessageBody="dead letter")
        state.save_queues(tmp_path, QUEUES)

    with mock_aws():
        aws.create_queues(template)
        loaded = state.load_queues(tmp_path, QUEUES)
        sqs = boto3.client("sqs")
        work = drain(sqs, "EnrollmentQueue")
        dead = drain(sqs, "EnrollmentDeadLetterQueue")

    assert loaded == 3
    assert sorted(m["Body"] for m in work) == [
        '{"enrollment_id": "in-flight"}',
        '{"enrollment_id": "waiting"}',
    ]
    (waiting,) = [m for m in work if "waiting" in m["Body"]]
    assert waiting["MessageAttributes"] == {
        "origin": {"DataType": "String", "StringValue": "test"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    assert [m["Body"] for m in dead] == ["dead letter"]


def test_nothing_saved_loads_nothing(aws_env: None, template: Template, tmp_path: Path) -> None:
    with mock_aws():
        aws.create_queues(template)
        assert state.load_queues(tmp_path, QUEUES) == 0
