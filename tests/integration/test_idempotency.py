"""Idempotent creates: POST /crm/customers, /enrollment/enrollments and /enrollment/age-groups honour an
Idempotency-Key header (Powertools' idempotency utility on the template's IdempotencyTable)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.customers import customer_body
from tests.events import api_event

from patron.crm import models as crm_models
from patron.crm.handlers import lambda_handler as crm
from patron.enrollment.handlers import lambda_handler as enrollment

Post = Callable[..., tuple[int, Any]]


@pytest.fixture
def post(cloud: None, lambda_context: Any) -> Post:
    """post(handler, path, body, key=None, api_key="test-key") → (status, JSON body)."""

    def send(handler: Any, path: str, body: Any, key: str | None = None, api_key: str = "test-key") -> Any:
        headers = {"x-api-key": api_key, **({"Idempotency-Key": key} if key else {})}
        event = api_event("POST", path, body=body, headers=headers)
        event["requestContext"]["identity"]["apiKey"] = api_key
        response = handler(event, lambda_context)
        return response["statusCode"], json.loads(response["body"])

    return send


def count(dynamodb: Any, table: str) -> int:
    return len(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])


def test_a_retried_create_answers_the_first_answer_and_creates_nothing(post: Post, dynamodb: Any) -> None:
    body = customer_body()

    first = post(crm, "/customers", body, key="retry-1")
    again = post(crm, "/customers", body, key="retry-1")

    assert first[0] == again[0] == 201
    assert again[1] == first[1]  # the same customer_id: nothing created twice
    assert count(dynamodb, "customers") == 1


def test_a_retry_after_the_clock_moved_answers_the_first_answer(
    post: Post, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a create whose body leaves customer_acquisition_date to the server (its default is "now")
    body = customer_body()
    first = post(crm, "/customers", body, key="retry-later")

    # When the client retries the same body a few seconds later
    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) + timedelta(seconds=5)

    monkeypatch.setattr(crm_models, "datetime", Later)
    again = post(crm, "/customers", body, key="retry-later")

    # Then it is the same request: the first answer, nothing created twice (the key covers what was sent)
    assert again == first
    assert count(dynamodb, "customers") == 1


def test_the_same_key_with_another_body_is_a_conflict(post: Post, dynamodb: Any) -> None:
    post(crm, "/customers", customer_body(), key="reused")

    status, error = post(crm, "/customers", customer_body(), key="reused")

    assert status == 409
    assert error["error"]["code"] == "conflict"
    assert "different request body" in error["error"]["message"]
    assert count(dynamodb, "customers") == 1


def test_without_a_key_every_request_creates(post: Post, dynamodb: Any) -> None:
    post(crm, "/customers", customer_body())
    post(crm, "/customers", customer_body())

    assert count(dynamodb, "customers") == 2
    assert count(dynamodb, "idempotency") == 0


def test_keys_of_two_api_keys_never_meet(post: Post, dynamodb: Any) -> None:
    first = post(crm, "/customers", customer_body(), key="k", api_key="client-a-0123456789")
    second = post(crm, "/customers", customer_body(), key="k", api_key="client-b-0123456789")

    assert (first[0], second[0]) == (201, 201)
    assert first[1]["customer_id"] != second[1]["customer_id"]


def test_a_request_still_in_progress_under_the_key_is_a_conflict(
    post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    from patron.crm import service

    started, release = threading.Event(), threading.Event()
    create = service.create

    def slow_create(*args: Any) -> Any:
        started.set()
        release.wait(10)
        return create(*args)

    monkeypatch.setattr(service, "create", slow_create)
    body = customer_body()
    results: list[tuple[int, Any]] = []
    first = threading.Thread(target=lambda: results.append(post(crm, "/customers", body, key="slow")))
    first.start()
    assert started.wait(10)

    status, error = post(crm, "/customers", body, key="slow")
    release.set()
    first.join(10)

    assert status == 409
    assert "still in progress" in error["error"]["message"]
    assert results[0][0] == 201


def test_a_failed_create_is_not_replayed_once_fixed(post: Post, dynamodb: Any) -> None:
    taken = customer_body()
    post(crm, "/customers", taken)
    clash = customer_body(email_address=taken["email_address"])

    assert post(crm, "/customers", clash, key="e")[0] == 409  # the e-mail clash, not stored as an answer
    dynamodb.delete_item(TableName="customer_emails", Key={"email": {"S": taken["email_address"].lower()}})

    assert post(crm, "/customers", clash, key="e")[0] == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "two words", "tab\there"])
def test_a_malformed_key_is_a_400(post: Post, key: str, dynamodb: Any) -> None:
    status, error = post(crm, "/customers", customer_body(), key=key or " ")

    assert status == 400
    assert error["error"]["code"] == "invalid_request"
    assert count(dynamodb, "customers") == 0


def test_enrollment_creates_are_idempotent_too(post: Post, dynamodb: Any) -> None:
    group = {"min_age": 18, "max_age": 25}
    person = {"name": "John Doe", "age": 22, "cpf": "12345678900"}

    groups = [post(enrollment, "/age-groups", group, key="g1") for _ in range(2)]
    enrollments = [post(enrollment, "/enrollments", person, key="e1") for _ in range(2)]

    assert [status for status, _ in groups] == [201, 201]
    assert groups[0][1] == groups[1][1]
    assert [status for status, _ in enrollments] == [202, 202]
    assert enrollments[0][1] == enrollments[1][1]
    assert count(dynamodb, "EnrollmentsTable") == 1
    assert post(enrollment, "/enrollments", {**person, "age": 23}, key="e1")[0] == 409


def test_the_header_name_is_case_insensitive(cloud: None, lambda_context: Any, dynamodb: Any) -> None:
    body = customer_body()
    answers = [
        json.loads(
            crm(api_event("POST", "/customers", body=body, headers={name: "any-case"}), lambda_context)[
                "body"
            ]
        )
        for name in ("idempotency-key", "IDEMPOTENCY-KEY")
    ]

    assert answers[0] == answers[1]
    assert count(dynamodb, "customers") == 1
