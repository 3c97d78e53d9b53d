"""Workarounds for gaps of the pinned moto, each guarded by the version it was checked against
(tests/unit/local/test_moto_patches.py proves each one is still needed and still works)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

CHECKED_MOTO_VERSION = "5.2.5"


class MotoVersionError(RuntimeError):
    pass


def require_checked_moto() -> None:
    installed = version("moto")
    if installed != CHECKED_MOTO_VERSION:
        raise MotoVersionError(
            f"the local cloud's moto workarounds were checked against moto {CHECKED_MOTO_VERSION}, "
            f"found {installed}: re-check src/patron/local/moto_patches.py before changing the pin"
        )


_dynamodb_lock = threading.RLock()


def serialize_dynamodb_requests() -> None:
    """moto's DynamoDB backend checks a ConditionExpression and then writes, with no lock between:
    two threads can both pass `attribute_not_exists` (48 concurrent PUTs of one id created it
    twice). DynamoDB itself applies each request atomically, so requests are serialized here."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = DynamoHandler.call_action
    if getattr(original, "patron_serialized", False):
        return

    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    call_action.patron_serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


# botocore ≥ 1.40 sends DynamoDB Streams calls that carry a stream ARN to the account-based endpoint
# (https://<account>.streams-ddb.<region>.amazonaws.com), which moto 5.2.5 does not route; the regional
# endpoint that moto does route is passed explicitly by the local cloud's stream readers.
DYNAMODB_STREAMS_ENDPOINT = "https://streams.dynamodb.us-east-1.amazonaws.com"


def apply_all() -> None:
    require_checked_moto()
    serialize_dynamodb_requests()
