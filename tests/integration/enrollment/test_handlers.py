"""The enrollment API's Lambda handler with API Gateway events, asserting the response and the tables.
The brief's four paths: age-group creation, enrollment request, validation failure, status check."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tests.events import api_event, header

from patron.core.settings import settings
from patron.enrollment.handlers import lambda_handler
from patron.enrollment.repository import to_item

Call = Callable[..., tuple[int, Any]]


@pytest.fixture
def call(cloud: None, lambda_context: Any) -> Call:
    def call(method: str, resource: str, path_parameters: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = lambda_handler(api_event(method, resource, path_parameters, **kwargs), lambda_context)
        assert header(response, "Access-Control-Allow-Methods") == "DELETE,GET,POST,OPTIONS"
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], body

    return call


@pytest.fixture
def make_group(call: Call) -> Callable[[int, int], dict[str, Any]]:
    def make(min_age: int, max_age: int) -> dict[str, Any]:
        status, body = call("POST", "/age-groups", body={"min_age": min_age, "max_age": max_age})
        assert status == 201
        return dict(body)

    return make


def items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    return list(dynamodb.scan(TableName=table)["Items"])


# ---------------------------------------------------------------- age groups
def test_creating_an_age_group_stores_it(call: Call, dynamodb: Any) -> None:
    status, body = call("POST", "/age-groups", body={"min_age": 18, "max_age": 25})

    assert status == 201
    assert set(body) == {"id", "min_age", "max_age"}
    assert (body["min_age"], body["max_age"]) == (18, 25)
    assert items(dynamodb, "AgeGroupsTable") == [
        {"id": {"S": body["id"]}, "min_age": {"N": "18"}, "max_age": {"N": "25"}}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"min_age": True, "max_age": 25},
        {"min_age": "18", "max_age": 25},
        {"min_age": 26, "max_age": 25},
        {"min_age": -1, "max_age": 25},
        {"min_age": 0, "max_age": 151},
        {"min_age": 18},
        [18, 25],
        "18-25",
        None,
    ],
)
def test_invalid_age_groups_are_400_and_not_stored(call: Call, dynamodb: Any, body: Any) -> None:
    status, payload = call("POST", "/age-groups", body=json.dumps(body))

    assert status == 400
    assert payload["error"]["code"] == "invalid_request"
    assert items(dynamodb, "AgeGroupsTable") == []


def test_an_identical_age_group_is_a_conflict_and_an_overlapping_one_is_not(
    call: Call, dynamodb: Any
) -> None:
    first = call("POST", "/age-groups", body={"min_age": 18, "max_age": 25})

    again = call("POST", "/age-groups", body={"min_age": 18, "max_age": 25})
    overlapping = call("POST", "/age-groups", body={"min_age": 20, "max_age": 30})

    assert first[0] == 201
    assert again[0] == 409
    assert again[1]["error"]["code"] == "conflict"
    assert "18 to 25 already exists" in again[1]["error"]["message"]
    assert overlapping[0] == 201
    stored = sorted(
        (int(i["min_age"]["N"]), int(i["max_age"]["N"])) for i in items(dynamodb, "AgeGroupsTable")
    )
    assert stored == [(18, 25), (20, 30)]


def test_a_deleted_age_group_can_be_created_again(call: Call, make_group: Callable[..., Any]) -> None:
    group = make_group(18, 25)
    call("DELETE", "/age-groups/{id}", {"id": group["id"]})

    status, body = call("POST", "/age-groups", body={"min_age": 18, "max_age": 25})

    assert status == 201
    assert body["id"] == group["id"]  # the same range: the same id


def test_age_groups_are_listed_in_age_order(call: Call, make_group: Callable[..., Any]) -> None:
    adults, children = make_group(18, 64), make_group(0, 17)

    status, body = call("GET", "/age-groups")

    assert status == 200
    assert body == [children, adults]


def test_deleting_an_age_group(call: Call, make_group: Callable[..., Any], dynamodb: Any) -> None:
    group = make_group(18, 25)

    first = call("DELETE", "/age-groups/{id}", {"id": group["id"]})
    second = call("DELETE", "/age-groups/{id}", {"id": group["id"]})

    assert first[0] == 200
    assert first[1]["id"] == group["id"]
    assert group["id"] in first[1]["message"]
    assert second[0] == 404
    assert second[1]["error"]["code"] == "not_found"
    assert items(dynamodb, "AgeGroupsTable") == []


# ---------------------------------------------------------------- enrollments
def test_an_enrollment_inside_an_age_group_is_accepted_pending(
    call: Call, make_group: Callable[..., Any], dynamodb: Any
) -> None:
    make_group(18, 25)

    status, body = call("POST", "/enrollments", body={"name": "John Doe", "age": 22, "cpf": "123.456.789-00"})

    assert status == 202
    assert body == {"enrollment_id": body["enrollment_id"], "status": "PENDING"}
    (item,) = items(dynamodb, "EnrollmentsTable")
    assert item["enrollment_id"] == {"S": body["enrollment_id"]}
    assert item["status"] == {"S": "PENDING"}
    assert item["cpf"] == {"S": "12345678900"}
    assert item["age"] == {"N": "22"}
    assert "processed_at" not in item


@pytest.mark.parametrize("age", [17, 26, 150])
def test_an_age_outside_every_group_is_a_400_and_nothing_is_written(
    call: Call, make_group: Callable[..., Any], dynamodb: Any, age: int
) -> None:
    make_group(18, 25)

    status, body = call("POST", "/enrollments", body={"name": "John Doe", "age": age, "cpf": "12345678900"})

    assert status == 400
    assert body["error"]["code"] == "age_not_in_any_age_group"
    assert body["error"]["details"][0]["field"] == "age"
    assert items(dynamodb, "EnrollmentsTable") == []


def test_no_age_group_at_all_rejects_every_enrollment(call: Call) -> None:
    status, body = call("POST", "/enrollments", body={"name": "John Doe", "age": 22, "cpf": "12345678900"})

    assert status == 400
    assert body["error"]["code"] == "age_not_in_any_age_group"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "John Doe", "age": "22", "cpf": "12345678900"}, "age"),
        ({"name": "John Doe", "age": True, "cpf": "12345678900"}, "age"),
        ({"name": "John Doe", "age": 22, "cpf": "1234567890"}, "cpf"),
        ({"name": "", "age": 22, "cpf": "12345678900"}, "name"),
        ({"age": 22, "cpf": "12345678900"}, "name"),
    ],
)
def test_invalid_enrollments_are_400_naming_the_field(
    call: Call, make_group: Callable[..., Any], dynamodb: Any, body: dict[str, Any], field: str
) -> None:
    make_group(0, 150)

    status, payload = call("POST", "/enrollments", body=body)

    assert status == 400
    assert [detail["field"] for detail in payload["error"]["details"]] == [field]
    assert items(dynamodb, "EnrollmentsTable") == []


@pytest.mark.parametrize(("cpf", "status"), [("12345678900", 400), ("529.982.247-25", 202)])
def test_check_digits_are_verified_only_under_the_checksum_setting(
    call: Call, make_group: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, cpf: str, status: int
) -> None:
    make_group(18, 25)
    monkeypatch.setenv("CPF_VALIDATION", "checksum")
    settings.cache_clear()

    code, body = call("POST", "/enrollments", body={"name": "Ana", "age": 20, "cpf": cpf})

    assert code == status
    if status == 400:
        assert body["error"]["code"] == "invalid_cpf"
        assert body["error"]["details"] == [
            {"field": "cpf", "message": "The CPF's check digits are not valid."}
        ]


def test_status_check_returns_the_full_enrollment(call: Call, make_group: Callable[..., Any]) -> None:
    make_group(18, 25)
    _, accepted = call("POST", "/enrollments", body={"name": "John Doe", "age": 22, "cpf": "12345678900"})

    status, body = call("GET", "/enrollments/{id}", {"id": accepted["enrollment_id"]})

    assert status == 200
    assert body == {
        "enrollment_id": accepted["enrollment_id"],
        "name": "John Doe",
        "age": 22,
        "cpf": "12345678900",
        "status": "PENDING",
        "created_at": body["created_at"],
        "processed_at": None,
    }
    assert body["created_at"].endswith("+00:00")


def test_status_check_of_a_legacy_item_without_created_at_reads_it_as_null(call: Call, dynamodb: Any) -> None:
    # the original system's shape: no created_at, and an attribute this service does not know
    item = {"enrollment_id": "legacy-1", "name": "Ann", "age": 30, "cpf": "12345678900", "status": "PENDING"}
    dynamodb.put_item(
        TableName="EnrollmentsTable",
        Item={**to_item(item), "source": {"S": "original-system"}},
    )

    status, body = call("GET", "/enrollments/{id}", {"id": "legacy-1"})

    assert status == 200
    assert body == {**item, "created_at": None, "processed_at": None}


def test_status_check_of_an_unknown_enrollment_is_404(call: Call) -> None:
    status, body = call("GET", "/enrollments/{id}", {"id": "no-such-enrollment"})

    assert status == 404
    assert body["error"]["code"] == "not_found"
