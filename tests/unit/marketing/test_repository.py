"""BatchWriteItem in 25s, with UnprocessedItems retried until nothing is lost (throttling is botocore's to
retry, core.aws.CONFIG, never retried again here); the batches bucket: inputs by reference, uploads."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from tests.marketing import make_record

from patron.marketing import wiring
from patron.marketing.models import ObjectRef
from patron.marketing.repository import (
    BatchStore,
    InterestsRepository,
    UnprocessedItemsRemain,
    UploadUnusable,
    item_bytes,
)

TABLE = "MarketingInterests"


class FlakyDynamoDB:
    """Forwards to the real (moto) client, but each of the first `unprocessed` calls leaves half its
    items unprocessed, and the first `throttled` calls are refused with a throttling error; `stuck`
    leaves every item unprocessed."""

    def __init__(self, client: Any, unprocessed: int = 0, throttled: int = 0, stuck: bool = False) -> None:
        self.client = client
        self.stuck = stuck
        self.unprocessed = unprocessed
        self.throttled = throttled
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        ((table, requests),) = RequestItems.items()
        self.calls.append(len(requests))
        if self.throttled:
            self.throttled -= 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                "BatchWriteItem",
            )
        if self.stuck:
            return {"UnprocessedItems": {table: requests}}
        if self.unprocessed and len(requests) > 1:
            self.unprocessed -= 1
            half = len(requests) // 2
            self.client.batch_write_item(RequestItems={table: requests[:half]})
            return {"UnprocessedItems": {table: requests[half:]}}
        return self.client.batch_write_item(RequestItems=RequestItems)  # type: ignore[no-any-return]


def records(count: int) -> list[dict[str, Any]]:
    return [{**make_record(i), "updated_at": "2026-11-22T00:00:00Z"} for i in range(count)]


def stored_emails(dynamodb: Any) -> set[str]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=TABLE)
    return {item["Email"]["S"] for page in pages for item in page["Items"]}


def test_writes_go_in_requests_of_25(dynamodb: Any) -> None:
    flaky = FlakyDynamoDB(dynamodb)

    stats = InterestsRepository(flaky, TABLE, sleep=lambda _: None).write(records(60), [])  # type: ignore[arg-type]

    assert flaky.calls == [25, 25, 10]
    assert (stats.requests, stats.retries) == (3, 0)
    assert len(stored_emails(dynamodb)) == 60


def test_unprocessed_items_are_retried_until_nothing_is_lost(dynamodb: Any) -> None:
    flaky = FlakyDynamoDB(dynamodb, unprocessed=3)
    delays: list[float] = []

    stats = InterestsRepository(flaky, TABLE, sleep=delays.append).write(records(100), [])  # type: ignore[arg-type]

    assert len(stored_emails(dynamodb)) == 100
    assert stats.requests == math.ceil(100 / 25) + stats.retries
    assert stats.retries == 3
    assert len(delays) == 3
    assert all(d > 0 for d in delays)


def test_a_throttling_error_left_after_botocores_retries_is_not_retried_again(dynamodb: Any) -> None:
    flaky = FlakyDynamoDB(dynamodb, throttled=1)

    with pytest.raises(ClientError, match="ProvisionedThroughputExceededException"):
        InterestsRepository(flaky, TABLE, sleep=lambda _: None).write(records(30), [])  # type: ignore[arg-type]

    assert flaky.calls == [25]
    assert stored_emails(dynamodb) == set()


def test_deletes_remove_stored_interests(dynamodb: Any) -> None:
    repository = InterestsRepository(dynamodb, TABLE)
    repository.write(records(3), [])

    repository.write([], ["customer1@example.com", "never-stored@example.com"])

    assert stored_emails(dynamodb) == {"customer0@example.com", "customer2@example.com"}


def test_writes_that_never_go_through_raise_for_the_state_machine_to_retry(dynamodb: Any) -> None:
    flaky = FlakyDynamoDB(dynamodb, stuck=True)

    with pytest.raises(UnprocessedItemsRemain):
        InterestsRepository(flaky, TABLE, sleep=lambda _: None).write(records(2), [])  # type: ignore[arg-type]

    assert flaky.calls == [2] * 8  # MAX_WRITE_ATTEMPTS


def test_small_inputs_stay_inline_and_large_ones_travel_through_s3_by_content(
    cloud: None, template: Any
) -> None:
    bucket = template.physical_name("MarketingBatchesBucket")
    store = BatchStore(boto3.client("s3"), bucket)
    small = records(2)
    large = records(3000)

    packed_large = store.pack(large)

    assert store.pack(small) == small
    assert set(packed_large) == {"ref"}
    assert packed_large["ref"]["bucket"] == bucket
    assert json.load(store.open(ObjectRef.model_validate(packed_large["ref"]))) == large
    assert store.pack(large) == packed_large  # the same input, the same reference: a repeated start is one


def test_an_upload_is_usable_once_it_holds_a_batch(cloud: None) -> None:
    store = wiring.batches()  # signs as the functions do: S3 checks the presigned URL
    url, expires = store.upload_url("0" * 32)
    with pytest.raises(UploadUnusable, match="never uploaded"):
        store.uploaded("0" * 32)

    assert requests.put(url, data=b"", headers={"Content-Type": "application/json"}, timeout=10).ok
    with pytest.raises(UploadUnusable, match="empty"):
        store.uploaded("0" * 32)
    assert requests.put(url, data=b"[]", headers={"Content-Type": "application/json"}, timeout=10).ok

    assert store.uploaded("0" * 32).key == f"uploads/{'0' * 32}.json"
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)


def test_item_bytes_counts_as_dynamodb_does() -> None:
    # names + values in UTF-8; the list: 3 bytes + 1 per element (developer guide, item sizes)
    record = {"Email": "a@b.co", "Name": "Zoë", "MarketingInterests": ["ab", "c"]}

    expected = (5 + 6) + (4 + 4) + (18 + 3 + (1 + 2) + (1 + 1)) + (10 + 20)
    assert item_bytes(record) == expected
