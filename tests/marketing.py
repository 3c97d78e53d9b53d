"""Marketing test data: the brief's example batch and a factory for records."""

from __future__ import annotations

from typing import Any

BRIEF_EXAMPLE: list[dict[str, Any]] = [
    {
        "Name": "John Doe",
        "Email": "johndoe@example.com",
        "MarketingOptIn": True,
        "MarketingInterests": ["product updates", "promotions", "newsletters"],
    },
    {
        "Name": "Jane Doe",
        "Email": "janedoe@example.com",
        "MarketingOptIn": True,
        "MarketingInterests": ["product updates", "newsletters"],
    },
    {
        "Name": "John Doe",
        "Email": "johndoe@example.com",
        "MarketingOptIn": False,
        "MarketingInterests": ["promotions"],
    },
]


def make_record(index: int, **overrides: Any) -> dict[str, Any]:
    return {
        "Name": f"Customer {index}",
        "Email": f"customer{index}@example.com",
        "MarketingOptIn": True,
        "MarketingInterests": ["newsletters"],
        **overrides,
    }
