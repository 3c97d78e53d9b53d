"""Models of the crm service (SPEC §1.2): the field rules as reusable types, the create and update
bodies (unknown fields are errors), the customer as returned, and the list page."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Clamped, Context, Decimal, DecimalException, Inexact, Overflow, Rounded, Underflow
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs this TypedDict on Python < 3.12

from patron.core.types import Email

# ------------------------------------------------------------------------------ field rules
PHONE_PATTERN = r"^[0-9 +().-]*[0-9][0-9 +().-]*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# ISO 8601 date and time (RFC 3339 profile): seconds and fractions optional, zone optional
DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
# DynamoDB numbers: at most 38 significant digits, magnitude in [1E-130, 1E+126)
MAX_LIFETIME_VALUE = Decimal("1E126")
MIN_POSITIVE_LIFETIME_VALUE = Decimal("1E-130")
# the context boto3 serializes DynamoDB numbers with (boto3.dynamodb.types.DYNAMODB_CONTEXT): a number it
# would round or clamp is refused by boto3 before the request is made
DYNAMODB_NUMBERS = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)
EXACT = Context(prec=38, Emin=-999999, Emax=999999, traps=[Inexact])


def _invalid(message: str) -> PydanticCustomError:
    """A validation error whose message is exactly `message` (a ValueError would get "Value error, ")."""
    return PydanticCustomError("invalid_value", message)


def _matching(pattern: str, message: str) -> AfterValidator:
    """A pattern check whose error says what is wrong in words rather than quoting the pattern."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):  # the whole value: `$` also matches before a final newline
            raise _invalid(message)
        return value

    return AfterValidator(check)


def _past_date(value: str) -> str:
    if not re.fullmatch(DATE_PATTERN, value):
        raise _invalid("must be a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _invalid("is not a real date") from None
    if day > datetime.now(UTC).date():
        raise _invalid("must not be in the future")
    return value


def _date_time(value: str) -> str:
    if not re.fullmatch(DATE_TIME_PATTERN, value):
        raise _invalid("must be an ISO 8601 date and time, e.g. 2024-05-01T09:30:00Z")
    try:
        datetime.fromisoformat(value.upper())  # the pattern allows a lower-case "t" and "z"
    except ValueError:
        raise _invalid("is not a real date and time") from None
    return value


def _json_number(value: Any) -> Any:
    """A JSON number only (no strings, no booleans), made an exact Decimal: a float becomes the decimal
    it was written as (repr), so 0.1 is stored as 0.1, not 0.1000000000000000055…"""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _invalid("must be a JSON number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid("must be a finite number")
        return Decimal(repr(value))
    return Decimal(value)


def _storable(value: Decimal) -> Decimal:
    """A number DynamoDB can hold, kept as written when boto3's DynamoDB context takes it as is (so
    `1500.0` stays `1500.0`); otherwise the same number written shorter (`1.000…0` with 40 zeros is `1`,
    `0E-999` is `0`, a 1 with 44 zeros is `1E+44`)."""
    if value >= MAX_LIFETIME_VALUE or Decimal(0) < value < MIN_POSITIVE_LIFETIME_VALUE:
        raise _invalid("is outside the range a DynamoDB number can hold")
    if len("".join(map(str, value.as_tuple().digits)).strip("0")) > 38:
        raise _invalid("has more than 38 significant digits")
    try:
        return DYNAMODB_NUMBERS.create_decimal(value)
    except DecimalException:
        shorter = value.normalize(EXACT)  # exact: at most 38 significant digits, checked above
        if shorter == shorter.to_integral_value() and shorter.adjusted() < 38:
            shorter = shorter.quantize(Decimal(1), context=EXACT)
        return DYNAMODB_NUMBERS.create_decimal(shorter)


def _to_json_number(value: Decimal) -> int | float:
    """An integral value is a JSON integer (exact at any size), anything else the float it came from."""
    return int(value) if value == value.to_integral_value() else float(value)


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    _matching(r"\s*\S[\s\S]*", "must not be blank"),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"}),
]
Phone = Annotated[
    str,
    StringConstraints(min_length=3, max_length=32),
    _matching(PHONE_PATTERN, "must be digits, spaces and + ( ) - . only, with at least one digit"),
    WithJsonSchema({"type": "string", "minLength": 3, "maxLength": 32, "pattern": PHONE_PATTERN}),
]
DateOfBirth = Annotated[
    str,
    AfterValidator(_past_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD, not in the future"}),
]
AddressPart = Annotated[str, StringConstraints(max_length=200)]
DateTime = Annotated[
    str,
    AfterValidator(_date_time),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601 date and time"}),
]
Channel = Literal["email", "text", "phone"]
Channels = Annotated[list[Channel], Field(max_length=3, json_schema_extra={"uniqueItems": True})]
LoyaltyFlag = Literal["y", "n"]
CustomerStatus = Literal["active", "inactive", "canceled"]
Money = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    AfterValidator(_storable),
    PlainSerializer(_to_json_number, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0}),
    Field(ge=0),
]
CUSTOMER_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


