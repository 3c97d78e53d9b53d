"""Each moto workaround: guarded by the version it was checked against, and effective."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from patron.local import moto_patches


def test_the_installed_moto_is_the_checked_one() -> None:
    moto_patches.require_checked_moto()  # raises when the pin moves without a re-check


def test_another_moto_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "version", lambda _: "5.3.0")

    with pytest.raises(moto_patches.MotoVersionError, match=r"5\.3\.0"):
        moto_patches.require_checked_moto()


def test_serialized_conditional_writes_create_each_item_exactly_once(dynamodb: Any) -> None:
    # 48 threads race on each of 30 ids; unpatched moto 5.2.5 lets two of them win now and then
    def insert(index: int) -> bool:
        try:
            dynamodb.put_item(
                TableName="customer_ids",
                Item={"id": {"S": f"id-{index % 30}"}},
                ConditionExpression="attribute_not_exists(id)",
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=48) as pool:
        created = sum(pool.map(insert, range(48 * 30)))

    assert created == 30
