"""The field rules of SPEC §1.2, table-driven: each valid value is accepted as sent, each invalid one is
rejected with an error located at its field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from tests.customers import customer_body

from patron.core.types import normalize_email
from patron.crm.models import Customer, CustomerChanges, NewCustomer

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
changes = TypeAdapter(CustomerChanges)

VALID = [
    ("first_name", "J"),
    ("first_name", "x" * 100),
    ("first_name", "Jean-Luc O'Neil"),
    ("last_name", "Doe"),
    ("email_address", "john.doe@example.com"),
    ("email_address", "John.Doe+crm@Mail.Example.co.uk"),
    ("email_address", "a_b-c@sub-domain.example.io"),
    ("phone_number", "555-0123"),
    ("phone_number", "+1 (555) 012-3456"),
    ("phone_number", "555.0123"),
    ("phone_number", "123"),
    ("phone_number", "1" * 32),
    ("date_of_birth", "1985-03-14"),
    ("date_of_birth", "2000-02-29"),
    ("date_of_birth", date.today().isoformat()),
    ("address", ""),
    ("address", "x" * 200),
    ("city", "São Paulo"),
    ("state", "IL"),
    ("postal_code", "62701-1234"),
    ("customer_acquisition_date", "2024-01-15T10:30:00Z"),
    ("customer_acquisition_date", "2024-01-15T10:30:00.123456+05:30"),
    ("customer_acquisition_date", "2024-01-15T10:30:00"),
    ("customer_acquisition_date", "2024-01-15T10:30Z"),
    ("preferred_communication_channels", []),
    ("preferred_communication_channels", ["email", "text", "phone"]),
    ("preferred_communication_channels", ["phone"]),
    ("is_loyalty_member", "y"),
    ("is_loyalty_member", "n"),
    ("customer_status", "active"),
    ("customer_status", "inactive"),
    ("customer_status", "canceled"),
    ("lifetime_value", 0),
    ("lifetime_value", 1500.00),
    ("lifetime_value", 0.1),
    ("lifetime_value", 1234567.89),
    ("lifetime_value", 10**30),
]

INVALID = [
    ("first_name", ""),
    ("first_name", "   "),
    ("first_name", "x" * 101),
    ("first_name", 5),
    ("first_name", None),
    ("last_name", ""),
    ("last_name", ["Doe"]),
    ("email_address", "not-an-email"),
    ("email_address", "john@"),
    ("email_address", "@example.com"),
    ("email_address", "john@example"),
    ("email_address", "john doe@example.com"),
    ("email_address", "john..doe@example.com"),
    ("email_address", "john@exa_mple.com"),
    ("email_address", "x" * 65 + "@example.com"),
    ("email_address", "a@" + "b" * 250 + ".com"),
    ("email_address", None),
    ("phone_number", "12"),
    ("phone_number", "1" * 33),
    ("phone_number", "555-CALL-NOW"),
    ("phone_number", "---"),
    ("phone_number", 5550123),
    ("date_of_birth", "1985-3-14"),
    ("date_of_birth", "14/03/1985"),
    ("date_of_birth", "1985-02-30"),
    ("date_of_birth", "1985-13-01"),
    ("date_of_birth", TOMORROW),
    ("date_of_birth", "1985-03-14T00:00:00"),
    ("date_of_birth", 19850314),
    ("address", "x" * 201),
    ("city", "x" * 201),
    ("state", 12),
    ("postal_code", "x" * 201),
    ("customer_acquisition_date", "2024-01-15"),
    ("customer_acquisition_date", "yesterday"),
    ("customer_acquisition_date", "2024-13-15T10:30:00Z"),
    ("customer_acquisition_date", "2024-01-15T25:30:00Z"),
    ("customer_acquisition_date", 1705314600),
    ("customer_acquisition_date", None),
    ("preferred_communication_channels", ["fax"]),
    ("preferred_communication_channels", ["email", "email"]),
    ("preferred_communication_channels", "email"),
    ("preferred_communication_channels", None),
    ("is_loyalty_member", "yes"),
    ("is_loyalty_member", "Y"),
    ("is_loyalty_member", True),
    ("is_loyalty_member", None),
    ("customer_status", "deleted"),
    ("customer_status", "Active"),
    ("customer_status", None),
    ("lifetime_value", -0.01),
    ("lifetime_value", "1500"),
    ("lifetime_value", True),
    ("lifetime_value", float("nan")),
    ("lifetime_value", float("inf")),
    ("lifetime_value", 1e200),
    ("lifetime_value", 1e-200),
    ("lifetime_value", int("1" * 39)),  # DynamoDB keeps 38 significant digits
    ("lifetime_value", None),
]


def error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(str(part) for part in error["loc"][:1]) for error in exc.value.errors()}


@pytest.mark.parametrize(("field", "value"), VALID)
def test_valid_values_are_accepted_on_create_and_update(field: str, value: Any) -> None:
    created = NewCustomer.model_validate(customer_body(**{field: value}))
    changed = changes.validate_python({field: value})

    assert created.model_dump(mode="json")[field] == value
    assert TypeAdapter(CustomerChanges).dump_python(changed, mode="json") == {field: value}


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_invalid_values_are_rejected_at_their_field_on_create(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        NewCustomer.model_validate(customer_body(**{field: value}))

    assert error_fields(exc) == {field}


@pytest.mark.parametrize(
    ("field", "value"),
    [(f, v) for f, v in INVALID if v is not None or f in ("first_name", "last_name", "email_address")],
)
def test_invalid_values_are_rejected_at_their_field_on_update(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        changes.validate_python({field: value})

    assert error_fields(exc) == {field}


@pytest.mark.parametrize("field", ["first_name", "last_name", "email_address"])
def test_required_fields_are_required_on_create(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        NewCustomer.model_validate(customer_body(**{field: ...}))

    assert error_fields(exc) == {field}
    assert exc.value.errors()[0]["type"] == "missing"


@pytest.mark.parametrize("field", ["customer_id", "name", "email", "created_at", "lifetimeValue"])
def test_unknown_fields_and_customer_id_are_rejected_not_dropped(field: str) -> None:
    with pytest.raises(ValidationError) as create_exc:
        NewCustomer.model_validate(customer_body(**{field: "x"}))
    with pytest.raises(ValidationError) as update_exc:
        changes.validate_python({field: "x"})

    assert error_fields(create_exc) == error_fields(update_exc) == {field}


def test_defaults_on_create() -> None:
    before = datetime.now(UTC).replace(microsecond=0)

    customer = NewCustomer.model_validate(
        {"first_name": "Ann", "last_name": "Lee", "email_address": "ann@example.com"}
    )

    assert customer.preferred_communication_channels == []
    assert customer.is_loyalty_member == "n"
    assert customer.customer_status == "active"
    assert customer.lifetime_value == 0
    assert customer.phone_number is None
    assert customer.date_of_birth is None
    assert customer.address is None
    acquired = datetime.fromisoformat(customer.customer_acquisition_date)
    assert acquired.tzinfo is not None
    assert before <= acquired <= datetime.now(UTC)


@pytest.mark.parametrize(
    "field", ["phone_number", "date_of_birth", "address", "city", "state", "postal_code"]
)
def test_null_removes_an_optional_field_on_update(field: str) -> None:
    assert changes.validate_python({field: None}) == {field: None}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(1500.00, "1500.0"), (0.1, "0.1"), (1234567.89, "1234567.89"), (19.99, "19.99"), (0, "0"), (7, "7")],
)
def test_money_is_the_exact_decimal_that_was_sent_and_goes_back_as_that_number(
    sent: Any, stored: str
) -> None:
    customer = Customer.model_validate(
        {**NewCustomer.model_validate(customer_body(lifetime_value=sent)).model_dump(), "customer_id": "c"}
    )

    assert customer.lifetime_value == Decimal(stored)
    assert str(customer.lifetime_value) == stored
    assert customer.model_dump(mode="json")["lifetime_value"] == sent
    assert type(customer.model_dump(mode="json")["lifetime_value"]) is (
        int if Decimal(stored) % 1 == 0 else float
    )


def test_absent_optional_fields_are_absent_from_the_customer_not_null() -> None:
    new = NewCustomer.model_validate({"first_name": "A", "last_name": "B", "email_address": "a@example.com"})

    dumped = Customer(customer_id="c", **new.model_dump()).model_dump(mode="json")

    assert set(dumped) == {
        "customer_id",
        "first_name",
        "last_name",
        "email_address",
        "customer_acquisition_date",
        "preferred_communication_channels",
        "is_loyalty_member",
        "customer_status",
        "lifetime_value",
    }


def test_emails_compare_case_insensitively() -> None:
    assert normalize_email("John.Doe@Example.COM") == normalize_email("john.doe@example.com")
