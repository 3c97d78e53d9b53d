"""The crm API's Lambda handler driven with API Gateway events, and views of its two tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tests.events import api_event

from patron.crm.handlers import lambda_handler

ITEM = "/customers/{customer_id}"

Call = Callable[..., tuple[int, Any, dict[str, Any]]]


@pytest.fixture
def call(cloud: None, lambda_context: Any) -> Call:
    """call(method, resource, customer_id=None, body=..., query=...) → (status, JSON body, response)."""

    def invoke(method: str, resource: str, customer_id: str | None = None, **kwargs: Any) -> Any:
        parameters = {"customer_id": customer_id} if customer_id is not None else None
        response = lambda_handler(api_event(method, resource, parameters, **kwargs), lambda_context)
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], body, response

    return invoke


@pytest.fixture
def create(call: Call) -> Callable[..., dict[str, Any]]:
    """create(body) → the created customer, asserting the 201."""

    def make(body: dict[str, Any]) -> dict[str, Any]:
        status, created, _ = call("POST", "/customers", body=body)
        assert status == 201, created
        return dict(created)

    return make


def customers_in_table(dynamodb: Any) -> dict[str, dict[str, Any]]:
    items = dynamodb.scan(TableName="customers", ConsistentRead=True)["Items"]
    return {item["customer_id"]["S"]: item for item in items}


def email_claims(dynamodb: Any) -> dict[str, str]:
    items = dynamodb.scan(TableName="customer_emails", ConsistentRead=True)["Items"]
    return {item["email"]["S"]: item["customer_id"]["S"] for item in items}
