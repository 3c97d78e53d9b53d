"""Lambda entry points of the crm API. Every function of the API runs this module; API Gateway
routes each function only its own route."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.api import ErrorResponse, PatronResolver, documented, ok
from patron.core.idempotency import IdempotencyKey, once
from patron.core.observability import logger, metrics
from patron.core.types import Email
from patron.crm import service
from patron.crm.models import (
    Customer,
    CustomerChanges,
    CustomerPage,
    CustomerStatus,
    NewCustomer,
    SeedResult,
)
from patron.crm.wiring import repository

app = PatronResolver(methods=["DELETE", "GET", "PATCH", "POST", "PUT"])

CustomerIdPath = Annotated[str, Path(description="The customer's id (UUID v4)")]
Changes = Annotated[
    CustomerChanges,
    Body(description="Only the fields to change, validated as on create; null removes an optional field"),
]


CUSTOMER = {200: documented("The customer", Customer)}
NOT_FOUND = {404: documented("No customer with this id", ErrorResponse)}
CONFLICT = {409: documented("The e-mail address is used by another customer", ErrorResponse)}


@app.get("/customers", summary="List customers, a page at a time")
def list_customers(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 50,
    next_token: Annotated[str | None, Query(description="The next_token of the previous page")] = None,
    status: Annotated[CustomerStatus | None, Query(description="Only customers with this status")] = None,
    email: Annotated[Email | None, Query(description="Only the customer with this e-mail (any case)")] = None,
    sample: Annotated[
        Literal["true", "false"] | None,
        Query(description="true: only the sample customers of POST /seed; false: only the others"),
    ] = None,
) -> CustomerPage:
    samples = None if sample is None else sample == "true"
    return service.list_customers(repository(), limit, next_token or None, status, email, samples)


@app.post(
    "/customers",
    summary="Create a customer",
    responses={
        201: documented("Created", Customer),
        409: documented(
            "The e-mail address is used by another customer, or the Idempotency-Key was used with another "
            "body or its first request is still running",
            ErrorResponse,
        ),
    },
)
def create_customer(customer: NewCustomer, idempotency_key: IdempotencyKey = None) -> Response[Customer]:
    def create() -> Customer:
        created = service.create(customer, repository())
        metrics.add_metric(name="CustomersCreated", unit="Count", value=1)
        return created

    return ok(once("crm.create_customer", idempotency_key, app, customer, create), 201)


@app.get("/customers/<customer_id>", summary="Get a customer", responses={**CUSTOMER, **NOT_FOUND})
def get_customer(customer_id: CustomerIdPath) -> Customer:
    return service.get(customer_id, repository())


@app.route(
    "/customers/<customer_id>",
    method=["PUT", "PATCH"],
    summary="Update some fields of a customer (never creates one); PATCH is a synonym of PUT",
    responses={**CUSTOMER, **NOT_FOUND, **CONFLICT},
)
def update_customer(customer_id: CustomerIdPath, changes: Changes) -> Customer:
    updated = service.update(customer_id, changes, repository())
    metrics.add_metric(name="CustomersUpdated", unit="Count", value=1)
    return updated


@app.delete(
    "/customers/<customer_id>",
    summary="Delete a customer",
    responses={204: {"description": "Deleted"}, **NOT_FOUND},
)
def delete_customer(customer_id: CustomerIdPath) -> Response[None]:
    service.delete(customer_id, repository())
    metrics.add_metric(name="CustomersDeleted", unit="Count", value=1)
    return Response(status_code=204)


@app.post(
    "/seed",
    summary="Create the 10 sample customers that do not exist yet",
    responses={201: documented("Seeded (created is 0 once every sample exists)", SeedResult)},
)
def seed() -> Response[SeedResult]:
    result = service.seed(repository())
    metrics.add_metric(name="CustomersCreated", unit="Count", value=result.created)
    return ok(result, status=201)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
