"""The ids service's cached builders: settings → client → repository (core.aws.reset() clears them)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.ids.repository import CustomerEvents, CustomersWorkflow, IdsRepository


@aws.wired
def repository() -> IdsRepository:
    return IdsRepository(aws.client("dynamodb"), settings().CUSTOMER_IDS_TABLE)


@aws.wired
def workflow() -> CustomersWorkflow:
    return CustomersWorkflow(aws.client("stepfunctions"), settings().CUSTOMERS_WORKFLOW_ARN)


@aws.wired
def events() -> CustomerEvents:
    return CustomerEvents(aws.client("events"), settings().EVENT_BUS_NAME)
