"""The IAM check of recorded calls (tests/iam.py) against the translated template's roles."""

from __future__ import annotations

from typing import Any

import pytest
from tests.iam import Need, check, needs, role_statements, translated_template


@pytest.fixture(scope="module")
def statements() -> dict[str, list[dict[str, Any]]]:
    return role_statements(translated_template())


def call(function: str, service: str, operation: str, **params: Any) -> dict[str, Any]:
    return {"function": function, "service": service, "operation": operation, "params": params}


def test_a_call_on_the_function_s_own_table_is_allowed_and_another_table_is_missing(
    statements: dict[str, list[dict[str, Any]]],
) -> None:
    own = call("PutCustomerIdFunction", "dynamodb", "PutItem", TableName="customer_ids")
    other = call("PutCustomerIdFunction", "dynamodb", "GetItem", TableName="customers")

    report = check([own, other], statements)

    assert report.missing == [
        Need(
            "PutCustomerIdFunction",
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/customers",
        )
    ]


def test_transactions_need_each_item_s_action_and_s3_heads_need_get_object() -> None:
    transaction = call(
        "F", "dynamodb", "TransactWriteItems", TransactItems=[["Put", "a"], ["ConditionCheck", "b"]]
    )
    head = call("F", "s3", "HeadObject", Bucket="bucket", Key="k/1.json")

    assert [(n.action, n.resource.rsplit(":", 1)[1]) for n in needs(transaction)] == [
        ("dynamodb:PutItem", "table/a"),
        ("dynamodb:ConditionCheckItem", "table/b"),
    ]
    assert needs(head) == [Need("F", "s3:GetObject", "arn:aws:s3:::bucket/k/1.json")]


def test_statements_no_recorded_call_used_are_reported(statements: dict[str, list[dict[str, Any]]]) -> None:
    report = check(
        [call("PutCustomerIdFunction", "dynamodb", "PutItem", TableName="customer_ids")], statements
    )

    assert report.missing == []
    assert all(function == "PutCustomerIdFunction" for function, _ in report.unused)
    assert "PutCustomerIdFunction" in report.text() or report.unused == []
