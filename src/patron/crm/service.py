"""The crm service's logic: plain functions over a repository, no HTTP, no environment."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from typing import Any

from patron.core import errors
from patron.core.observability import logger
from patron.core.types import normalize_email
from patron.crm.models import (
    CUSTOMER_ID_PATTERN,
    Customer,
    CustomerChanges,
    CustomerPage,
    NewCustomer,
    SeedResult,
)
from patron.crm.repository import NO_SUCH_CUSTOMER, CustomersRepository
from patron.crm.samples import SAMPLE_CUSTOMERS


def create(new: NewCustomer, repository: CustomersRepository, sample: bool = False) -> Customer:
    """Store a new customer under a fresh UUID v4; `sample` marks one of `POST /seed`'s (no client sets it)."""
    customer = Customer(customer_id=str(uuid.uuid4()), sample=sample, **new.model_dump())
    repository.create(customer)
    logger.info("customer created", extra={"customer_id": customer.customer_id})
    return customer


def get(customer_id: str, repository: CustomersRepository) -> Customer:
    customer = repository.get(customer_id) if _well_formed(customer_id) else None
    if customer is None:
        raise errors.NotFound(NO_SUCH_CUSTOMER)
    return customer


def update(customer_id: str, changes: CustomerChanges, repository: CustomersRepository) -> Customer:
    """A partial update: only the fields sent change; `null` removes an optional field. Never creates."""
    if not changes:
        raise errors.Invalid(
            "The body must contain at least one field to change.",
            [{"field": "body", "message": "no field to change"}],
        )
    if not _well_formed(customer_id):
        raise errors.NotFound(NO_SUCH_CUSTOMER)
    values: dict[str, Any] = {name: value for name, value in changes.items() if value is not None}
    removals = {name for name, value in changes.items() if value is None}
    if "email_address" not in values:
        customer = repository.update(customer_id, values, removals)
    else:
        current = get(customer_id, repository)
        old_key = normalize_email(current.email_address)
        if normalize_email(values["email_address"]) == old_key:
            customer = repository.update(customer_id, values, removals, expected_email_key=old_key)
        else:
            customer = repository.update_with_new_email(customer_id, values, removals, old_key)
    logger.info("customer updated", extra={"customer_id": customer_id, "fields": sorted(changes)})
    return customer


def delete(customer_id: str, repository: CustomersRepository) -> None:
    customer = get(customer_id, repository)
    repository.delete(customer_id, normalize_email(customer.email_address))
    logger.info("customer deleted", extra={"customer_id": customer_id})


def list_customers(
    repository: CustomersRepository,
    limit: int,
    next_token: str | None = None,
    status: str | None = None,
    email: str | None = None,
    sample: bool | None = None,
) -> CustomerPage:
    """A page of at most `limit` customers, optionally only those with `status`, with `email` (any
    case) and samples of `POST /seed` or not (`sample`); `next_token` continues the same query."""
    email_key = normalize_email(email) if email is not None else None
    query = _query_fingerprint(status, email_key, sample)
    after = _decode_token(next_token, query) if next_token else None
    customers, last = repository.page(limit, after, status=status, email_key=email_key, sample=sample)
    return CustomerPage(customers=customers, next_token=_encode_token(last, query) if last else None)


def seed(repository: CustomersRepository) -> SeedResult:
    """Create the sample customers that do not exist yet (by e-mail): a second call creates none."""
    created = []
    for sample in SAMPLE_CUSTOMERS:
        try:
            created.append(create(NewCustomer.model_validate(sample), repository, sample=True))
        except errors.Conflict:
            continue  # this sample's e-mail is taken: it was seeded before
    logger.info("customers seeded", extra={"customers_created": len(created)})
    return SeedResult(created=len(created), customers=created)


# ------------------------------------------------------------------------------ pagination tokens
# A token is opaque to clients: base64url of {"q": <which query>, "after": <customer id>}. It is bound to
# its query (a token of ?status=active is refused for ?status=inactive) and checked strictly, so a
# tampered token is a 400 and never reaches DynamoDB as a malformed key.
INVALID_TOKEN = [{"field": "next_token", "message": "is not a token this listing returned"}]


def _query_fingerprint(status: str | None, email_key: str | None, sample: bool | None = None) -> str:
    samples = "" if sample is None else f"\nsample={sample}"  # a query without it keeps its old tokens
    return hashlib.sha256(f"{status or ''}\n{email_key or ''}{samples}".encode()).hexdigest()[:16]


def _encode_token(after: str, query: str) -> str:
    raw = json.dumps({"q": query, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, query: str) -> str:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise errors.Invalid("The next_token is not valid.", INVALID_TOKEN) from None
    if not isinstance(decoded, dict) or set(decoded) != {"q", "after"} or decoded["q"] != query:
        raise errors.Invalid("The next_token is not valid for this query.", INVALID_TOKEN)
    after = decoded["after"]
    if not isinstance(after, str) or not _well_formed(after):
        raise errors.Invalid("The next_token is not valid.", INVALID_TOKEN)
    return after


def _well_formed(customer_id: str) -> bool:
    return re.fullmatch(CUSTOMER_ID_PATTERN, customer_id) is not None
