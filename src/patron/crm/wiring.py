"""The crm service's cached builders: settings → client → repository (core.aws.reset() clears them)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.crm.repository import CustomersRepository


@aws.wired
def repository() -> CustomersRepository:
    return CustomersRepository(
        aws.client("dynamodb"), settings().CUSTOMERS_TABLE, settings().CUSTOMER_EMAILS_TABLE
    )
