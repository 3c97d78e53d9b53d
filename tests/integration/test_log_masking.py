"""No personal data in clear in any log line: real requests carrying e-mails, phones, CPFs and birth
dates go through the handlers with Powertools' event logging on (the whole event, body included, is
logged), and through error paths that echo input into exceptions; the captured JSON lines hold only
the masked form."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.events import api_event, sqs_record

from patron.core.observability import logger
from patron.crm import handlers as crm
from patron.crm import service as crm_service
from patron.enrollment import handlers as enrollment
from patron.enrollment import processor
from patron.marketing import steps
from patron.privacy import handlers as privacy

EMAIL = "jane.doe@example.com"
PHONE = "+55 (11) 98765-4321"
BIRTH_DATE = "1990-05-17"
CPF = "529.982.247-25"
CPF_DIGITS = "52998224725"
RAW = [EMAIL, "jane.doe%40example.com", PHONE, "98765-4321", BIRTH_DATE, CPF, CPF_DIGITS]


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines the Powertools logger writes (to stdout on Lambda), captured."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)  # type: ignore[attr-defined]


def logging_events(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The handler as POWERTOOLS_LOGGER_LOG_EVENT=true deploys it: the incoming event is logged."""
    wrapped: Callable[[Any, Any], Any] = logger.inject_lambda_context(log_event=True)(handler)
    return wrapped


def assert_masked(lines: list[dict[str, Any]], *markers: str) -> None:
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for raw in RAW:
        assert raw not in text
    for marker in markers:
        assert marker in text


def test_crm_requests_and_an_unexpected_error_log_no_personal_data(
    cloud: None, lambda_context: Any, log_lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = logging_events(crm.lambda_handler)
    customer = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email_address": EMAIL,
        "phone_number": PHONE,
        "date_of_birth": BIRTH_DATE,
    }
    create_event = api_event("POST", "/customers", body=customer)
    created = handler(create_event, lambda_context)
    clash = handler(api_event("POST", "/customers", body=customer), lambda_context)
    found = handler(api_event("GET", "/customers", query={"email": EMAIL}), lambda_context)
    invalid = handler(
        api_event("POST", "/customers", body={**customer, "date_of_birth": "2990-05-17"}), lambda_context
    )

    def failing_create(*args: Any) -> Any:
        raise RuntimeError(f"could not store {EMAIL}, {PHONE}, born {BIRTH_DATE}")

    monkeypatch.setattr(crm_service, "create", failing_create)
    other = {**customer, "email_address": "other@example.org"}
    failed = handler(api_event("POST", "/customers", body=other), lambda_context)

    statuses = [r["statusCode"] for r in (created, clash, found, invalid, failed)]
    assert statuses == [201, 409, 200, 400, 500]
    lines = log_lines()
    assert_masked(lines, "<email>", "<phone>", "<date>")
    (created_line,) = [line for line in lines if line["message"] == "customer created"]
    assert created_line["customer_id"] == json.loads(created["body"])["customer_id"]  # ids stay readable
    assert created_line["correlation_id"] == create_event["requestContext"]["requestId"]
    (error,) = [line for line in lines if line["message"] == "unhandled error"]
    assert error["exception"].endswith("RuntimeError: could not store <email>, <phone>, born <date>")


def test_enrollment_requests_and_a_failing_message_log_no_cpf(
    cloud: None, lambda_context: Any, log_lines: Any
) -> None:
    handler = logging_events(enrollment.lambda_handler)
    group = handler(api_event("POST", "/age-groups", body={"min_age": 18, "max_age": 40}), lambda_context)
    accepted = handler(
        api_event("POST", "/enrollments", body={"name": "Jane Doe", "age": 30, "cpf": CPF}), lambda_context
    )
    unformatted = handler(
        api_event("POST", "/enrollments", body={"name": "Jane Doe", "age": 30, "cpf": CPF_DIGITS}),
        lambda_context,
    )
    rejected = handler(
        api_event("POST", "/enrollments", body={"name": "Jane Doe", "age": 99, "cpf": CPF}), lambda_context
    )
    # a queue message whose body is not the expected JSON: pydantic echoes the input in its error, and
    # the whole batch failing escapes to the Lambda runtime, which prints it outside the logger
    with pytest.raises(Exception, match="All records failed") as escaped:
        logging_events(processor.lambda_handler)(
            {"Records": [sqs_record(f"cpf {CPF}", "arn:aws:sqs:us-east-1:123456789012:EnrollmentQueue")]},
            lambda_context,
        )

    statuses = [r["statusCode"] for r in (group, accepted, unformatted, rejected)]
    assert statuses == [201, 202, 202, 400]
    assert escaped.type.__name__ == "BatchProcessingError"
    assert "<cpf>" in str(escaped.value)
    assert CPF not in str(escaped.value)
    lines = log_lines()
    assert_masked(lines, "<cpf>")
    assert any(
        line["message"] == "enrollment message failed" and "<cpf>" in line["exception"] for line in lines
    )


