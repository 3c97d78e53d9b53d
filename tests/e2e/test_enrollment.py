"""SPEC §1.3 over HTTP, through a real `patron dev`: the API, the stream → queue → processor path with
the template's 4-second processing, the dead-letter queue and `patron dlq`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from tests.devserver import DevServer
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

CORS_METHODS = "DELETE,GET,POST,OPTIONS"


def base(server: DevServer) -> str:
    return f"{server.url}/enrollment"


def status_of(server: DevServer, enrollment_id: str) -> dict[str, Any]:
    body: dict[str, Any] = server.get_json(f"/enrollment/enrollments/{enrollment_id}")
    return body


def enroll(server: DevServer, age: int = 22) -> requests.Response:
    body = {"name": "John Doe", "age": age, "cpf": "123.456.789-00"}
    return requests.post(f"{base(server)}/enrollments", json=body, headers=server.headers, timeout=5)


def ensure_group(server: DevServer, min_age: int = 18, max_age: int = 25) -> requests.Response:
    """Create the group, or find that it exists (an identical group is a 409: the e2e server is shared)."""
    response = requests.post(
        f"{base(server)}/age-groups",
        json={"min_age": min_age, "max_age": max_age},
        headers=server.headers,
        timeout=5,
    )
    assert response.status_code in (201, 409), response.text
    return response


def queue_url(server: DevServer, name: str) -> str:
    return str(server.aws("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def messages_in(server: DevServer, name: str) -> int:
    """Visible, in flight and delayed."""
    attributes = server.aws("sqs").get_queue_attributes(
        QueueUrl=queue_url(server, name), AttributeNames=["All"]
    )
    counts = (
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )
    return sum(int(attributes["Attributes"][count]) for count in counts)


def test_the_briefs_flow_pending_then_processed(dev: DevServer) -> None:
    # Given an age group
    created = ensure_group(dev)
    assert created.headers["Access-Control-Allow-Methods"] == CORS_METHODS
    listed = requests.get(f"{base(dev)}/age-groups", headers=dev.headers, timeout=5).json()
    assert [(g["min_age"], g["max_age"]) for g in listed].count((18, 25)) == 1

    # When someone of that age enrolls
    accepted = enroll(dev)

    # Then it is accepted PENDING, and the processor completes it a few seconds later
    assert accepted.status_code == 202
    enrollment_id = accepted.json()["enrollment_id"]
    assert accepted.json() == {"enrollment_id": enrollment_id, "status": "PENDING"}
    assert status_of(dev, enrollment_id)["status"] == "PENDING"
    done = wait_for(
        lambda: (s := status_of(dev, enrollment_id))["status"] == "PROCESSED" and s, 30, 0.2, "PROCESSED"
    )
    assert done["processed_at"] > done["created_at"]
    assert done["cpf"] == "12345678900"


def test_validation_failures_are_400_json_errors(dev: DevServer) -> None:
    ensure_group(dev)

    outside = enroll(dev, age=151)
    no_group = enroll(dev, age=140)
    bad_group = requests.post(
        f"{base(dev)}/age-groups", json={"min_age": True, "max_age": 25}, headers=dev.headers, timeout=5
    )

    assert outside.status_code == 400
    assert outside.json()["error"]["details"][0]["field"] == "age"
    assert no_group.status_code == 400
    assert no_group.json()["error"]["code"] == "age_not_in_any_age_group"
    assert bad_group.status_code == 400
    assert bad_group.headers["Access-Control-Allow-Methods"] == CORS_METHODS


def test_requests_are_answered_at_once_while_the_processor_works(dev: DevServer) -> None:
    ensure_group(dev)
    timings, ids = [], []
    for _ in range(10):
        started = time.monotonic()
        response = enroll(dev)
        timings.append(time.monotonic() - started)
        assert response.status_code == 202
        ids.append(response.json()["enrollment_id"])

    assert max(timings) < 1.0, timings
    wait_for(lambda: all(status_of(dev, i)["status"] == "PROCESSED" for i in ids), 60, 0.2, "all PROCESSED")


def test_a_poison_message_ends_in_the_dead_letter_queue_and_can_be_redriven(fresh_dev: DevServer) -> None:
    fresh_dev.start()
    sqs = fresh_dev.aws("sqs")
    work = queue_url(fresh_dev, "EnrollmentQueue")
    # the template's 180 s visibility timeout, shortened so three receives take seconds
    sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": "1"})
    time.sleep(2)  # a receive already waiting (1 s long polls) applies the timeout it started with

    sqs.send_message(QueueUrl=work, MessageBody=json.dumps({"enrollment_id": "does-not-exist"}))

    wait_for(lambda: messages_in(fresh_dev, "EnrollmentDeadLetterQueue") == 1, 60, 0.2, "dead-lettered")
    assert messages_in(fresh_dev, "EnrollmentQueue") == 0

    # it is kept across a restart, and `patron dlq list` shows it
    assert fresh_dev.stop() == 0
    fresh_dev.start()
    listed = fresh_dev.patron("dlq", "list")
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    letter = json.loads(line)
    assert letter["queue"] == "EnrollmentDeadLetterQueue"
    assert json.loads(letter["body"]) == {"enrollment_id": "does-not-exist"}
    assert letter["receive_count"] >= 1

    # `patron dlq redrive` sends it back to the queue it came from
    redriven = fresh_dev.patron("dlq", "redrive")
    assert redriven.returncode == 0, redriven.stderr
    assert "moved 1 message(s)" in redriven.stdout
    assert messages_in(fresh_dev, "EnrollmentDeadLetterQueue") == 0


def test_a_queued_enrollment_is_processed_after_a_restart(fresh_dev: DevServer) -> None:
    fresh_dev.start()
    ensure_group(fresh_dev)
    sqs = fresh_dev.aws("sqs")
    # hold the message in the queue: delivered no earlier than in 15 minutes
    sqs.set_queue_attributes(
        QueueUrl=queue_url(fresh_dev, "EnrollmentQueue"), Attributes={"DelaySeconds": "900"}
    )
    enrollment_id = enroll(fresh_dev).json()["enrollment_id"]
    wait_for(lambda: messages_in(fresh_dev, "EnrollmentQueue") == 1, 10, 0.2, "enqueued")

    assert fresh_dev.stop() == 0
    fresh_dev.start()

    assert status_of(fresh_dev, enrollment_id)["status"] == "PENDING"
    wait_for(lambda: status_of(fresh_dev, enrollment_id)["status"] == "PROCESSED", 30, 0.2, "PROCESSED")


def test_the_key_is_required_and_preflights_need_none(dev: DevServer) -> None:
    no_key = requests.get(f"{base(dev)}/age-groups", headers=dev.token_only, timeout=5)
    preflight = requests.options(
        f"{base(dev)}/enrollments",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )

    assert no_key.status_code == 403
    assert no_key.json() == {"message": "Forbidden"}
    assert no_key.headers["Access-Control-Allow-Methods"] == CORS_METHODS
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Methods"] == CORS_METHODS
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
