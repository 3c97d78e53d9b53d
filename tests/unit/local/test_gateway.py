"""The local API Gateway: route matching and the proxy event it builds."""

from __future__ import annotations

import pytest
from tests.events import api_event
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response

from patron_tools.local.gateway import Gateway, compile_path, proxy_event
from patron_tools.local.template import Api, Route


def test_path_parameters_match_one_segment_and_greedy_ones_span_segments() -> None:
    assert compile_path("/customers/{id}").match("/customers/abc")["id"] == "abc"  # type: ignore[index]
    assert compile_path("/customers/{id}").match("/customers/a/b") is None
    assert compile_path("/files/{proxy+}").match("/files/a/b")["proxy"] == "a/b"  # type: ignore[index]
    assert compile_path("/seed").match("/seed/x") is None


def test_a_trailing_slash_reaches_the_same_resource_and_a_newline_does_not() -> None:
    assert compile_path("/customers").match("/customers/")
    assert compile_path("/customers/{id}").match("/customers/a/")["id"] == "a"  # type: ignore[index]
    assert compile_path("/customers/{id}").match("/customers/a\n")["id"] == "a\n"  # type: ignore[index]
    assert compile_path("/seed").match("/seed\n") is None


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

    event = proxy_event(route, "/customers/a%40b", {"id": "a%40b"}, request, body=b'{"a": 1}')

    reference = api_event("PUT", "/customers/{id}", {"id": "a@b"}, body={"a": 1})
    assert set(event) == set(reference)
    assert set(reference["requestContext"]) <= set(event["requestContext"])
    assert event["path"] == "/customers/a%40b"  # as the client sent it, like API Gateway
    assert event["pathParameters"] == {"id": "a@b"}
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["path"] == "/prod/customers/a%40b"
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["body"] == '{"a": 1}'
    assert event["isBase64Encoded"] is False


def test_a_binary_body_is_base64_encoded() -> None:
    request = Request(EnvironBuilder(method="POST", path="/x", data=b"\xff\xfe").get_environ())
    route = Route(api="A", method="POST", path="/x", function="F")

    event = proxy_event(route, "/x", {}, request, body=b"\xff\xfe")

    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)


def gateway() -> Gateway:
    api = Api(
        logical_id="IdsApi",
        base_path="ids",
        preflight_headers={},
        gateway_response_headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"},
    )
    other = Api(
        logical_id="CrmApi",
        base_path="crm",
        preflight_headers={},
        gateway_response_headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT"},
    )
    route = Route(api="IdsApi", method="GET", path="/customers/{id}", function="F")
    console = lambda request: Response("<html>console</html>", content_type="text/html")  # noqa: E731
    return Gateway(
        {"IdsApi": api, "CrmApi": other},
        [route],
        runtime=None,  # type: ignore[arg-type]
        api_keys=lambda: {"k": "k-id"},
        extra={"/health": console},
        fallback=console,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/customers/x"), ("POST", "/seed"), ("DELETE", "/"), ("POST", "/health"), ("OPTIONS", "/x")],
)
def test_a_request_for_no_api_that_is_not_a_read_of_the_console_is_403(method: str, path: str) -> None:
    response = Client(gateway()).open(path, method=method, headers={"x-api-key": "k"})

    assert response.status_code == 403
    assert response.get_json() == {"message": "Missing Authentication Token"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_of_any_other_path_is_the_console(method: str) -> None:
    response = Client(gateway()).open("/customers/x", method=method)

    assert (response.status_code, response.content_type) == (200, "text/html")
