"""Lambda handlers for local-cloud tests: they record what they receive and fail on demand."""

from __future__ import annotations

from typing import Any

received: list[list[dict[str, Any]]] = []
fail_keys: set[str] = set()  # records whose key is here fail (reported per item)
crash_times: list[int] = [0]  # the next N invocations raise


def key_of(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["id"]["S"])


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    received.append(event["Records"])
    if crash_times[0] > 0:
        crash_times[0] -= 1
        raise RuntimeError("injected crash")
    failures = [
        {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
        for r in event["Records"]
        if key_of(r) in fail_keys
    ]
    return {"batchItemFailures": failures}


def reset() -> None:
    received.clear()
    fail_keys.clear()
    crash_times[0] = 0
