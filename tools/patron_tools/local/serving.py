"""The gateway's HTTP server: werkzeug's threaded WSGI server, with HTTP/1.1 keep-alive.

werkzeug's development server closes every connection: after each response it reads whatever else the
socket holds (a next request line included), because Python's http.server cannot drain an unread request
body. Each API call then paid a new TCP connection and a new thread, the largest share of `patron dev`'s
own cost of a warm GET (bench/warm.py, docs/decisions.md). `KeepAliveRequestHandler` keeps werkzeug's
request parsing and WSGI environ, and answers in its own `run_wsgi`: the body is read through a stream that
stops at its end (Content-Length or the last chunk), what the application left unread is drained, and the
connection, with the thread serving it, serves the client's next request. It closes when the client asks
(`Connection: close`, HTTP/1.0), when a body is past draining (DRAIN_BYTES), or when it has been idle for
IDLE_SECONDS."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

logger = logging.getLogger("patron_tools.local")

# unread body drained at most: werkzeug's own bound. A client sends its whole body before it reads the
# answer (a 413 for anything over API Gateway's 10 MB), so closing with body unread would reset the
# connection under it, and it would see an error instead of the answer
DRAIN_BYTES = 10 * 1024**3
IDLE_SECONDS = 60.0  # a connection idle this long is closed, and its thread ends
NO_BODY = {204, 304}  # and 1xx: statuses whose responses have no body (RFC 9112 §6.3)


class KeepAliveRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler with HTTP/1.1 keep-alive; the response is buffered and sent with its
    Content-Length (the gateway's answers are whole bytes: Lambda's ≤ 6 MB, the console's files)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS  # socketserver sets it on the connection: an idle client's read times out

    def setup(self) -> None:
        super().setup()
        # answers go out at once, not after the client's delayed ACK (Nagle's algorithm)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Nothing: the gateway prints its own line per request (without the path, which can hold an e-mail)."""

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        if not environ.get("wsgi.input_terminated"):  # a chunked body is already a stream that ends
            try:
                length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
            except ValueError:
                length, self.close_connection = 0, True  # where the next request starts is unknown
            environ["wsgi.input"] = LimitedStream(self.rfile, length)  # type: ignore[arg-type]
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable: no application here uses it

        try:
            result: Iterable[bytes] = self.server.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            # the method alone: a path can hold an e-mail address
            logger.exception("the gateway failed on a %s request", self.command)
            started[:] = ["500 Internal Server Error", [("Content-Type", "application/json")]]
            body = b'{"message": "Internal server error"}'
        self._respond(started[0], started[1], body)
        self._drain(environ["wsgi.input"])

    def _respond(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        no_body = int(code) < 200 or int(code) in NO_BODY
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(body)

    def _drain(self, body: Any) -> None:
        """Read what the application left of the body, so that the next request line comes next; close
        the connection instead when there is too much of it."""
        if self.close_connection:
            return
        left = DRAIN_BYTES
        try:
            while left > 0 and (chunk := body.read(min(left, 64 * 1024))):
                left -= len(chunk)
        except Exception:  # a client gone, a malformed chunk: this connection ends here
            left = 0
        if left <= 0:
            self.close_connection = True


def keep_alive_server(host: str, port: int, app: Any) -> BaseWSGIServer:
    """A threaded werkzeug server on (host, port) for the WSGI `app`: a thread per connection, connections
    kept alive. Call `serve_forever()` on a thread, `shutdown()` to stop."""
    return make_server(host, port, app, threaded=True, request_handler=KeepAliveRequestHandler)
