"""The crm service on moto: e-mail uniqueness under concurrency, and the pagination token."""

from __future__ import annotations

import base64
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from tests.customers import customer_body

from patron.core import errors
from patron.crm import service
from patron.crm.models import NewCustomer
from patron.crm.repository import CustomersRepository


def repository() -> CustomersRepository:
    return CustomersRepository(boto3.client("dynamodb"), "customers", "customer_emails")


def new(**overrides: Any) -> NewCustomer:
    return NewCustomer.model_validate(customer_body(**overrides))


def count(dynamodb: Any, table: str) -> int:
    return int(dynamodb.scan(TableName=table, Select="COUNT")["Count"])


def attempt(action: Any) -> str:
    try:
        action()
    except errors.Conflict:
        return "conflict"
    return "ok"


def test_concurrent_creates_with_one_email_create_exactly_one_customer(dynamodb: Any) -> None:
    repo = repository()
    bodies = [new(email_address="race@example.com" if i % 2 else "RACE@example.com") for i in range(24)]

    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(lambda body: attempt(lambda: service.create(body, repo)), bodies))

    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == 23
    assert count(dynamodb, "customers") == 1
    assert count(dynamodb, "customer_emails") == 1


def test_concurrent_changes_to_one_new_email_let_exactly_one_customer_have_it(dynamodb: Any) -> None:
    repo = repository()
    customers = [service.create(new(), repo) for _ in range(12)]

    def change(customer_id: str) -> str:
        return attempt(lambda: service.update(customer_id, {"email_address": "wanted@example.com"}, repo))

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(change, [customer.customer_id for customer in customers]))

    assert outcomes.count("ok") == 1
    owners = [c for c in customers if service.get(c.customer_id, repo).email_address == "wanted@example.com"]
    assert len(owners) == 1
    claims = dynamodb.scan(TableName="customer_emails")["Items"]
    assert len(claims) == 12  # every customer still holds exactly one claim
    assert {"email": {"S": "wanted@example.com"}, "customer_id": {"S": owners[0].customer_id}} in claims


def test_an_update_racing_a_delete_never_recreates_the_customer(dynamodb: Any) -> None:
    repo = repository()
    customers = [service.create(new(), repo) for _ in range(10)]

    def update(customer_id: str) -> str:
        try:
            service.update(customer_id, {"city": "Nowhere"}, repo)
        except errors.NotFound:
            return "gone"
        return "updated"

    with ThreadPoolExecutor(max_workers=20) as pool:
        deletes = [pool.submit(service.delete, c.customer_id, repo) for c in customers]
        updates = [pool.submit(update, c.customer_id) for c in customers]
        for future in deletes + updates:
            future.result()

    assert count(dynamodb, "customers") == 0
    assert count(dynamodb, "customer_emails") == 0


def test_the_next_token_is_opaque_and_bound_to_its_query(cloud: None) -> None:
    repo = repository()
    for _ in range(3):
        service.create(new(customer_status="inactive"), repo)

    token = service.list_customers(repo, limit=1, status="inactive").next_token

    assert token is not None
    assert "inactive" not in token
    assert len(service.list_customers(repo, limit=5, next_token=token, status="inactive").customers) == 2
    with pytest.raises(errors.Invalid):
        service.list_customers(repo, limit=5, next_token=token)
    with pytest.raises(errors.Invalid):
        service.list_customers(repo, limit=5, next_token=token, status="active")


@pytest.mark.parametrize(
    "payload",
    [
        {"q": "x", "after": str(uuid.uuid4())},
        {"after": str(uuid.uuid4())},
        {"q": None, "after": "not-a-uuid"},
        {"q": None, "after": {"S": "x"}},
        ["a", "b"],
        "text",
    ],
)
def test_forged_tokens_are_invalid(cloud: None, payload: Any) -> None:
    if isinstance(payload, dict) and payload.get("q") is None and "q" in payload:
        payload["q"] = service._query_fingerprint(None, None)  # the right query, a wrong key
    token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()

    with pytest.raises(errors.Invalid) as exc:
        service.list_customers(repository(), limit=5, next_token=token)

    assert exc.value.details == service.INVALID_TOKEN


def test_a_well_formed_token_for_an_unknown_customer_is_served_not_an_error(cloud: None) -> None:
    repo = repository()
    for _ in range(3):
        service.create(new(), repo)
    token = service._encode_token(str(uuid.uuid4()), service._query_fingerprint(None, None))

    page = service.list_customers(repo, limit=5, next_token=token)

    assert len(page.customers) <= 3
