"""Nothing in flight brings erased data back (SPEC §1.6): a marketing batch whose execution started
before an erasure and stores after it does not store the e-mail again; one started after the erasure
(a new opt-in) does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.privacy.conftest import EMAIL

from patron.marketing.steps import remove_duplicates, store_marketing_interests, validate_data
from patron.marketing.wiring import interests
from patron.privacy.repository import now
from patron_tools.local.lambdas import LambdaContext


def store_batch(started_at: str) -> None:
    """The pipeline's steps, as the state machine calls them, for a batch holding the person; the store
    step gets the execution's start time."""
    batch = [
        {"Name": "Maria", "Email": EMAIL.lower(), "MarketingOptIn": True, "MarketingInterests": ["news"]},
        {"Name": "Ana", "Email": "ana@example.com", "MarketingOptIn": True, "MarketingInterests": ["news"]},
    ]
    context = LambdaContext(function_name="store", memory_limit_in_mb=512, timeout_seconds=10)
    state = remove_duplicates(validate_data(batch, context), context)
    store_marketing_interests({"state": state, "started_at": started_at}, context)


def test_a_batch_started_before_the_erasure_and_stored_after_it_does_not_restore_the_email(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]]
) -> None:
    started_at = now()  # Given a batch with the e-mail, its execution started

    erased = run_request(type="erase", email=EMAIL)  # When the person is erased
    store_batch(started_at)  # and the batch reaches its store step only afterwards

    assert erased["found"]["marketing"] == 1
    assert interests().get(EMAIL.lower()) is None
    assert interests().get("ana@example.com") is not None  # the rest of the batch is stored


def test_a_batch_started_after_the_erasure_stores_the_email_again(
    person: dict[str, str], run_request: Callable[..., dict[str, Any]]
) -> None:
    run_request(type="erase", email=EMAIL)

    store_batch(now())  # a new opt-in after the erasure is the person's new choice

    assert interests().get(EMAIL.lower()) is not None
