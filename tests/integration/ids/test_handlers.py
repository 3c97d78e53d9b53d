"""The ids API's Lambda handler with API Gateway events, asserting the response and the table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.events import api_event, header

from patron.ids.handlers import lambda_handler

RESOURCE = "/customers/{id}"


def call(method: str, customer_id: str, context: Any, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    response = lambda_handler(api_event(method, RESOURCE, {"id": customer_id}, **kwargs), context)
    body = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], body, response


def stored_ids(dynamodb: Any) -> set[str]:
    return {item["id"]["S"] for item in dynamodb.scan(TableName="customer_ids")["Items"]}


def test_put_creates_the_id_then_reports_it_exists(dynamodb: Any, lambda_context: Any) -> None:
    # Given an empty registry, When the id is PUT twice
    first = call("PUT", "user_123", lambda_context)
    second = call("PUT", "user_123", lambda_context)

    # Then the first creates it and the second is an idempotent 200
    assert first[:2] == (201, {"id": "user_123", "exists": True, "created": True})
    assert second[:2] == (200, {"id": "user_123", "exists": True, "created": False})
    assert stored_ids(dynamodb) == {"user_123"}


def test_put_accepts_an_optional_json_object_body_and_does_not_store_it(
    dynamodb: Any, lambda_context: Any
) -> None:
    status, _, _ = call("PUT", "with-body", lambda_context, body={"note": "ignored"})

    assert status == 201
    item = dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "with-body"}})["Item"]
    assert set(item) == {"id", "created_at", "created_by"}
    assert item["created_by"] == {"S": "api"}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("[1, 2]", "application/json", 400),
        ('[{"a": 1}]', "application/json", 400),
        ('"text"', "application/json", 400),
        ("{not json", "application/json", 400),
        ("id=1", "application/x-www-form-urlencoded", 415),
    ],
)
def test_put_rejects_a_body_that_is_not_a_json_object(
    dynamodb: Any, lambda_context: Any, body: str, content_type: str, status: int
) -> None:
    code, payload, _ = call(
        "PUT", "rejected", lambda_context, body=body, headers={"Content-Type": content_type}
    )

    assert code == status
    assert payload["error"]["code"] in ("invalid_request", "unsupported_media_type")
    assert stored_ids(dynamodb) == set()


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
@pytest.mark.parametrize("bad_id", ["a b", "x" * 129, "semi;colon", 'quote"d', "hash#", "é", "a%2Fb"])
def test_invalid_ids_are_a_400_json_error_naming_the_field(
    dynamodb: Any, lambda_context: Any, method: str, bad_id: str
) -> None:
    status, body, response = call(method, bad_id, lambda_context)

    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    assert header(response, "Access-Control-Allow-Origin") == "*"
    assert stored_ids(dynamodb) == set()


def test_get_reports_whether_the_id_exists(dynamodb: Any, lambda_context: Any) -> None:
    dynamodb.put_item(TableName="customer_ids", Item={"id": {"S": "known"}})

    assert call("GET", "known", lambda_context)[:2] == (200, {"id": "known", "exists": True})
    assert call("GET", "unknown", lambda_context)[:2] == (200, {"id": "unknown", "exists": False})


def test_delete_removes_the_id_and_says_whether_it_was_there(dynamodb: Any, lambda_context: Any) -> None:
    dynamodb.put_item(TableName="customer_ids", Item={"id": {"S": "gone-soon"}})

    assert call("DELETE", "gone-soon", lambda_context)[:2] == (200, {"id": "gone-soon", "deleted": True})
    assert call("DELETE", "gone-soon", lambda_context)[:2] == (200, {"id": "gone-soon", "deleted": False})
    assert stored_ids(dynamodb) == set()


def test_every_response_carries_the_cors_headers_of_the_api(dynamodb: Any, lambda_context: Any) -> None:
    for method, customer_id in (("PUT", "c1"), ("GET", "c1"), ("DELETE", "c1"), ("GET", "bad id")):
        _, _, response = call(method, customer_id, lambda_context)
        assert header(response, "Access-Control-Allow-Origin") == "*"
        assert header(response, "Access-Control-Allow-Methods") == "DELETE,GET,POST,PUT,OPTIONS"
        assert header(response, "Access-Control-Allow-Headers") == (
            "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
        )


def test_the_id_rule_accepts_every_allowed_character(dynamodb: Any, lambda_context: Any) -> None:
    customer_id = "Az09_.:@-" + "x" * 119  # 128 characters

    assert call("PUT", customer_id, lambda_context)[0] == 201
    assert stored_ids(dynamodb) == {customer_id}


def test_a_dynamodb_outage_is_a_json_500_not_a_crash(
    dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb.delete_table(TableName="customer_ids")  # every call now fails with ResourceNotFound

    status, body, response = call("GET", "anything", lambda_context)

    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert header(response, "Access-Control-Allow-Origin") == "*"
