"""A Lambda handler for EventBridge tests: records the events it receives."""

from __future__ import annotations

from typing import Any

received: list[Any] = []


def handle(event: Any, context: Any) -> None:
    received.append(event)