def test_a_marketing_batch_with_bad_records_logs_no_email(
    cloud: None, lambda_context: Any, log_lines: Any
) -> None:
    batch = [
        {"Name": "Jane Doe", "Email": EMAIL, "MarketingOptIn": True, "MarketingInterests": ["news"]},
        {"Name": "Jane Doe", "Email": "jane.doe@", "MarketingOptIn": "yes", "MarketingInterests": []},
        {"Name": "", "Email": EMAIL.upper(), "MarketingOptIn": False, "phone": PHONE, "born": BIRTH_DATE},
    ]
    state = logging_events(steps.validate_data)(batch, lambda_context)
    state = logging_events(steps.remove_duplicates)(state, lambda_context)
    stored = {"state": state, "started_at": "2026-11-30T10:00:00.000Z"}
    summary = logging_events(steps.store_marketing_interests)(stored, lambda_context)
    lookup = logging_events(crm.lambda_handler)  # any API handler logs the event the same way
    lookup(api_event("GET", "/customers", query={"email": EMAIL}), lambda_context)

    assert (summary["received"], summary["stored"], len(summary["rejected"])) == (3, 1, 2)
    lines = log_lines()
    assert_masked(lines, "<email>", "<phone>", "<date>")
    assert "jane.doe@" not in json.dumps(lines)
    assert "JANE.DOE@EXAMPLE.COM" not in json.dumps(lines)


def test_privacy_requests_and_their_tasks_log_no_identifier(
    workflow_cloud: None, lambda_context: Any, log_lines: Any
) -> None:
    from tests.integration.privacy.conftest import wait_done

    handler = logging_events(privacy.lambda_handler)
    body = {"type": "erase", "email": EMAIL, "cpf": CPF, "id": "jane-1"}
    accepted = handler(api_event("POST", "/requests", body=body), lambda_context)
    request_id = json.loads(accepted["body"])["request_id"]
    done = wait_done(request_id)
    rejected = handler(api_event("POST", "/requests", body={**body, "cpf": "529.982.247"}), lambda_context)

    assert (accepted["statusCode"], done["status"], rejected["statusCode"]) == (202, "SUCCEEDED", 400)
    lines = log_lines()
    assert_masked(lines, "<email>", "<cpf>")
    assert any(line["message"] == "privacy request part done" for line in lines)


TOKEN = "eyJraWQiOiJkdW1teSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJzdWItMSJ9.c2lnbmF0dXJl"


def test_a_write_names_its_principal_in_every_line_and_never_the_token(
    cloud: None, lambda_context: Any, log_lines: Any
) -> None:
    # Given the context the authorizer hands the function (requestContext.authorizer)
    customer = {"first_name": "Ana", "last_name": "Lima", "email_address": EMAIL, "phone_number": PHONE}
    event = api_event("POST", "/customers", body=customer, headers={"Authorization": f"Bearer {TOKEN}"})
    event["requestContext"]["authorizer"] = {
        "principalId": "sub-1",
        "sub": "sub-1",
        "username": "ana",
        "clientId": "console",
        "groups": "operator",
        "scopes": "",
    }
    read = api_event("GET", "/customers")
    read["requestContext"]["authorizer"] = {
        "sub": "client-9",
        "clientId": "client-9",
        "scopes": "patron/crm.read",
    }

    created = logging_events(crm.lambda_handler)(event, lambda_context)
    listed = crm.lambda_handler(read, lambda_context)

    assert (created["statusCode"], listed["statusCode"]) == (201, 200), created["body"]
    lines = log_lines()
    (write,) = [line for line in lines if line["message"] == "write"]
    assert write["principal"] == "user ana (sub-1)"
    assert (write["route"], write["status"]) == ("POST /customers", 201)
    during = [line for line in lines if line.get("correlation_id") == event["requestContext"]["requestId"]]
    assert {line["message"] for line in during} >= {"customer created", "write"}
    assert {line["principal"] for line in during} == {"user ana (sub-1)"}
    assert [line["message"] for line in lines if "client-9" in json.dumps(line)] == []  # a GET logs no write
    assert TOKEN not in json.dumps(lines)
    assert "<token>" in json.dumps(lines)  # the logged event's Authorization header, masked
