"""Customer bodies for crm tests: valid by default, each with an e-mail of its own."""

from __future__ import annotations

import uuid
from typing import Any


def customer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "John",
        "last_name": "Doe",
        "email_address": f"john.doe.{uuid.uuid4().hex[:12]}@example.com",
        "phone_number": "555-0123",
        "preferred_communication_channels": ["email", "phone"],
        "is_loyalty_member": "y",
        "lifetime_value": 1500.00,
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}
