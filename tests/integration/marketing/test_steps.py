"""The three Step Functions tasks chained as the state machine chains them, against moto."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from tests.marketing import BRIEF_EXAMPLE, BRIEF_EXAMPLE_SUMMARY, make_record

from patron.marketing import steps
from patron.marketing.models import ObjectRef
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

    summary = {key: value for key, value in BRIEF_EXAMPLE_SUMMARY.items() if key != "rejected_report_url"}
    assert output == {**summary, "rejected_report": None}  # the API presigns a report's URL when read
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


def test_a_record_too_large_for_dynamodb_is_rejected_alone_and_the_rest_are_stored(
    dynamodb: Any, lambda_context: Any
) -> None:
    # 30 records, so the large one shares a 25-item BatchWriteItem chunk with others
    batch = [make_record(i) for i in range(30)]
    batch[3] = make_record(3, MarketingInterests=["x" * 1000] * 410)  # ~410 KB once stored

    output = run_pipeline(batch, lambda_context)

    assert output["rejected"] == [
        {
            "index": 3,
            "errors": [
                {
                    "field": "record",
                    "message": "would be larger than DynamoDB's 400 KB item limit once stored",
                }
            ],
        }
    ]
    assert output["stored"] == 29
    assert item(dynamodb, "customer3@example.com") is None
    assert item(dynamodb, "customer29@example.com") is not None


def test_a_record_nested_too_deeply_is_rejected_alone(dynamodb: Any, lambda_context: Any) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    batch = [make_record(0, Extra=deep), make_record(1)]

    output = run_pipeline(batch, lambda_context)

    assert [(r["index"], r["errors"][0]["field"]) for r in output["rejected"]] == [(0, "record")]
    assert output["stored"] == 1


def test_input_that_is_not_an_array_fails_with_a_named_error(cloud: None, lambda_context: Any) -> None:
    with pytest.raises(InvalidBatch):
        steps.validate_data({"not": "an array"}, lambda_context)


BATCHES = "patron-marketing-batches-123456789012-us-east-1"


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ({"bucket": "patron-privacy-123456789012-us-east-1", "key": "exports/x.json"}, "names no input"),
        ({"bucket": BATCHES, "key": "reports/2026/11/30/x.json"}, "names no input"),
        ({"bucket": BATCHES, "key": "uploads/never-uploaded.json"}, "no longer exists"),
        ({"bucket": BATCHES}, "JSON array"),
        ("uploads/x.json", "JSON array"),
    ],
    ids=["another bucket", "not an input", "gone", "malformed", "not an object"],
)
def test_a_reference_is_read_only_to_an_input_the_service_wrote(
    cloud: None, lambda_context: Any, reference: Any, reason: str
) -> None:
    # whoever starts an execution (StartExecution needs only IAM), its input names no other object
    with pytest.raises(InvalidBatch, match=reason):
        steps.validate_data({"ref": reference}, lambda_context)


def test_records_travel_by_reference_so_every_state_stays_small(dynamodb: Any, lambda_context: Any) -> None:
    batch = [make_record(i) for i in range(5000)] + [make_record(7, MarketingOptIn=False)]

    validated = steps.validate_data(batch, lambda_context)
    deduped = steps.remove_duplicates(validated, lambda_context)
    output = steps.store_marketing_interests({"state": deduped, "started_at": STARTED_AT}, lambda_context)

    for state in (validated, deduped):
        assert len(json.dumps(state)) < 1000
        assert state["records"]["key"].startswith("states/")
    assert validated["records"] != deduped["records"]
    assert output["received"] == 5001
    assert (output["duplicates_removed"], output["stored"], output["opted_out"]) == (1, 4999, 1)
    assert dynamodb.scan(TableName="MarketingInterests", Select="COUNT")["Count"] == 4999


def test_the_last_choice_wins_in_the_order_of_last_occurrences(dynamodb: Any, lambda_context: Any) -> None:
    batch = [make_record(1), make_record(2), make_record(1, Name="Later"), make_record(3)]

    deduped = steps.remove_duplicates(steps.validate_data(batch, lambda_context), lambda_context)

    lines = steps.batches().read_lines(ObjectRef.model_validate(deduped["records"]))
    assert [(r["Email"], r["Name"]) for r in map(json.loads, lines)] == [
        ("customer2@example.com", "Customer 2"),
        ("customer1@example.com", "Later"),
        ("customer3@example.com", "Customer 3"),
    ]
    assert deduped["duplicates_removed"] == 1


def test_rejections_beyond_the_first_100_are_counted_and_reported_in_full(
    dynamodb: Any, lambda_context: Any
) -> None:
    batch = [make_record(i, Email=f"broken-{i}") if i % 2 else make_record(i) for i in range(300)]

    output = run_pipeline(batch, lambda_context)

    assert (output["received"], output["valid"], output["stored"]) == (300, 150, 150)
    assert output["rejected_count"] == 150
    assert [r["index"] for r in output["rejected"]] == list(range(1, 201, 2))
    report = json.load(steps.batches().open(ObjectRef.model_validate(output["rejected_report"])))
    assert [r["index"] for r in report] == list(range(1, 300, 2))
    assert report[0]["errors"][0]["field"] == "Email"


def test_no_report_is_stored_when_the_output_lists_every_rejection(
    dynamodb: Any, lambda_context: Any
) -> None:
    batch = [make_record(i, Email="broken") for i in range(100)]

    output = run_pipeline(batch, lambda_context)

    assert (output["rejected_count"], len(output["rejected"]), output["rejected_report"]) == (100, 100, None)


def upload(batch: bytes) -> dict[str, Any]:
    """An execution input referring to an object in the batches bucket, as POST /preferences passes an
    upload."""
    store = steps.batches()
    ref = store.put("uploads/test.json", io.BytesIO(batch), "application/json")
    return {"ref": ref.model_dump()}


def test_an_uploaded_batch_is_streamed_from_s3(dynamodb: Any, lambda_context: Any) -> None:
    body = b"  \n" + json.dumps([make_record(i) for i in range(2500)], indent=1).encode()

    output = run_pipeline(upload(body), lambda_context)

    assert (output["received"], output["stored"]) == (2500, 2500)


def test_an_uploaded_record_with_half_a_utf16_pair_is_rejected_alone(
    dynamodb: Any, lambda_context: Any
) -> None:
    # as the direct path refuses it (core.parsing); UTF-8 cannot hold it, so nothing may store it
    records = [make_record(0), make_record(1, Name="S\ud800"), make_record(2, MarketingInterests=["\udc00"])]
    body = json.dumps(records).encode()  # ensure_ascii: each lone surrogate as its \u escape

    output = run_pipeline(upload(body), lambda_context)

    assert [(r["index"], r["errors"][0]["message"]) for r in output["rejected"]] == [
        (1, "holds a \\u escape that is half of a UTF-16 pair, not a character"),
        (2, "holds a \\u escape that is half of a UTF-16 pair, not a character"),
    ]
    assert output["stored"] == 1
    assert item(dynamodb, make_record(1)["Email"]) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"Name": "x"}', "JSON array"),
        (b"[" + json.dumps(make_record(1)).encode(), "not valid JSON"),
        (b"   ", "empty"),
    ],
)
def test_an_upload_that_is_not_a_json_array_fails_with_a_named_error(
    cloud: None, lambda_context: Any, body: bytes, reason: str
) -> None:
    with pytest.raises(InvalidBatch, match=reason):
        steps.validate_data(upload(body), lambda_context)
