"""A person present in all four services, written through each service's own code."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from tests.events import api_event
from tests.polling import finished

from patron.crm import service as crm_service
from patron.crm.handlers import repository as crm_repository
from patron.crm.models import NewCustomer
from patron.enrollment.models import Enrollment, Status
from patron.enrollment.repository import EnrollmentsRepository
from patron.ids.steps import repository as ids_repository
from patron.marketing.steps import interests
from patron.privacy import handlers
from patron_tools.local.lambdas import LambdaContext

EMAIL = "Maria.Silva@Example.com"
CPF = "123.456.789-09"


@pytest.fixture
def person(workflow_cloud: None) -> dict[str, str]:
    """Maria: a crm customer, an enrollment with her CPF, marketing interests, an ids entry; and
    another person in each service who must stay untouched."""
    customer = crm_service.create(
        NewCustomer.model_validate(
            {
                "first_name": "Maria",
                "last_name": "Silva",
                "email_address": EMAIL,
                "phone_number": "+55 11 91234-5678",
                "date_of_birth": "1990-04-01",
                "customer_acquisition_date": "2024-01-01T00:00:00Z",
                "preferred_communication_channels": ["email"],
                "is_loyalty_member": "y",
                "customer_status": "active",
                "lifetime_value": 10,
            }
        ),
        crm_repository(),
    )
    enrollments = EnrollmentsRepository(boto3.client("dynamodb"), "EnrollmentsTable")
    for enrollment_id, cpf, name in (
        ("e-maria", "12345678909", "Maria Silva"),
        ("e-other", "98765432100", "Other"),
    ):
        enrollments.add(
            Enrollment(
                enrollment_id=enrollment_id,
                name=name,
                age=34,
                cpf=cpf,
                status=Status.PENDING,
                created_at="2026-11-30T10:00:00+00:00",
            )
        )
    interests().write(
        [
            {
                "Email": EMAIL.lower(),
                "Name": "Maria Silva",
                "MarketingInterests": ["news"],
                "updated_at": "x",
            },
            {
                "Email": "other@example.com",
                "Name": "Other",
                "MarketingInterests": ["news"],
                "updated_at": "x",
            },
        ],
        [],
    )
    ids_repository().insert("maria-1")
    ids_repository().insert("other-1")
    return {"customer_id": customer.customer_id}


def call(method: str, resource: str, **kwargs: Any) -> tuple[int, Any]:
    event = api_event(method, resource, **kwargs)
    event["requestContext"]["identity"]["apiKeyId"] = "key-id-1"
    context = LambdaContext(function_name="privacy", memory_limit_in_mb=512, timeout_seconds=10)
    response = handlers.lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def wait_done(request_id: str, timeout: float = 30) -> dict[str, Any]:
    def read() -> Any:
        status, body = call("GET", "/requests/{request_id}", path_parameters={"request_id": request_id})
        assert status == 200, body
        return body

    return finished(read, timeout)


@pytest.fixture
def run_request() -> Callable[..., dict[str, Any]]:
    def run(**body: Any) -> dict[str, Any]:
        status, accepted = call("POST", "/requests", body=body)
        assert status == 202, accepted
        assert accepted["status"] == "RUNNING"
        return wait_done(accepted["request_id"])

    return run
