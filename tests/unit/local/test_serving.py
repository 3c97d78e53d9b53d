"""The gateway's HTTP server keeps connections alive, and stays correct doing so: bodies over the limit
are answered and dropped, chunked bodies end, a client's `Connection: close` is honoured. The framing
cases of RFC 9112 are in test_framing.py."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from patron_tools.local import serving
from patron_tools.local.serving import keep_alive_server


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Echoes the request; reads the body only on /read, fails on /fail."""
    path = environ["PATH_INFO"]
    if path == "/fail":
        raise RuntimeError("the application failed")
    body = environ["wsgi.input"].read() if path == "/read" else b""
    answer = json.dumps(
        {
            "path": path,
            "port": environ["REMOTE_PORT"],
            "body": body.decode(),
            "method": environ["REQUEST_METHOD"],
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [answer]


@pytest.fixture
def port() -> Iterator[int]:
    server = keep_alive_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, dict[str, Any]]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    return response, json.loads(data) if data else {}


def test_one_connection_serves_several_requests(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    answers = [request(connection, "GET", f"/{n}")[1] for n in range(3)]

    assert [answer["path"] for answer in answers] == ["/0", "/1", "/2"]
    assert len({answer["port"] for answer in answers}) == 1  # the same client connection each time


def test_a_body_the_application_left_unread_is_drained_before_the_next_request(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    _, first = request(connection, "POST", "/ignore", body=b'{"unread": true}' * 1000)
    _, second = request(connection, "POST", "/read", body=b"next")

    assert first["path"] == "/ignore"
    assert (second["path"], second["body"], second["port"]) == ("/read", "next", first["port"])


def test_a_chunked_body_ends_at_its_last_chunk(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("POST", "/read", body=iter([b"ab", b"cd"]), encode_chunked=True)
    first = json.loads(connection.getresponse().read())
    _, second = request(connection, "GET", "/after")

    assert first["body"] == "abcd"
    assert (second["path"], second["port"]) == ("/after", first["port"])


def test_a_client_that_asks_to_close_has_its_connection_closed(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    response, _ = request(connection, "GET", "/last", headers={"Connection": "close"})

    assert response.headers["Connection"] == "close"
    assert response.will_close


def test_a_body_over_api_gateway_s_limit_gets_its_answer_and_the_connection_serves_on(port: int) -> None:
    # the server answers 413 without keeping such a body: the client, which sent all of it first, must
    # still read that answer, not a reset connection
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    refused, first = request(connection, "POST", "/read", body=b"x" * (12 * 1024 * 1024))
    _, second = request(connection, "GET", "/after")

    assert (refused.status, first) == (413, {"message": "Request Too Long"})
    assert second["path"] == "/after"


def test_a_body_past_draining_closes_the_connection(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "MAX_BODY_BYTES", 1024)
    monkeypatch.setattr(serving, "DRAIN_BYTES", 2048)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    refused, _ = request(connection, "POST", "/read", body=b"x" * 4096)

    assert refused.status == 413
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        request(connection, "GET", "/after")


def test_an_application_error_is_a_500_and_the_connection_serves_on(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    failed, answer = request(connection, "GET", "/fail")
    _, after = request(connection, "GET", "/after")

    assert (failed.status, answer) == (500, {"message": "Internal server error"})
    assert after["path"] == "/after"


def test_a_head_response_has_no_body(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    response, answer = request(connection, "HEAD", "/head")
    _, after = request(connection, "GET", "/after")

    assert (response.status, answer) == (200, {})
    assert after["path"] == "/after"
