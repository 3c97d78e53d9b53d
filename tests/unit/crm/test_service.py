"""The crm service on moto: e-mail uniqueness under concurrency, and the pagination token."""

from __future__ import annotations

import base64
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.customers import customer_body

from patron.core import errors
from patron.crm import repository as repository_module
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


def transaction_conflict(operation: str) -> ClientError:
    """What DynamoDB answers when a write meets another transaction on the same item."""
    if operation == "TransactWriteItems":
        response: Any = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
        }
    else:
        response = {"Error": {"Code": "TransactionConflictException", "Message": "conflict"}}
    return ClientError(response, operation)


class Colliding:
    """The real client, except that the first `collisions` writes of `operation` meet a transaction."""

    def __init__(self, client: Any, operation: str, collisions: int) -> None:
        self.client, self.operation, self.collisions, self.calls = client, operation, collisions, 0
        method = {"TransactWriteItems": "transact_write_items", "UpdateItem": "update_item"}[operation]
        setattr(self, method, self.write)
        self._method = method

    def write(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.collisions:
            raise transaction_conflict(self.operation)
        return getattr(self.client, self._method)(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.mark.parametrize(
    ("operation", "action"), [("TransactWriteItems", "create"), ("UpdateItem", "update")]
)
def test_a_write_that_meets_another_transaction_is_retried(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, operation: str, action: str
) -> None:
    monkeypatch.setattr(repository_module.time, "sleep", lambda _: None)
    existing = service.create(new(), repository())
    client = Colliding(boto3.client("dynamodb"), operation, collisions=2)
    repo = CustomersRepository(client, "customers", "customer_emails")  # type: ignore[arg-type]

    if action == "create":
        result = service.create(new(city="Retried"), repo)
    else:
        result = service.update(existing.customer_id, {"city": "Retried"}, repo)

    assert result.city == "Retried"
    assert client.calls == 3
    assert service.get(result.customer_id, repo).city == "Retried"


def test_a_write_that_keeps_meeting_transactions_is_a_409_not_a_500(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository_module.time, "sleep", lambda _: None)
    client = Colliding(boto3.client("dynamodb"), "TransactWriteItems", collisions=100)
    repo = CustomersRepository(client, "customers", "customer_emails")  # type: ignore[arg-type]

    with pytest.raises(errors.Conflict):
        service.create(new(), repo)

    assert client.calls == repository_module.CONFLICT_RETRIES + 1
    assert count(dynamodb, "customers") == 0
