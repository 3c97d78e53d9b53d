"""The resolver every API uses: error mapping, validation errors, CORS on every response."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel
from tests.events import api_event, header

from patron.core import errors
from patron.core.api import PatronResolver, ok

app = PatronResolver(methods=["GET", "POST"])


class Thing(BaseModel):
    name: str


@app.get("/things/<name>")
def get_thing(name: Annotated[str, Path(max_length=5)]) -> Thing:
    if name == "none":
        raise errors.NotFound("No such thing.")
    if name == "dup":
        raise errors.Conflict("Already there.", details=[{"field": "name", "message": "taken"}])
    if name == "boom":
        raise RuntimeError("a bug")
    return Thing(name=name)


@app.post("/things")
def post_thing(thing: Thing) -> Any:
    return ok(thing, status=201)


def resolve(event: dict[str, Any], lambda_context: Any) -> tuple[int, Any, dict[str, Any]]:
    response = app.resolve(event, lambda_context)
    return response["statusCode"], json.loads(response["body"]), response


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [("none", 404, "not_found"), ("dup", 409, "conflict"), ("toolong", 400, "invalid_request")],
)
def test_domain_and_validation_errors_map_to_json_errors(
    lambda_context: Any, name: str, status: int, code: str
) -> None:
    got_status, body, _ = resolve(api_event("GET", "/things/{name}", {"name": name}), lambda_context)

    assert got_status == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)


def test_conflict_details_are_passed_through(lambda_context: Any) -> None:
    _, body, _ = resolve(api_event("GET", "/things/{name}", {"name": "dup"}), lambda_context)

    assert body["error"]["details"] == [{"field": "name", "message": "taken"}]


def test_body_validation_names_each_invalid_field(lambda_context: Any) -> None:
    status, body, _ = resolve(api_event("POST", "/things", body={"name": 5}), lambda_context)

    assert status == 400
    assert [detail["field"] for detail in body["error"]["details"]] == ["name"]


def test_unexpected_errors_are_a_json_500_with_cors(lambda_context: Any) -> None:
    status, body, response = resolve(api_event("GET", "/things/{name}", {"name": "boom"}), lambda_context)

    assert status == 500
    assert body == {"error": {"code": "internal_error", "message": "An unexpected error occurred."}}
    assert header(response, "Access-Control-Allow-Methods") == "GET,POST,OPTIONS"


def test_a_non_json_body_is_415(lambda_context: Any) -> None:
    event = api_event("POST", "/things", body="name=x", headers={"Content-Type": "text/plain"})

    status, body, response = resolve(event, lambda_context)

    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"
    assert header(response, "Access-Control-Allow-Origin") == "*"


def test_json_with_a_charset_is_json(lambda_context: Any) -> None:
    event = api_event(
        "POST", "/things", body={"name": "x"}, headers={"Content-Type": "application/json; charset=utf-8"}
    )

    status, body, _ = resolve(event, lambda_context)

    assert (status, body) == (201, {"name": "x"})


def test_the_cors_origin_comes_from_settings(lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from patron.core.settings import settings

    monkeypatch.setenv("CORS_ALLOW_ORIGIN", "https://console.example.com")
    settings.cache_clear()
    try:
        _, _, response = resolve(api_event("GET", "/things/{name}", {"name": "a"}), lambda_context)
    finally:
        settings.cache_clear()

    assert header(response, "Access-Control-Allow-Origin") == "https://console.example.com"


def test_a_body_nested_too_deeply_to_parse_is_400_not_500(lambda_context: Any) -> None:
    event = api_event("POST", "/things", body='{"name":' * 100_000 + '"x"' + "}" * 100_000)

    status, body, _ = resolve(event, lambda_context)

    assert status == 400
    assert body["error"]["details"] == [{"field": "body", "message": "JSON decode error"}]


@pytest.mark.parametrize("body", ['[{"name": "x"}]', '[{"name": "x"}, {"name": "y"}]', "[]"])
def test_an_array_is_not_an_object_body(lambda_context: Any, body: str) -> None:
    # Powertools alone would take the array's first element as the object
    status, error, _ = resolve(api_event("POST", "/things", body=body), lambda_context)

    assert status == 400
    assert error["error"]["details"] == [{"field": "body", "message": "must be a JSON object, not an array"}]
