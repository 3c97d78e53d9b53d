"""Lambda handlers for the SQS poller tests: they record what they receive and fail on demand."""

from __future__ import annotations

from typing import Any

received: list[list[dict[str, Any]]] = []
fail_bodies: set[str] = set()  # records with one of these bodies are reported as failures
crash: list[bool] = [False]  # when set, every invocation raises
respond: list[Any] = []  # when set, returned as is instead of the computed response


def handle(event: dict[str, Any], context: Any) -> Any:
    received.append(event["Records"])
    if crash[0]:
        raise RuntimeError("injected crash")
    if respond:
        return respond[0]
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in fail_bodies
        ]
    }


def reset() -> None:
    received.clear()
    fail_bodies.clear()
    crash[0] = False
    respond.clear()
