"""The resolver every API uses: error mapping, validation errors, CORS on every response."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import unquote

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel
from tests.events import api_event, header

from patron.core import errors
from patron.core.api import PatronResolver, ok
from patron.core.parsing import parse_json

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
    message = "An unexpected error occurred."
    assert body == {"message": message, "error": {"code": "internal_error", "message": message}}
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
    assert body["message"] == "The body is nested too deeply (at most 100 levels)."


@pytest.mark.parametrize("body", ['[{"name": "x"}]', '[{"name": "x"}, {"name": "y"}]', "[]"])
def test_an_array_is_not_an_object_body(lambda_context: Any, body: str) -> None:
    # Powertools alone would take the array's first element as the object
    status, error, _ = resolve(api_event("POST", "/things", body=body), lambda_context)

    assert status == 400
    assert error["error"]["details"] == [{"field": "body", "message": "must be a JSON object"}]


# ------------------------------------------------------------------ hostile input (SPEC §1), one kind each
@app.put("/items/<name>")
def put_item(
    name: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,20}$")],
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Any:
    return {"name": name, "body": body}


@app.get("/items")
def list_items(
    limit: Annotated[int, Query(ge=1)] = 5, tag: Annotated[list[str] | None, Query()] = None
) -> Any:
    return {"limit": limit, "tag": tag}


def latin1_event(body: bytes, content_type: str = "application/json") -> dict[str, Any]:
    event = api_event("POST", "/things", headers={"Content-Type": content_type})
    event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    return event


def test_an_error_has_its_message_at_the_top_level_too(lambda_context: Any) -> None:
    _, body, _ = resolve(api_event("GET", "/things/{name}", {"name": "none"}), lambda_context)

    assert body == {"message": "No such thing.", "error": {"code": "not_found", "message": "No such thing."}}


def test_a_validation_message_is_a_sentence_naming_the_field(lambda_context: Any) -> None:
    _, body, _ = resolve(api_event("POST", "/things", body={"name": 5, "x": 1}), lambda_context)

    assert body["message"] == "The request is not valid: name must be a string."
    assert body["error"]["details"] == [{"field": "name", "message": "must be a string"}]


def test_a_pattern_error_does_not_quote_the_pattern(lambda_context: Any) -> None:
    _, body, _ = resolve(api_event("PUT", "/items/{name}", {"name": "A_B"}), lambda_context)

    assert body["error"]["details"] == [
        {"field": "name", "message": "has characters or a format that is not allowed"}
    ]
    assert "^" not in body["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"name":"Jos\xe9"}', "The body is not UTF-8 text; send JSON encoded as UTF-8."),
        (b"\xff\xfe{\x00}\x00", "The body is not UTF-8 text; send JSON encoded as UTF-8."),
    ],
)
def test_a_body_that_is_not_utf8_is_400(lambda_context: Any, body: bytes, message: str) -> None:
    status, error, response = resolve(latin1_event(body), lambda_context)

    assert (status, error["message"]) == (400, message)
    assert header(response, "Access-Control-Allow-Origin") == "*"


def test_a_base64_utf8_body_is_read_as_text(lambda_context: Any) -> None:
    status, body, _ = resolve(latin1_event('{"name": "José"}'.encode()), lambda_context)

    assert (status, body) == (201, {"name": "José"})


def test_a_byte_order_mark_is_ignored(lambda_context: Any) -> None:
    status, body, _ = resolve(api_event("POST", "/things", body='\ufeff{"name": "x"}'), lambda_context)

    assert (status, body) == (201, {"name": "x"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "x", "n": ' + "9" * 4301 + "}", "The body holds a number with too many digits."),
        ('{"name": "x", "n": NaN}', "The body is not valid JSON: NaN is not a JSON number."),
        ('{"name": "x", "n": -Infinity}', "The body is not valid JSON: -Infinity is not a JSON number."),
        ('{"name": "x", "n": Infinity}', "The body is not valid JSON: Infinity is not a JSON number."),
        ('{"name": ', "The body is not valid JSON: expecting value at line 1, column 10."),
        ("[" * 101 + "]" * 101, "The body is nested too deeply (at most 100 levels)."),
        (
            '{"name": "x\\udc80"}',
            "The body holds a \\u escape that is half of a UTF-16 pair, not a character.",
        ),
    ],
)
def test_a_body_that_is_not_json_is_400_saying_why(lambda_context: Any, text: str, message: str) -> None:
    status, body, _ = resolve(api_event("POST", "/things", body=text), lambda_context)

    assert (status, body["message"]) == (400, message)


def test_numbers_are_parsed_exactly() -> None:
    parsed = parse_json('{"a": 12345678901234567.89, "b": 1e400, "c": 7}')

    assert parsed == {"a": Decimal("12345678901234567.89"), "b": Decimal("1e400"), "c": 7}


def test_a_surrogate_pair_is_one_character() -> None:
    assert parse_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_nesting_up_to_the_limit_is_json() -> None:
    assert parse_json("[" * 100 + "]" * 100) is not None


@pytest.mark.parametrize(
    "content_type",
    ["Application/JSON", "APPLICATION/JSON; charset=UTF-8", "application/merge-patch+json", "text/x+JSON"],
)
def test_json_media_types_in_any_case_and_plus_json_are_json(lambda_context: Any, content_type: str) -> None:
    event = api_event(
        "PUT", "/items/{name}", {"name": "a"}, body={"k": 1}, headers={"Content-Type": content_type}
    )

    status, body, _ = resolve(event, lambda_context)

    assert (status, body) == (200, {"name": "a", "body": {"k": 1}})


@pytest.mark.parametrize("text", ["null", "[]", "[{}]", '"x"', "3", "true"])
def test_a_body_that_must_be_an_object_refuses_other_json(lambda_context: Any, text: str) -> None:
    status, body, _ = resolve(api_event("PUT", "/items/{name}", {"name": "a"}, body=text), lambda_context)

    assert (status, body["message"]) == (400, "The body must be a JSON object.")


def test_an_empty_body_is_no_body(lambda_context: Any) -> None:
    status, body, _ = resolve(api_event("PUT", "/items/{name}", {"name": "a"}, body=""), lambda_context)

    assert (status, body) == (200, {"name": "a", "body": None})


@pytest.mark.parametrize("raw", ["a%0A", "a%0a", "a%00", "a%2Fb", "a%25", "a%0D%0A", "%E2%80%A8"])
def test_an_encoded_character_in_a_path_parameter_is_checked_decoded(lambda_context: Any, raw: str) -> None:
    # the AWS shape: `path` keeps the client's encoding, `pathParameters` are decoded
    event = api_event("PUT", "/items/{name}", {"name": unquote(raw)})
    event["path"] = f"/items/{raw}"

    status, body, _ = resolve(event, lambda_context)

    assert status == 400
    assert body["error"]["details"][0]["field"] == "name"


def test_a_trailing_newline_never_reaches_the_resource_without_it(lambda_context: Any) -> None:
    event = api_event("PUT", "/items/{name}", {"name": "a\n"})
    event["path"] = "/items/a\n"  # as a local gateway that decoded the path would send it

    status, _, _ = resolve(event, lambda_context)

    assert status == 400


def test_a_path_parameter_is_decoded_exactly_once(lambda_context: Any) -> None:
    event = api_event("PUT", "/items/{name}", {"name": "a-%41"})

    status, body, _ = resolve(event, lambda_context)

    assert event["path"] == "/items/a-%2541"
    assert status == 400  # "a-%41" has a '%': refused, not read as "a-A"
    assert body["error"]["details"][0]["field"] == "name"


def test_a_trailing_slash_reaches_the_same_route(lambda_context: Any) -> None:
    event = api_event("PUT", "/items/{name}", {"name": "a"})
    event["path"] = "/items/a/"

    status, body, _ = resolve(event, lambda_context)

    assert (status, body) == (200, {"name": "a", "body": None})


def test_a_repeated_query_parameter_is_named(lambda_context: Any) -> None:
    event = api_event("GET", "/items")
    event["queryStringParameters"] = {"limit": "2"}
    event["multiValueQueryStringParameters"] = {"limit": ["2", "2"]}

    status, body, _ = resolve(event, lambda_context)

    assert (status, body["message"]) == (400, "The query parameter limit is repeated; give it once.")


def test_a_list_query_parameter_may_repeat(lambda_context: Any) -> None:
    event = api_event("GET", "/items")
    event["queryStringParameters"] = {"tag": "b"}
    event["multiValueQueryStringParameters"] = {"tag": ["a", "b"]}

    status, body, _ = resolve(event, lambda_context)

    assert (status, body) == (200, {"limit": 5, "tag": ["a", "b"]})
