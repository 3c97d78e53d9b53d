"""Validation, de-duplication and the store plan of the marketing pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from tests.marketing import BRIEF_EXAMPLE, make_record

from patron.marketing import service


def test_the_brief_example_is_all_valid_with_emails_normalised() -> None:
    valid, rejected = service.validate([{**BRIEF_EXAMPLE[0], "Email": "  JohnDoe@Example.COM "}])

    assert rejected == []
    assert valid[0]["Email"] == "johndoe@example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"Name": ""}, "Name"),
        ({"Name": "x" * 201}, "Name"),
        ({"Name": 5}, "Name"),
        ({"Email": "not-an-email"}, "Email"),
        ({"Email": None}, "Email"),
        ({"MarketingOptIn": "yes"}, "MarketingOptIn"),
        ({"MarketingOptIn": 1}, "MarketingOptIn"),
        ({"MarketingInterests": "news"}, "MarketingInterests"),
        ({"MarketingInterests": [""]}, "MarketingInterests.0"),
        ({"MarketingInterests": [3]}, "MarketingInterests.0"),
    ],
)
def test_an_invalid_field_rejects_the_record_with_its_index_and_reason(
    overrides: dict[str, Any], field: str
) -> None:
    batch = [make_record(0), make_record(1, **overrides)]

    valid, rejected = service.validate(batch)

    assert [record["Email"] for record in valid] == ["customer0@example.com"]
    assert [r.index for r in rejected] == [1]
    assert field in [error.field for error in rejected[0].errors]


def test_missing_fields_are_each_named() -> None:
    _, rejected = service.validate([{"Name": "No Email"}])

    assert {error.field for error in rejected[0].errors} == {"Email", "MarketingOptIn", "MarketingInterests"}


def test_a_record_that_is_not_an_object_is_rejected() -> None:
    _, rejected = service.validate(["just a string"])

    assert rejected[0].index == 0


def test_extra_fields_are_ignored() -> None:
    valid, rejected = service.validate([make_record(0, Phone="555")])

    assert rejected == []
    assert "Phone" not in valid[0]


def test_opting_out_may_have_no_interests() -> None:
    valid, _ = service.validate([make_record(0, MarketingOptIn=False, MarketingInterests=[])])

    assert valid[0]["MarketingInterests"] == []


@pytest.mark.parametrize(
    ("batch", "kind"), [({"records": []}, "an object"), ("[]", "a string"), (3, "a number"), (None, "null")]
)
def test_input_that_is_not_an_array_is_an_invalid_batch_named_in_json_words(batch: Any, kind: str) -> None:
    with pytest.raises(service.InvalidBatch) as raised:
        service.validate(batch)

    assert str(raised.value) == f"the input must be a JSON array of records, not {kind}"


def test_the_last_occurrence_of_an_email_wins() -> None:
    valid, _ = service.validate(BRIEF_EXAMPLE)

    latest = service.latest_lines(r["Email"] for r in valid)

    assert latest == {"johndoe@example.com": 2, "janedoe@example.com": 1}  # John's opt-out, line 2


def test_validation_indexes_count_from_the_chunks_start() -> None:
    _, rejected = service.validate([make_record(0), {"Name": "x"}], start=1000)

    assert [r.index for r in rejected] == [1001]


def test_dedupe_treats_emails_case_insensitively() -> None:
    valid, _ = service.validate(
        [make_record(0, Email="A@Example.com"), make_record(1, Email="a@example.COM")]
    )

    assert service.latest_lines(r["Email"] for r in valid) == {"a@example.com": 1}
