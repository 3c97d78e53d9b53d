"""crm's part of a privacy request (SPEC §1.6): the customers with the person's e-mail (by the e-mail
index, never a scan) or with the given customer id; an erase deletes each customer together with its
e-mail claim, in one transaction per customer."""

from __future__ import annotations

import contextlib
from typing import Any

from patron.core import errors
from patron.core.types import normalize_email
from patron.crm.models import Customer
from patron.crm.repository import CustomersRepository
from patron.crm.wiring import repository
from patron.privacy.models import Subject
from patron.privacy.steps import privacy_task


def find(subject: Subject, repo: CustomersRepository) -> list[Customer]:
    """At most one customer per e-mail (the claim table guarantees it), plus the one with the id."""
    customers: dict[str, Customer] = {}
    if subject.email is not None:
        found, _ = repo.page(limit=10, after=None, email_key=normalize_email(subject.email))
        customers |= {customer.customer_id: customer for customer in found}
    if subject.customer_id is not None and (customer := repo.get(subject.customer_id)) is not None:
        customers[customer.customer_id] = customer
    return list(customers.values())


def part(subject: Subject, request_type: str, started_at: str) -> list[dict[str, Any]]:
    repo = repository()
    customers = find(subject, repo)
    if request_type == "erase":
        for customer in customers:
            with contextlib.suppress(errors.NotFound):  # deleted meanwhile: erased all the same
                repo.delete(customer.customer_id, normalize_email(customer.email_address))
    return [customer.model_dump(mode="json") for customer in customers]


handler = privacy_task("crm", part)
