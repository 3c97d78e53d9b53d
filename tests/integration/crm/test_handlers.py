"""SPEC §1.2 through the crm API's Lambda handler: responses, and the table, claim and index state."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from tests.customers import customer_body
from tests.events import header
from tests.integration.crm.conftest import ITEM, Call, customers_in_table, email_claims

Create = Callable[..., dict[str, Any]]
UUID4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
CORS_METHODS = "DELETE,GET,PATCH,POST,PUT,OPTIONS"


def detail_fields(body: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in body["error"].get("details", [])}


# ------------------------------------------------------------------------------ create
def test_create_returns_the_full_customer_and_stores_it_with_its_email_claim(
    call: Call, dynamodb: Any
) -> None:
    body = customer_body(email_address="John.Doe@Example.com")

    status, customer, response = call("POST", "/customers", body=body)

    assert status == 201
    assert uuid.UUID(customer["customer_id"]).version == 4
    assert customer == {
        **body,
        "customer_id": customer["customer_id"],
        "customer_acquisition_date": customer["customer_acquisition_date"],
        "customer_status": "active",
    }
    assert header(response, "Access-Control-Allow-Methods") == CORS_METHODS
    item = customers_in_table(dynamodb)[customer["customer_id"]]
    assert item["email_address"] == {"S": "John.Doe@Example.com"}
    assert item["email_key"] == {"S": "john.doe@example.com"}
    assert item["lifetime_value"] == {"N": "1500.0"}
    assert item["preferred_communication_channels"] == {"L": [{"S": "email"}, {"S": "phone"}]}
    assert email_claims(dynamodb) == {"john.doe@example.com": customer["customer_id"]}


def test_create_with_only_the_required_fields_applies_the_defaults(call: Call, dynamodb: Any) -> None:
    status, customer, _ = call(
        "POST",
        "/customers",
        body={"first_name": "Ann", "last_name": "Lee", "email_address": "ann@example.com"},
    )

    assert status == 201
    assert customer["preferred_communication_channels"] == []
    assert (customer["is_loyalty_member"], customer["customer_status"], customer["lifetime_value"]) == (
        "n",
        "active",
        0,
    )
    assert "phone_number" not in customer
    assert "date_of_birth" not in customer
    assert set(customers_in_table(dynamodb)[customer["customer_id"]]) == {
        "customer_id",
        "first_name",
        "last_name",
        "email_address",
        "email_key",
        "customer_acquisition_date",
        "preferred_communication_channels",
        "is_loyalty_member",
        "customer_status",
        "lifetime_value",
    }


def test_an_email_in_use_in_any_case_is_a_409_and_writes_nothing(
    call: Call, create: Create, dynamodb: Any
) -> None:
    first = create(customer_body(email_address="ann@example.com"))

    status, body, _ = call("POST", "/customers", body=customer_body(email_address="ANN@Example.COM"))

    assert status == 409
    assert body["error"]["code"] == "conflict"
    assert detail_fields(body) == {"email_address"}
    assert set(customers_in_table(dynamodb)) == {first["customer_id"]}
    assert email_claims(dynamodb) == {"ann@example.com": first["customer_id"]}


INVALID_BODIES = [
    ({"first_name": ""}, {"first_name"}),
    ({"last_name": "x" * 101}, {"last_name"}),
    ({"email_address": "nope"}, {"email_address"}),
    ({"phone_number": "call me"}, {"phone_number"}),
    ({"date_of_birth": "2999-01-01"}, {"date_of_birth"}),
    ({"date_of_birth": "1990-02-30"}, {"date_of_birth"}),
    ({"address": "x" * 201}, {"address"}),
    ({"customer_acquisition_date": "last tuesday"}, {"customer_acquisition_date"}),
    ({"preferred_communication_channels": ["email", "pigeon"]}, {"preferred_communication_channels.1"}),
    ({"preferred_communication_channels": ["text", "text"]}, {"preferred_communication_channels"}),
    ({"is_loyalty_member": True}, {"is_loyalty_member"}),
    ({"customer_status": "deleted"}, {"customer_status"}),
    ({"lifetime_value": -1}, {"lifetime_value"}),
    ({"lifetime_value": "100"}, {"lifetime_value"}),
    ({"customer_id": str(uuid.uuid4())}, {"customer_id"}),
    ({"nickname": "JD"}, {"nickname"}),
    ({"first_name": "", "customer_status": "gone", "extra": 1}, {"first_name", "customer_status", "extra"}),
]


@pytest.mark.parametrize(("change", "fields"), INVALID_BODIES)
def test_create_rejects_each_invalid_field_by_name_and_writes_nothing(
    call: Call, dynamodb: Any, change: dict[str, Any], fields: set[str]
) -> None:
    status, body, response = call("POST", "/customers", body=customer_body(**change))

    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    assert detail_fields(body) == fields
    assert header(response, "Access-Control-Allow-Origin") == "*"
    assert customers_in_table(dynamodb) == {}
    assert email_claims(dynamodb) == {}


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"a string"', "application/json", 400),
        ("null", "application/json", 400),
        ("", "application/json", 400),
        ("first_name=x", "application/x-www-form-urlencoded", 415),
    ],
)
def test_create_rejects_a_body_that_is_not_a_json_object(
    call: Call, dynamodb: Any, raw: str, content_type: str, status: int
) -> None:
    code, body, _ = call("POST", "/customers", body=raw, headers={"Content-Type": content_type})

    assert code == status
    assert body["error"]["code"] in ("invalid_request", "unsupported_media_type")
    assert customers_in_table(dynamodb) == {}


# ------------------------------------------------------------------------------ get
def test_get_returns_the_customer_as_created(call: Call, create: Create) -> None:
    customer = create(customer_body(date_of_birth="1985-03-14", city="Springfield"))

    assert call("GET", ITEM, customer["customer_id"])[:2] == (200, customer)


@pytest.mark.parametrize(
    "customer_id", ["0b5e7b2c-3f1d-4e8a-9c6b-2d4f8a1e7c90", "not-a-uuid", "x" * 3000, "DROP TABLE"]
)
def test_get_of_an_unknown_or_malformed_id_is_404(call: Call, customer_id: str) -> None:
    status, body, _ = call("GET", ITEM, customer_id)

    assert (status, body["error"]["code"]) == (404, "not_found")


# ------------------------------------------------------------------------------ update
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_changes_only_the_fields_sent(call: Call, create: Create, dynamodb: Any, method: str) -> None:
    customer = create(customer_body(city="Springfield"))

    status, updated, _ = call(
        method, ITEM, customer["customer_id"], body={"lifetime_value": 2000.00, "customer_status": "inactive"}
    )

    assert status == 200
    assert updated == {**customer, "lifetime_value": 2000, "customer_status": "inactive"}
    assert call("GET", ITEM, customer["customer_id"])[1] == updated
    item = customers_in_table(dynamodb)[customer["customer_id"]]
    assert item["lifetime_value"] == {"N": "2000.0"}
    assert item["customer_status"] == {"S": "inactive"}


def test_update_with_null_removes_an_optional_field(call: Call, create: Create, dynamodb: Any) -> None:
    customer = create(customer_body(city="Springfield", phone_number="555-0123"))

    status, updated, _ = call("PUT", ITEM, customer["customer_id"], body={"city": None, "first_name": "Jo"})

    assert status == 200
    assert "city" not in updated
    assert updated["first_name"] == "Jo"
    assert updated["phone_number"] == "555-0123"
    assert "city" not in customers_in_table(dynamodb)[customer["customer_id"]]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_of_an_absent_customer_is_404_and_creates_nothing(
    call: Call, dynamodb: Any, method: str
) -> None:
    missing = str(uuid.uuid4())

    status, body, _ = call(
        method, ITEM, missing, body={"first_name": "Ghost", "email_address": "g@example.com"}
    )
    status_2, _, _ = call(method, ITEM, missing, body={"first_name": "Ghost"})

    assert (status, status_2) == (404, 404)
    assert body["error"]["code"] == "not_found"
    assert customers_in_table(dynamodb) == {}
    assert email_claims(dynamodb) == {}


@pytest.mark.parametrize(
    ("change", "fields"),
    [(change, fields) for change, fields in INVALID_BODIES if change.get("first_name") != ""]
    + [
        ({"first_name": None}, {"first_name"}),
        ({"lifetime_value": None}, {"lifetime_value"}),
        ({}, {"body"}),
    ],
)
def test_update_is_validated_like_create_and_changes_nothing(
    call: Call, create: Create, dynamodb: Any, change: dict[str, Any], fields: set[str]
) -> None:
    customer = create(customer_body())
    before = customers_in_table(dynamodb)

    status, body, _ = call("PATCH", ITEM, customer["customer_id"], body=change)

    assert status == 400
    assert detail_fields(body) == fields
    assert customers_in_table(dynamodb) == before


def test_changing_the_email_moves_its_claim(call: Call, create: Create, dynamodb: Any) -> None:
    customer = create(customer_body(email_address="old@example.com"))

    status, updated, _ = call("PUT", ITEM, customer["customer_id"], body={"email_address": "New@Example.com"})

    assert (status, updated["email_address"]) == (200, "New@Example.com")
    assert email_claims(dynamodb) == {"new@example.com": customer["customer_id"]}
    assert customers_in_table(dynamodb)[customer["customer_id"]]["email_key"] == {"S": "new@example.com"}
    # the old address is free again
    assert call("POST", "/customers", body=customer_body(email_address="old@example.com"))[0] == 201


def test_changing_only_the_case_of_the_email_keeps_its_claim(
    call: Call, create: Create, dynamodb: Any
) -> None:
    customer = create(customer_body(email_address="ann@example.com"))

    status, updated, _ = call(
        "PATCH", ITEM, customer["customer_id"], body={"email_address": "Ann@Example.com"}
    )

    assert (status, updated["email_address"]) == (200, "Ann@Example.com")
    assert email_claims(dynamodb) == {"ann@example.com": customer["customer_id"]}


def test_changing_the_email_to_one_in_use_is_409_and_changes_nothing(
    call: Call, create: Create, dynamodb: Any
) -> None:
    ann = create(customer_body(email_address="ann@example.com"))
    bob = create(customer_body(email_address="bob@example.com"))
    before = (customers_in_table(dynamodb), email_claims(dynamodb))

    status, body, _ = call(
        "PUT", ITEM, bob["customer_id"], body={"email_address": "ANN@example.com", "city": "X"}
    )

    assert status == 409
    assert detail_fields(body) == {"email_address"}
    assert (customers_in_table(dynamodb), email_claims(dynamodb)) == before
    assert email_claims(dynamodb)["ann@example.com"] == ann["customer_id"]


# ------------------------------------------------------------------------------ delete
def test_delete_is_204_with_an_empty_body_and_frees_the_email(
    call: Call, create: Create, dynamodb: Any
) -> None:
    customer = create(customer_body(email_address="gone@example.com"))

    status, body, response = call("DELETE", ITEM, customer["customer_id"])

    assert (status, body) == (204, None)
    assert header(response, "Access-Control-Allow-Origin") == "*"
    assert customers_in_table(dynamodb) == {}
    assert email_claims(dynamodb) == {}
    assert call("DELETE", ITEM, customer["customer_id"])[0] == 404
    assert call("GET", ITEM, customer["customer_id"])[0] == 404
    assert call("POST", "/customers", body=customer_body(email_address="gone@example.com"))[0] == 201


# ------------------------------------------------------------------------------ money
@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (1500.00, "1500.0"),
        (0.1, "0.1"),
        (1234567.89, "1234567.89"),
        (19.99, "19.99"),
        (0.3, "0.3"),
        (42, "42"),
    ],
)
def test_lifetime_value_round_trips_exactly(
    call: Call, create: Create, dynamodb: Any, sent: float, stored: str
) -> None:
    customer = create(customer_body(lifetime_value=sent))
    updated = call("PATCH", ITEM, customer["customer_id"], body={"lifetime_value": sent})[1]
    fetched = call("GET", ITEM, customer["customer_id"])[1]

    assert customer["lifetime_value"] == updated["lifetime_value"] == fetched["lifetime_value"] == sent
    assert repr(fetched["lifetime_value"]) == repr(sent) or fetched["lifetime_value"] == int(sent)
    assert customers_in_table(dynamodb)[customer["customer_id"]]["lifetime_value"] == {"N": stored}


def with_lifetime_value(literal: str) -> str:
    """A create body whose lifetime_value is this JSON number literal, as written."""
    return json.dumps(customer_body()).replace('"lifetime_value": 1500.0', f'"lifetime_value": {literal}')


@pytest.mark.parametrize(
    ("literal", "stored"),
    [
        ("12345678901234567.89", "12345678901234567.89"),
        ("0.1", "0.1"),
        ("1E+2", "1E+2"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        # the same numbers, written in a way boto3's DynamoDB context would round or clamp
        ("1." + "0" * 42, "1"),
        ("1" + "0" * 44, "1E+44"),
        ("0E-999", "0"),
        ("0.000000000000000000000000000000000000000000010", "1.0E-44"),
    ],
)
def test_a_number_is_stored_exactly_as_written(call: Call, dynamodb: Any, literal: str, stored: str) -> None:

    status, customer, _ = call("POST", "/customers", body=with_lifetime_value(literal))

    assert status == 201
    assert customers_in_table(dynamodb)[customer["customer_id"]]["lifetime_value"] == {"N": stored}


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("123456789012345678901234567890123456789", "has more than 38 significant digits"),
        ("1e126", "is outside the range a DynamoDB number can hold"),
        ("1e-131", "is outside the range a DynamoDB number can hold"),
    ],
)
def test_a_number_dynamodb_cannot_hold_is_400(call: Call, dynamodb: Any, literal: str, message: str) -> None:

    status, body, _ = call("POST", "/customers", body=with_lifetime_value(literal))

    assert status == 400
    assert body["error"]["details"] == [{"field": "lifetime_value", "message": message}]
    assert customers_in_table(dynamodb) == {}


@pytest.mark.parametrize(
    "change",
    [
        {"email_address": "ann@example.com\n"},
        {"email_address": "ann@example.com\r"},
        {"email_address": "ann\u0000@example.com"},
        {"phone_number": "555-0123\n"},
        {"phone_number": "555\t0123"},
        {"date_of_birth": "1990-01-01\n"},
        {"customer_acquisition_date": "2024-05-01T09:30:00Z\n"},
    ],
)
def test_a_control_character_is_never_valid_in_an_email_phone_or_date(
    call: Call, dynamodb: Any, change: dict[str, str]
) -> None:
    status, body, _ = call("POST", "/customers", body=customer_body(**change))

    assert status == 400
    assert detail_fields(body) == set(change)
    assert customers_in_table(dynamodb) == {}


def test_a_customer_written_without_the_defaulted_fields_reads_with_their_defaults(
    call: Call, dynamodb: Any
) -> None:
    # an item another writer made: no channels, loyalty flag, status or lifetime value; a channel set
    customer_id = str(uuid.uuid4())
    dynamodb.put_item(
        TableName="customers",
        Item={
            "customer_id": {"S": customer_id},
            "first_name": {"S": "Old"},
            "last_name": {"S": "Record"},
            "email_address": {"S": "old@example.com"},
            "customer_acquisition_date": {"S": "2019-01-01T00:00:00Z"},
            "imported_from": {"S": "legacy-crm"},
        },
    )

    status, customer, _ = call("GET", ITEM, customer_id)

    assert status == 200
    assert customer == {
        "customer_id": customer_id,
        "first_name": "Old",
        "last_name": "Record",
        "email_address": "old@example.com",
        "customer_acquisition_date": "2019-01-01T00:00:00Z",
        "preferred_communication_channels": [],
        "is_loyalty_member": "n",
        "customer_status": "active",
        "lifetime_value": 0,
    }


# ------------------------------------------------------------------------------ list
def test_list_pages_through_every_customer_once(call: Call, create: Create) -> None:
    created = {create(customer_body())["customer_id"] for _ in range(7)}

    seen: list[str] = []
    pages = 0
    query: dict[str, str] = {"limit": "3"}
    while True:
        status, page, _ = call("GET", "/customers", query=query)
        assert status == 200
        pages += 1
        seen += [customer["customer_id"] for customer in page["customers"]]
        if page["next_token"] is None:
            break
        query = {"limit": "3", "next_token": page["next_token"]}

    assert sorted(seen) == sorted(created)
    assert pages == 3  # 3 + 3 + 1: the last full page already says there is no more


def test_list_defaults_to_50_per_page(call: Call, create: Create) -> None:
    for _ in range(51):
        create(customer_body())

    status, page, _ = call("GET", "/customers")

    assert status == 200
    assert len(page["customers"]) == 50
    assert page["next_token"] is not None


def test_an_empty_table_lists_nothing(call: Call) -> None:
    assert call("GET", "/customers")[:2] == (200, {"customers": [], "next_token": None})


def test_list_by_status_uses_the_status_index(call: Call, create: Create) -> None:
    active = {create(customer_body())["customer_id"] for _ in range(4)}
    canceled = {create(customer_body(customer_status="canceled"))["customer_id"] for _ in range(2)}

    first = call("GET", "/customers", query={"status": "active", "limit": "3"})[1]
    second = call(
        "GET", "/customers", query={"status": "active", "limit": "3", "next_token": first["next_token"]}
    )[1]
    only_canceled = call("GET", "/customers", query={"status": "canceled"})[1]

    assert {c["customer_id"] for c in first["customers"] + second["customers"]} == active
    assert second["next_token"] is None
    assert {c["customer_id"] for c in only_canceled["customers"]} == canceled


def test_list_by_email_is_exact_and_case_insensitive(call: Call, create: Create) -> None:
    ann = create(customer_body(email_address="Ann@Example.com", customer_status="inactive"))
    create(customer_body(email_address="anne@example.com"))

    by_email = call("GET", "/customers", query={"email": "ANN@example.COM"})[1]
    with_status = call("GET", "/customers", query={"email": "ann@example.com", "status": "inactive"})[1]
    wrong_status = call("GET", "/customers", query={"email": "ann@example.com", "status": "active"})[1]

    assert by_email == {"customers": [ann], "next_token": None}
    assert with_status == {"customers": [ann], "next_token": None}
    assert wrong_status == {"customers": [], "next_token": None}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "gone"}, "status"),
        ({"email": "not-an-email"}, "email"),
        ({"next_token": "garbage"}, "next_token"),
        ({"next_token": "eyJxIjoxfQ"}, "next_token"),  # base64 JSON of the wrong shape
        ({"next_token": "%%%"}, "next_token"),
        ({"sample": "yes"}, "sample"),
        ({"sample": "1"}, "sample"),
        ({"sample": ""}, "sample"),
    ],
)
def test_invalid_list_parameters_are_400(call: Call, query: dict[str, str], field: str) -> None:
    status, body, _ = call("GET", "/customers", query=query)

    assert status == 400
    assert detail_fields(body) == {field}


def test_a_tampered_or_foreign_next_token_is_400(call: Call, create: Create) -> None:
    for _ in range(3):
        create(customer_body())
    token = call("GET", "/customers", query={"limit": "1"})[1]["next_token"]
    status_token = call("GET", "/customers", query={"limit": "1", "status": "active"})[1]["next_token"]

    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    results = [
        call("GET", "/customers", query={"next_token": tampered})[0],
        call("GET", "/customers", query={"next_token": token, "status": "active"})[0],
        call("GET", "/customers", query={"next_token": status_token})[0],
        call("GET", "/customers", query={"next_token": status_token, "status": "inactive"})[0],
    ]

    assert results == [400, 400, 400, 400]
    assert call("GET", "/customers", query={"next_token": status_token, "status": "active"})[0] == 200


# ------------------------------------------------------------------------------ seed
def test_seed_creates_ten_realistic_customers_once(call: Call, dynamodb: Any) -> None:
    status, seeded, _ = call("POST", "/seed")
    status_2, again, _ = call("POST", "/seed")

    assert status == 201
    assert seeded["created"] == 10
    assert len(seeded["customers"]) == 10
    assert (status_2, again) == (201, {"created": 0, "customers": []})
    assert len(customers_in_table(dynamodb)) == 10
    assert len(email_claims(dynamodb)) == 10
    statuses = {customer["customer_status"] for customer in seeded["customers"]}
    assert statuses == {"active", "inactive", "canceled"}
    for customer in seeded["customers"]:
        assert call("GET", ITEM, customer["customer_id"])[1] == customer


def test_seed_recreates_only_the_samples_that_are_gone(call: Call) -> None:
    seeded = call("POST", "/seed")[1]["customers"]
    call("DELETE", ITEM, seeded[3]["customer_id"])

    status, again, _ = call("POST", "/seed")

    assert status == 201
    assert again["created"] == 1
    assert again["customers"][0]["email_address"] == seeded[3]["email_address"]


def test_following_brief_003_after_seeding_creates_its_example_customer(call: Call) -> None:
    # Given the samples, When brief 003's own "create a customer" example follows (its order)
    call("POST", "/seed")
    example = {
        "first_name": "John",
        "last_name": "Doe",
        "email_address": "john.doe@example.com",
        "phone_number": "555-0123",
        "preferred_communication_channels": ["email", "phone"],
        "is_loyalty_member": "y",
        "lifetime_value": 1500.00,
    }

    status, created, _ = call("POST", "/customers", body=example)

    # Then it is created: no sample uses an address of a brief or the README
    assert status == 201
    assert created["email_address"] == "john.doe@example.com"


# ------------------------------------------------------------------------------ samples
def page_through(call: Call, query: dict[str, str]) -> list[dict[str, Any]]:
    """Every customer of a listing, following next_token."""
    found: list[dict[str, Any]] = []
    token = None
    while True:
        status, page, _ = call(
            "GET", "/customers", query={**query, **({"next_token": token} if token else {})}
        )
        assert status == 200, page
        assert len(page["customers"]) <= int(query.get("limit", "50"))
        found += page["customers"]
        token = page["next_token"]
        if token is None:
            return found


def test_seeded_customers_are_marked_samples_and_others_are_not(
    call: Call, create: Create, dynamodb: Any
) -> None:
    real = create(customer_body())
    seeded = call("POST", "/seed")[1]["customers"]

    assert all(customer["sample"] is True for customer in seeded)
    assert "sample" not in real
    assert call("GET", ITEM, seeded[0]["customer_id"])[1]["sample"] is True
    assert "sample" not in call("GET", ITEM, real["customer_id"])[1]
    stored = customers_in_table(dynamodb)
    assert stored[seeded[0]["customer_id"]]["sample_key"] == {"S": "sample"}  # the sparse index's key
    assert "sample_key" not in stored[real["customer_id"]]
    assert "sample" not in stored[seeded[0]["customer_id"]]


def test_list_filters_samples_in_full_pages(call: Call, create: Create) -> None:
    real = {create(customer_body())["customer_id"] for _ in range(7)}
    samples = {customer["customer_id"] for customer in call("POST", "/seed")[1]["customers"]}

    only_samples = page_through(call, {"sample": "true", "limit": "3"})
    only_real = page_through(call, {"sample": "false", "limit": "2"})
    everyone = page_through(call, {"limit": "4"})

    assert sorted(c["customer_id"] for c in only_samples) == sorted(samples)
    assert sorted(c["customer_id"] for c in only_real) == sorted(real)
    assert len(everyone) == 17
    # a page is full unless it is the last: the filter never hands out short pages
    first_real = call("GET", "/customers", query={"sample": "false", "limit": "5"})[1]
    assert len(first_real["customers"]) == 5


def test_the_sample_filter_combines_with_status_and_email(call: Call, create: Create) -> None:
    mine = create(customer_body(customer_status="canceled"))
    seeded = call("POST", "/seed")[1]["customers"]
    canceled_samples = {c["customer_id"] for c in seeded if c["customer_status"] == "canceled"}

    samples_canceled = page_through(call, {"sample": "true", "status": "canceled"})
    real_canceled = page_through(call, {"sample": "false", "status": "canceled"})
    by_email = call("GET", "/customers", query={"sample": "true", "email": seeded[0]["email_address"]})[1]
    not_sample_email = call(
        "GET", "/customers", query={"sample": "false", "email": seeded[0]["email_address"]}
    )[1]

    assert canceled_samples
    assert {c["customer_id"] for c in samples_canceled} == canceled_samples
    assert [c["customer_id"] for c in real_canceled] == [mine["customer_id"]]
    assert by_email == {"customers": [seeded[0]], "next_token": None}
    assert not_sample_email == {"customers": [], "next_token": None}


def test_a_token_of_one_sample_filter_is_refused_for_another(call: Call, create: Create) -> None:
    call("POST", "/seed")
    token = call("GET", "/customers", query={"sample": "true", "limit": "2"})[1]["next_token"]

    assert call("GET", "/customers", query={"sample": "false", "next_token": token})[0] == 400
    assert call("GET", "/customers", query={"next_token": token})[0] == 400
    assert call("GET", "/customers", query={"sample": "true", "next_token": token})[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_client_cannot_mark_a_customer_a_sample(
    call: Call, create: Create, dynamodb: Any, method: str
) -> None:
    existing = create(customer_body())
    before = customers_in_table(dynamodb)

    if method == "POST":
        status, body, _ = call("POST", "/customers", body=customer_body(sample=True))
    else:
        status, body, _ = call(method, ITEM, existing["customer_id"], body={"sample": True})

    assert status == 400
    assert detail_fields(body) == {"sample"}
    assert customers_in_table(dynamodb) == before