def _unique(channels: list[str]) -> list[str]:
    if len(set(channels)) != len(channels):
        raise _invalid("must not repeat a channel")
    return channels


UniqueChannels = Annotated[Channels, AfterValidator(_unique)]


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# ------------------------------------------------------------------------------ request bodies
class NewCustomer(BaseModel):
    """The body of `POST /customers`. `customer_id` is assigned by the server."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name
    last_name: Name
    email_address: Email
    phone_number: Phone | None = None
    date_of_birth: DateOfBirth | None = None
    address: AddressPart | None = None
    city: AddressPart | None = None
    state: AddressPart | None = None
    postal_code: AddressPart | None = None
    customer_acquisition_date: DateTime = Field(default_factory=now_utc)
    preferred_communication_channels: UniqueChannels = Field(default_factory=list)
    is_loyalty_member: LoyaltyFlag = "n"
    customer_status: CustomerStatus = "active"
    lifetime_value: Money = Decimal(0)


class CustomerChanges(TypedDict, total=False):
    """The body of `PUT`/`PATCH /customers/{customer_id}`: only the fields to change, each validated as
    on create. `null` removes an optional field; the others cannot be null."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    first_name: Name
    last_name: Name
    email_address: Email
    phone_number: NotRequired[Phone | None]
    date_of_birth: NotRequired[DateOfBirth | None]
    address: NotRequired[AddressPart | None]
    city: NotRequired[AddressPart | None]
    state: NotRequired[AddressPart | None]
    postal_code: NotRequired[AddressPart | None]
    customer_acquisition_date: DateTime
    preferred_communication_channels: UniqueChannels
    is_loyalty_member: LoyaltyFlag
    customer_status: CustomerStatus
    lifetime_value: Money


# ------------------------------------------------------------------------------ responses
def _absent(value: Any) -> bool:
    return value is None


class Customer(BaseModel):
    """A customer as stored and returned. Optional fields that are not set are absent, not null. An item
    another writer made without the fields that have a default on create reads with those defaults."""

    customer_id: Annotated[str, Field(description="UUID v4, assigned by the server")]
    first_name: str
    last_name: str
    email_address: str
    phone_number: str | None = Field(default=None, exclude_if=_absent)
    date_of_birth: str | None = Field(default=None, exclude_if=_absent)
    address: str | None = Field(default=None, exclude_if=_absent)
    city: str | None = Field(default=None, exclude_if=_absent)
    state: str | None = Field(default=None, exclude_if=_absent)
    postal_code: str | None = Field(default=None, exclude_if=_absent)
    customer_acquisition_date: str
    preferred_communication_channels: list[Channel] = Field(default_factory=list)
    is_loyalty_member: LoyaltyFlag = "n"
    customer_status: CustomerStatus = "active"
    lifetime_value: Money = Decimal(0)
    sample: bool = Field(
        default=False,
        exclude_if=lambda value: not value,
        description="true on the sample customers of POST /seed, absent on the others; read-only (a client "
        "cannot set it) and filterable with GET /customers?sample=true|false",
        json_schema_extra={"readOnly": True},
    )


class CustomerPage(BaseModel):
    customers: list[Customer]
    next_token: str | None = Field(description="Pass as ?next_token= for the next page; null on the last")


class SeedResult(BaseModel):
    created: int = Field(description="How many sample customers this call created (0 once seeded)")
    customers: list[Customer]
