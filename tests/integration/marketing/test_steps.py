"""The three Step Functions tasks chained as the state machine chains them, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.marketing import BRIEF_EXAMPLE, BRIEF_EXAMPLE_SUMMARY, make_record

from patron.marketing import steps
from patron.marketing.service import InvalidBatch

STARTED_AT = "2026-11-30T10:00:00.000Z"  # the execution's start, as the state machine passes it


def run_pipeline(batch: Any, context: Any) -> Any:
    state = steps.validate_data(batch, context)
    state = steps.remove_duplicates(state, context)
    return steps.store_marketing_interests({"state": state, "started_at": STARTED_AT}, context)


def item(dynamodb: Any, email: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(
        TableName="MarketingInterests", Key={"Email": {"S": email}}
    ).get("Item")
    return found


def test_the_brief_example_stores_jane_and_honours_johns_later_opt_out(
    dynamodb: Any, lambda_context: Any
) -> None:
    output = run_pipeline(BRIEF_EXAMPLE, lambda_context)

    assert output == BRIEF_EXAMPLE_SUMMARY
    jane = item(dynamodb, "janedoe@example.com")
    assert jane is not None
    assert jane["Name"] == {"S": "Jane Doe"}
    assert jane["MarketingInterests"] == {"L": [{"S": "product updates"}, {"S": "newsletters"}]}
    assert "updated_at" in jane
    assert item(dynamodb, "johndoe@example.com") is None


def test_an_opt_out_deletes_interests_stored_earlier(dynamodb: Any, lambda_context: Any) -> None:
    run_pipeline([make_record(1)], lambda_context)
    assert item(dynamodb, "customer1@example.com") is not None

    output = run_pipeline([make_record(1, MarketingOptIn=False, MarketingInterests=[])], lambda_context)

    assert (output["stored"], output["opted_out"]) == (0, 1)
    assert item(dynamodb, "customer1@example.com") is None


def test_invalid_records_are_reported_and_the_rest_go_on(dynamodb: Any, lambda_context: Any) -> None:
    batch = [make_record(0), make_record(1, Email="nope"), make_record(2, MarketingOptIn="true")]

    output = run_pipeline(batch, lambda_context)

    assert output["received"] == 3
    assert output["valid"] == 1
    assert [r["index"] for r in output["rejected"]] == [1, 2]
    assert output["rejected"][0]["errors"][0]["field"] == "Email"
    assert output["stored"] == 1


def test_input_that_is_not_an_array_fails_with_a_named_error(cloud: None, lambda_context: Any) -> None:
    with pytest.raises(InvalidBatch):
        steps.validate_data({"not": "an array"}, lambda_context)


def test_a_batch_over_the_state_limit_travels_by_reference(dynamodb: Any, lambda_context: Any) -> None:
    batch = [make_record(i) for i in range(5000)] + [make_record(7, MarketingOptIn=False)]

    validated = steps.validate_data(batch, lambda_context)
    deduped = steps.remove_duplicates(validated, lambda_context)
    output = steps.store_marketing_interests({"state": deduped, "started_at": STARTED_AT}, lambda_context)

    for state in (validated, deduped):
        assert set(state) == {"ref"}
        assert len(json.dumps(state)) < 1000
    assert output["received"] == 5001
    assert (output["duplicates_removed"], output["stored"], output["opted_out"]) == (1, 4999, 1)
    assert dynamodb.scan(TableName="MarketingInterests", Select="COUNT")["Count"] == 4999
