"""A read that follows a write the same client may just have made is strongly consistent on AWS too
(DynamoDB reads are eventually consistent unless `ConsistentRead` is set; moto is always consistent, so
the request itself is what these tests check). Global secondary indexes cannot read consistently: the
crm look-ups by e-mail and status stay eventually consistent (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from patron.crm.repository import CustomersRepository
from patron.enrollment.repository import AgeGroupsRepository
from patron.ids.repository import IdsRepository
from patron_tools.local.template import Template


@pytest.fixture
def requests(dynamodb: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB request the `dynamodb` client sends: (operation, parameters)."""
    sent: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        sent.append((model.name, dict(params)))

    dynamodb.meta.events.register("provide-client-params.dynamodb.*", record)
    return sent


READS: dict[str, Callable[[Any, Template], object]] = {
    "ValidateExists": lambda client, t: IdsRepository(client, t.ref("CustomerIdsTable")).exists("a1"),
    "age groups at enrollment": lambda client, t: AgeGroupsRepository(client, t.ref("AgeGroupsTable")).all(),
    "crm list": lambda client, t: CustomersRepository(
        client, t.ref("CustomersTable"), t.ref("CustomerEmailsTable")
    ).page(10, None),
}


@pytest.mark.parametrize("read", READS)
def test_reads_after_own_writes_are_strongly_consistent(
    read: str, dynamodb: Any, requests: list[tuple[str, dict[str, Any]]], template: Template
) -> None:
    READS[read](dynamodb, template)

    assert requests
    assert all(params.get("ConsistentRead") is True for _, params in requests), requests
