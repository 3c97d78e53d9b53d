"""HTTP/1.1 framing at the gateway's front door (local/serving.py, h11), case by case as RFC 9112 and API
Gateway have it: every ambiguous framing is a 400 and the end of the connection, so nothing hidden in a
body can run as a second request; bodies and heads are bounded before they are buffered; every answer the
server gives itself is JSON with the gateway's CORS headers."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from patron_tools.local import serving

CORS = {"Access-Control-Allow-Origin": "*"}
SEEN: list[tuple[str, str, bytes]] = []


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    SEEN.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], body))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"path": environ["PATH_INFO"], "body": body.decode("latin-1")}).encode()]


@pytest.fixture
def server() -> Iterator[serving.Server]:
    SEEN.clear()
    started = serving.keep_alive_server("127.0.0.1", 0, app, error_headers=CORS)
    threading.Thread(target=started.serve_forever, daemon=True).start()
    yield started
    started.shutdown()
    started.server_close()


def exchange(server: serving.Server, raw: bytes, wait: float = 60.0) -> bytes:
    """Send `raw`, then read until the server closes the connection (every case ends with a request that
    closes it, or with an error that does); a silence of `wait` seconds ends the read too."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=wait) as client:
        client.sendall(raw)
        received = b""
        client.settimeout(wait)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                return received + b"<closed>"
            received += chunk
        return received


def statuses(received: bytes) -> list[int]:
    """The status of each answer (a body runs straight into the next status line)."""
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(
    "head",
    [
        # both framings: a front end that reads one and a back end the other disagree on where it ends
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
        # two different lengths, in two headers or one
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 40\r\n\r\n",
        # a final coding that is not a lone chunked
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        # a length that is not one
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0x4\r\n\r\n",
        # a header name WSGI would read as another (x_api_key as x-api-key)
        "GET /a HTTP/1.1\r\nHost: x\r\nx_api_key: k\r\n\r\n",
        # not HTTP/1.1 at all
        "GET /a\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n",
    ],
)
def test_ambiguous_framing_is_a_400_and_the_connection_ends(server: serving.Server, head: str) -> None:
    received = exchange(server, head.encode() + b"abcd" + SMUGGLED)

    assert statuses(received) == [400]
    assert received.endswith(b"<closed>")
    assert b'"message"' in received
    assert b"Access-Control-Allow-Origin: *" in received
    assert all(path != "/smuggled" for _, path, _ in SEEN)


@pytest.mark.parametrize("size", [b"0x2", b"+2", b"-2", b" 2", b"2 2", b"g", b""])
def test_a_malformed_chunk_size_is_a_400(server: serving.Server, size: bytes) -> None:
    raw = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nab\r\n0\r\n\r\n"

    received = exchange(server, raw + SMUGGLED)

    assert statuses(received) == [400]
    assert received.endswith(b"<closed>")
    assert SEEN == []


def test_a_chunk_not_ended_by_crlf_is_a_400(server: serving.Server) -> None:
    # CVE-2025-43859: h11 before 0.16.0 took any two bytes after a chunk's data as its CRLF
    raw = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n"

    received = exchange(server, raw + SMUGGLED)

    assert statuses(received) == [400]
    assert SEEN == []


def test_chunk_extensions_and_trailers_are_accepted(server: serving.Server) -> None:
    raw = (
        b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'2;foo=bar\r\nab\r\n3;quoted="x y"\r\ncde\r\n0\r\nX-Trailer: t\r\n\r\n'
    )

    received = exchange(server, raw)

    assert statuses(received) == [200]
    assert SEEN == [("POST", "/a", b"abcde")]


def test_a_huge_chunk_size_on_a_closed_socket_ends_at_once(server: serving.Server) -> None:
    # the reproducer of issue 24: 2^96 announced, then the client goes away
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as client:
        client.sendall(
            b"PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n"
        )
    started = time.monotonic()
    answer = exchange(server, b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    assert statuses(answer) == [200]
    assert time.monotonic() - started < 30
    assert [path for _, path, _ in SEEN] == ["/after"]


def test_a_chunked_body_over_10_mb_is_a_413_before_it_is_kept(
    server: serving.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "MAX_BODY_BYTES", 10)
    raw = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"

    received = exchange(server, raw + b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    assert statuses(received) == [413, 200]  # read to its end and dropped: the connection serves on
    assert b'{"message": "Request Too Long"}' in received
    assert [path for _, path, _ in SEEN] == ["/after"]


def test_a_declared_length_over_10_mb_is_a_413(
    server: serving.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "MAX_BODY_BYTES", 10)

    after = b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    received = exchange(
        server, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" + b"x" * 11 + after
    )

    assert statuses(received) == [413, 200]
    assert [path for _, path, _ in SEEN] == ["/after"]


def test_a_head_over_10240_bytes_is_a_431(server: serving.Server) -> None:
    raw = b"GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_300 + b"\r\n\r\n"

    received = exchange(server, raw)

    assert statuses(received) == [431]
    assert b"10,240" in received
    assert b"Access-Control-Allow-Origin: *" in received


def test_a_head_under_10240_bytes_is_served(server: serving.Server) -> None:
    raw = b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"a" * 9_000 + b"\r\n\r\n"

    assert statuses(exchange(server, raw)) == [200]


def test_100_continue_is_sent_once(server: serving.Server) -> None:
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=60) as client:
        client.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        interim = client.recv(1024)
        client.sendall(b"ab")
        final = b""
        while b"\r\n\r\n" not in final or not final.endswith(b"}"):
            final += client.recv(1024)

    assert statuses(interim) == [100]
    assert statuses(final) == [200]
    assert SEEN == [("POST", "/a", b"ab")]


def test_a_slow_or_idle_client_is_let_go(server: serving.Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "HEAD_SECONDS", 1.0)
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as client:
        client.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        closed = client.recv(1024)

    assert closed == b""
    assert time.monotonic() - started < 30  # let go after HEAD_SECONDS, not IDLE_SECONDS


def test_connections_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "MAX_CONNECTIONS", 2)
    capped = serving.keep_alive_server("127.0.0.1", 0, app, error_headers=CORS)
    threading.Thread(target=capped.serve_forever, daemon=True).start()
    try:
        # accepted in the order they connect: these two take the slots before the third is accepted
        held = [socket.create_connection(("127.0.0.1", capped.server_port), timeout=5) for _ in range(2)]
        answer = exchange(capped, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        for connection in held:
            connection.close()
    finally:
        capped.shutdown()
        capped.server_close()

    assert statuses(answer) == [503]
    assert b"Access-Control-Allow-Origin: *" in answer


def test_keep_alive_serves_requests_in_turn_and_connection_close_ends_it(server: serving.Server) -> None:
    raw = b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"

    received = exchange(server, raw)

    assert statuses(received) == [200, 200]
    assert received.endswith(b"<closed>")
    assert [path for _, path, _ in SEEN] == ["/1", "/2"]


def test_another_http_version_is_a_505(server: serving.Server) -> None:
    received = exchange(server, b"GET /a HTTP/9.9\r\nHost: x\r\n\r\n")

    assert statuses(received) == [505]
    assert SEEN == []
