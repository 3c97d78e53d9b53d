"""Idempotent creates: a request retried with the same `Idempotency-Key` header gets the first answer and
creates nothing more (Powertools' idempotency utility on a DynamoDB table whose items expire by TTL).

The key is scoped to the route and to the API key that sent it, so two clients never share a key. The
request body is part of the record (`payload_validation_jmespath`): the same key with another body is a
409, and so is a request made while the first one with that key is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel

from patron.core import aws
from patron.core.errors import Conflict
from patron.core.settings import settings

# A day: long enough for any client's retries, short enough that the table stays small (TTL deletes it).
EXPIRES_AFTER_SECONDS = 24 * 60 * 60

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",  # pydantic-core (Rust regex): $ is the end of the text
        description="Any unique string (e.g. a UUID) of 1-255 visible ASCII characters. A retry with the "
        "same key and body returns the first answer and creates nothing; the same key with another body, "
        "or while the first request is still running, is a 409. Keys are kept for 24 hours.",
    ),
]


@aws.wired
def _store() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings().IDEMPOTENCY_TABLE, boto3_client=aws.client("dynamodb")
    )


@aws.wired
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        raise_on_no_idempotency_key=True,
    )


def once(
    route: str,
    key: str | None,
    app: APIGatewayRestResolver,
    request: BaseModel,
    create: Callable[[], BaseModel],
) -> Any:
    """Run `create()` once per (`route`, the API key of `app`'s current request, `key`) and answer its
    result as JSON (the model dumped in JSON mode). A later call with the same three and an equal
    `request` (the fields the client sent) answers the stored result without running `create`. Without
    a key it just runs. Raises Conflict (409) for the same key with a different request, or while the
    first call with it is still running."""
    if key is None:
        return create().model_dump(mode="json")
    identity = app.current_event.raw_event.get("requestContext", {}).get("identity", {})
    _config().register_lambda_context(app.lambda_context)  # an in-progress record expires with the invocation
    caller = identity.get("apiKeyId") or identity.get("apiKey") or ""

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="call", persistence_store=_store(), config=_config(), key_prefix=route
    )
    def run(call: dict[str, Any]) -> Any:
        return create().model_dump(mode="json")

    try:
        # the fields the client sent, not the defaults filled in on parsing (a creation time would make
        # every retry a second later "another body")
        sent = request.model_dump(mode="json", exclude_unset=True)
        return run(call={"key": [caller, key], "body": sent})
    except IdempotencyValidationError:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body; "
            "send a new key for a new request."
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress; retry once it has completed."
        ) from None
