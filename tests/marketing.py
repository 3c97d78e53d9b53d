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

# what GET /executions/{name} answers for BRIEF_EXAMPLE: Jane stored, John's later opt-out wins (SPEC §1.4)
BRIEF_EXAMPLE_SUMMARY: dict[str, Any] = {
    "received": 3,
    "valid": 3,
    "rejected": [],
    "rejected_count": 0,
    "rejected_report_url": None,
    "duplicates_removed": 1,
    "stored": 1,
    "opted_out": 1,
}


def make_record(index: int, **overrides: Any) -> dict[str, Any]:
    return {
        "Name": f"Customer {index}",
        "Email": f"customer{index}@example.com",
        "MarketingOptIn": True,
        "MarketingInterests": ["newsletters"],
        **overrides,
    }
