"""DynamoDB requests per crm operation do not grow with the table: each route is called against 10 and
against 1,000 customers and must make the same requests (listing: one request per page)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from tests.customers import customer_body
from tests.integration.crm.conftest import ITEM, Call

from patron.core.types import normalize_email
from patron.crm import handlers
from patron.crm.models import Customer, NewCustomer
from patron.crm.repository import to_item


@pytest.fixture
def requests_made(cloud: None) -> Counter[str]:
    """The DynamoDB operations the crm handlers' client sends, by name."""
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    handlers.repository()._client.meta.events.register("before-call.dynamodb", count)
    return made


def fill(dynamodb: Any, how_many: int) -> list[Customer]:
    """`how_many` customers, written directly (as the repository stores them) with their e-mail claims."""
    customers = [
        Customer(
            customer_id=f"{i:08x}-0000-4000-8000-{i:012x}",
            **NewCustomer.model_validate(
                customer_body(customer_status=("active", "inactive", "canceled")[i % 3])
            ).model_dump(),
        )
        for i in range(how_many)
    ]
    for start in range(0, how_many, 25):
        batch = customers[start : start + 25]
        dynamodb.batch_write_item(
            RequestItems={
                "customers": [{"PutRequest": {"Item": to_item(c)}} for c in batch],
                "customer_emails": [
                    {
                        "PutRequest": {
                            "Item": {
                                "email": {"S": normalize_email(c.email_address)},
                                "customer_id": {"S": c.customer_id},
                            }
                        }
                    }
                    for c in batch
                ],
            }
        )
    return customers


def requests_per_route(
    call: Call, dynamodb: Any, made: Counter[str], table_size: int
) -> dict[str, Counter[str]]:
    customers = fill(dynamodb, table_size)
    target, other = customers[1], customers[2]
    routes: dict[str, tuple[Any, ...]] = {
        "create": ("POST", "/customers", None, {"body": customer_body()}),
        "create (e-mail taken)": (
            "POST",
            "/customers",
            None,
            {"body": customer_body(email_address=other.email_address)},
        ),
        "get": ("GET", ITEM, target.customer_id, {}),
        "get (absent)": ("GET", ITEM, "00000000-0000-4000-8000-ffffffffffff", {}),
        "put": (
            "PUT",
            ITEM,
            target.customer_id,
            {"body": {"lifetime_value": 2000.0, "customer_status": "active"}},
        ),
        "patch (new e-mail)": (
            "PATCH",
            ITEM,
            target.customer_id,
            {"body": {"email_address": "moved@example.com"}},
        ),
        "put (absent)": ("PUT", ITEM, "00000000-0000-4000-8000-ffffffffffff", {"body": {"city": "X"}}),
        "list": ("GET", "/customers", None, {"query": {"limit": "5"}}),
        "list by status": ("GET", "/customers", None, {"query": {"status": "inactive", "limit": "5"}}),
        "list by e-mail": ("GET", "/customers", None, {"query": {"email": other.email_address.upper()}}),
        "delete": ("DELETE", ITEM, other.customer_id, {}),
        "seed": ("POST", "/seed", None, {}),
        "seed (again)": ("POST", "/seed", None, {}),
        "list samples": ("GET", "/customers", None, {"query": {"sample": "true", "limit": "5"}}),
    }
    counts = {}
    for name, (method, resource, customer_id, kwargs) in routes.items():
        made.clear()
        status = call(method, resource, customer_id, **kwargs)[0]
        assert status < 500, name
        counts[name] = Counter(made)
    # the next page of a listing costs the same as the first
    first = call("GET", "/customers", query={"limit": "5"})[1]
    made.clear()
    call("GET", "/customers", query={"limit": "5", "next_token": first["next_token"]})
    counts["list (next page)"] = Counter(made)
    return counts


def test_requests_per_operation_do_not_grow_with_the_table(
    call: Call, dynamodb: Any, requests_made: Counter[str]
) -> None:
    small = requests_per_route(call, dynamodb, requests_made, 10)
    for table in ("customers", "customer_emails"):
        for item in dynamodb.scan(TableName=table)["Items"]:
            key = {"customer_id": item["customer_id"]} if table == "customers" else {"email": item["email"]}
            dynamodb.delete_item(TableName=table, Key=key)

    large = requests_per_route(call, dynamodb, requests_made, 1000)

    assert large == small
    assert small == {
        "create": Counter({"TransactWriteItems": 1}),
        "create (e-mail taken)": Counter({"TransactWriteItems": 1}),
        "get": Counter({"GetItem": 1}),
        "get (absent)": Counter({"GetItem": 1}),
        "put": Counter({"UpdateItem": 1}),
        "patch (new e-mail)": Counter({"GetItem": 2, "TransactWriteItems": 1}),
        "put (absent)": Counter({"UpdateItem": 1, "GetItem": 1}),
        "list": Counter({"Scan": 1}),
        "list by status": Counter({"Query": 1}),
        "list by e-mail": Counter({"Query": 1}),
        "delete": Counter({"GetItem": 1, "TransactWriteItems": 1}),
        "seed": Counter({"TransactWriteItems": 10}),
        "seed (again)": Counter({"TransactWriteItems": 10}),
        "list samples": Counter({"Query": 1}),
        "list (next page)": Counter({"Scan": 1}),
    }


def test_listing_every_customer_costs_one_request_per_page(
    call: Call, dynamodb: Any, requests_made: Counter[str]
) -> None:
    fill(dynamodb, 1000)
    requests_made.clear()

    pages, query = 0, {"limit": "100"}
    while True:
        page = call("GET", "/customers", query=query)[1]
        pages += 1
        if page["next_token"] is None:
            break
        query = {"limit": "100", "next_token": page["next_token"]}

    assert pages == 10
    assert requests_made == Counter({"Scan": 10})
