"""The local API Gateway: route matching and the proxy event it builds."""

from __future__ import annotations

from tests.events import api_event
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from patron.local.gateway import compile_path, proxy_event
from patron.local.template import Route


def test_path_parameters_match_one_segment_and_greedy_ones_span_segments() -> None:
    assert compile_path("/customers/{id}").match("/customers/abc")["id"] == "abc"  # type: ignore[index]
    assert compile_path("/customers/{id}").match("/customers/a/b") is None
    assert compile_path("/files/{proxy+}").match("/files/a/b")["proxy"] == "a/b"  # type: ignore[index]
    assert compile_path("/seed").match("/seed/") is None


def test_the_proxy_event_has_the_shape_api_gateway_sends() -> None:
    builder = EnvironBuilder(
        method="PUT",
        path="/customers/a%40b",
        query_string="x=1&x=2",
        headers={"x-api-key": "k", "Content-Type": "application/json"},
        data=b'{"a": 1}',
    )
    request = Request(builder.get_environ())
    route = Route(api="IdsApi", method="PUT", path="/customers/{id}", function="F")

    event = proxy_event(route, "/customers/a%40b", {"id": "a%40b"}, request, b'{"a": 1}')

    reference = api_event("PUT", "/customers/{id}", {"id": "a@b"}, body={"a": 1})
    assert set(event) == set(reference)
    assert set(reference["requestContext"]) <= set(event["requestContext"])
    assert event["path"] == "/customers/a@b"
    assert event["pathParameters"] == {"id": "a@b"}
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["path"] == "/prod/customers/a@b"
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["body"] == '{"a": 1}'
    assert event["isBase64Encoded"] is False


def test_a_binary_body_is_base64_encoded() -> None:
    request = Request(EnvironBuilder(method="POST", path="/x", data=b"\xff\xfe").get_environ())
    route = Route(api="A", method="POST", path="/x", function="F")

    event = proxy_event(route, "/x", {}, request, b"\xff\xfe")

    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)
