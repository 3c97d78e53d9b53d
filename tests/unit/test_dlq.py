"""`patron dlq`: listing leaves the dead letters in place, redrive moves them back to their source
queue, and the template's dead-letter queues are found by their redrive policies."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from patron_tools import dlq
from patron_tools.cli import main
from patron_tools.local.template import Template


@pytest.fixture(autouse=True)
def _no_long_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto answers every receive from the whole queue: its final empty long poll would only wait a second
    monkeypatch.setattr(dlq, "RECEIVE_WAIT_SECONDS", 0)


@pytest.fixture
def sqs(cloud: None) -> Any:
    return boto3.client("sqs")


def url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def dead_letters(sqs: Any, *bodies: str) -> str:
    dead = url(sqs, "EnrollmentDeadLetterQueue")
    for body in bodies:
        sqs.send_message(
            QueueUrl=dead,
            MessageBody=body,
            MessageAttributes={"origin": {"DataType": "String", "StringValue": "test"}},
        )
    return dead


def visible(sqs: Any, name: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url(sqs, name), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_every_dead_letter_and_failure_queue_of_the_template_is_found(template: Template) -> None:
    # a queue's redrive target, a rule target's DeadLetterConfig, an event source's OnFailure destination
    assert template.dead_letter_queues() == [
        "CustomerCreatedFailedQueue",
        "CustomerCreatedRuleDeadLetterQueue",
        "EnrollmentDeadLetterQueue",
        "EnrollmentDispatchFailedQueue",
    ]


def test_list_shows_every_message_and_leaves_them_visible(sqs: Any) -> None:
    bodies = [json.dumps({"enrollment_id": f"e-{n}"}) for n in range(13)]
    dead = dead_letters(sqs, *bodies)

    messages = dlq.list_messages(sqs, dead)

    assert sorted(m["body"] for m in messages) == sorted(bodies)
    assert {m["receive_count"] for m in messages} == {1}
    assert all(m["sent_at"].endswith("+00:00") for m in messages)
    assert visible(sqs, "EnrollmentDeadLetterQueue") == 13


def test_the_source_queue_is_the_one_whose_redrive_policy_names_the_dead_letter_queue(sqs: Any) -> None:
    assert dlq.source_queue(sqs, url(sqs, "EnrollmentDeadLetterQueue")).endswith("/EnrollmentQueue")


def test_a_queue_that_is_nobodys_dead_letter_queue_has_no_source(sqs: Any) -> None:
    with pytest.raises(LookupError):
        dlq.source_queue(sqs, url(sqs, "EnrollmentQueue"))


def test_redrive_moves_every_message_back_with_its_attributes(sqs: Any) -> None:
    bodies = [f"body {n}" for n in range(12)]
    dead = dead_letters(sqs, *bodies)
    work = url(sqs, "EnrollmentQueue")

    moved, refused = dlq.redrive(sqs, dead, work)

    assert (moved, refused) == (12, [])
    assert visible(sqs, "EnrollmentDeadLetterQueue") == 0
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=work, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        received += batch
    assert sorted(m["Body"] for m in received) == sorted(bodies)
    assert received[0]["MessageAttributes"] == {"origin": {"DataType": "String", "StringValue": "test"}}


def test_the_cli_finds_a_deployed_stacks_dead_letter_queue(
    cloud: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deployed stack whose dead-letter queue has another name than locally
    stack = {
        "Resources": {
            "EnrollmentDeadLetterQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": "prod-EnrollmentDeadLetterQueue"},
            }
        }
    }
    boto3.client("cloudformation").create_stack(StackName="patron-prod", TemplateBody=json.dumps(stack))
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url(sqs, "prod-EnrollmentDeadLetterQueue"), MessageBody="dead on AWS")

    # When its dead letters are listed through CloudFormation
    status = main(
        [
            "dlq",
            "list",
            "--stack",
            "patron-prod",
            "--region",
            "us-east-1",
            "--queue",
            "EnrollmentDeadLetterQueue",
        ]
    )

    # Then the stack's queue is the one read
    assert status == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["body"] == "dead on AWS"
    assert json.loads(line)["queue"] == "EnrollmentDeadLetterQueue"


def test_a_failure_queue_is_listed_by_its_name_and_not_redriven_anywhere(
    sqs: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a failure record of the enrollment dispatcher's stream (no queue dead-letters into it)
    failed = url(sqs, "EnrollmentDispatchFailedQueue")
    sqs.send_message(
        QueueUrl=failed, MessageBody='{"requestContext": {"condition": "RetryAttemptsExhausted"}}'
    )
    monkeypatch.setattr("patron_tools.cli.LOCAL_AWS", None)  # moto in-process, not an endpoint

    listed = main(["dlq", "list", "--queue", "EnrollmentDispatchFailedQueue"])
    listing = capsys.readouterr()
    redriven = main(["dlq", "redrive", "--queue", "EnrollmentDispatchFailedQueue"])
    redrive = capsys.readouterr()

    assert listed == 0
    assert "RetryAttemptsExhausted" in listing.out
    assert redriven == 1
    assert "not redriven: no queue dead-letters here" in redrive.err
    assert visible(sqs, "EnrollmentDispatchFailedQueue") == 1
