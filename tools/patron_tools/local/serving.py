"""The gateway's HTTP/1.1 server. h11 (python-hyper's sans-I/O HTTP/1.1, strict about RFC 9112's framing;
0.16.0 fixed its one smuggling advisory, CVE-2025-43859, lenient chunk-line endings) frames every request
and response; this module only decides the policy API Gateway's front door has and hands each request
to the WSGI application (the gateway):

- a request with both `Content-Length` and `Transfer-Encoding`, two different `Content-Length` values, a
  `Transfer-Encoding` other than a lone `chunked`, a malformed chunk size or any other framing error is a
  400 and the connection is closed (h11's own answer to an unknown coding is 501: API Gateway answers 400);
- the request line and headers are bounded to API Gateway's 10,240 bytes (431), every body, chunked
  included, to its 10 MB before it is buffered (413: the rest is read and dropped, so that a client still
  sending reads its answer, and the connection serves on);
- connections are capped (503 past the cap), a client gets HEAD_SECONDS to send a request's head and an
  idle one is closed after IDLE_SECONDS; `100 Continue` is sent once, when the client waits for it;
- every answer the server gives itself is JSON with the gateway's CORS headers.

Connections are kept alive (HTTP/1.1's default): a thread per connection serves its requests in turn."""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

import h11

logger = logging.getLogger("patron_tools.local")

MAX_HEAD_BYTES = 10_240  # API Gateway: the request line and headers
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's request payload limit
DRAIN_BYTES = 10 * 1024**3  # a body over the limit is read and dropped up to this, then the connection ends
MAX_CONNECTIONS = 256
HEAD_SECONDS = 30.0  # from a connection's first byte (or the previous answer) to a whole request head
IDLE_SECONDS = 60.0  # a connection silent this long is closed, and its thread ends
RECEIVE_BYTES = 64 * 1024
TURN_AWAY_SECONDS = 0.2  # how long the accepting thread reads a turned-away client's request
NO_BODY = {204, 304}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Refused(Exception):
    """The server's own answer to a request: a status and a sentence; the connection then closes unless
    `keep` (a body over the limit was read to its end)."""

    def __init__(self, status: int, message: str, keep: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.keep = keep


class _Closed(Exception):
    """The client closed the connection, or stayed silent too long."""


class Server:
    """`serve_forever()` on a thread, `shutdown()` then `server_close()` to stop."""

    def __init__(
        self, host: str, port: int, app: WsgiApp, error_headers: dict[str, str] | None = None
    ) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family)
        self.server_address = self.socket.getsockname()[:2]
        self.server_port: int = self.server_address[1]
        self.app = app
        self.error_headers = error_headers or {}
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        self.socket.settimeout(0.2)  # to notice shutdown()
        try:
            while not self._stopping.is_set():
                try:
                    client, address = self.socket.accept()
                except (TimeoutError, BlockingIOError):
                    continue
                except OSError:
                    if self._stopping.is_set():
                        break
                    continue
                client.settimeout(IDLE_SECONDS)
                if not self.slots.acquire(blocking=False):
                    self._turn_away(client, address)
                    continue
                threading.Thread(target=self._serve, args=(client, address), daemon=True).start()
        finally:
            self._stopped.set()

    def _turn_away(self, client: socket.socket, address: Any) -> None:
        """A 503 past the connection cap; what the client already sent is read (briefly) before closing, so
        that it reads the answer instead of a reset."""
        try:
            _Connection(self, client, address).refuse(503, "Too many connections; retry shortly.")
            client.shutdown(socket.SHUT_WR)
            client.settimeout(TURN_AWAY_SECONDS)
            while client.recv(RECEIVE_BYTES):
                pass
        except OSError:
            pass
        finally:
            client.close()

    def _serve(self, client: socket.socket, address: Any) -> None:
        try:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers go out at once
            _Connection(self, client, address).run()
        except OSError:
            pass  # the client went away mid-answer: nothing to answer to
        finally:
            client.close()
            self.slots.release()

    def shutdown(self) -> None:
        self._stopping.set()
        self._stopped.wait(5)

    def server_close(self) -> None:
        self.socket.close()


class _Connection:
    def __init__(self, server: Server, client: socket.socket, address: Any) -> None:
        self.server = server
        self.client = client
        self.address = address
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)

    def run(self) -> None:
        while True:
            try:
                request = self._request()
                if request is None:
                    return
                body = self._body(request)
            except Refused as refused:
                self.refuse(refused.status, refused.message)
                if not refused.keep:
                    return
            except _Closed:
                return
            else:
                self._answer(request, body)
            if self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
                return  # MUST_CLOSE (Connection: close, HTTP/1.0) or an error
            self.h11.start_next_cycle()

    # ------------------------------------------------------------------ reading
    def _event(self, deadline: float) -> Any:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if exc.error_status_hint == 431:  # h11: a head still arriving past max_incomplete_event_size
                    raise Refused(431, "The request line and headers exceed 10,240 bytes.") from None
                raise Refused(400, f"The request is not valid HTTP/1.1: {exc}.") from None
            if event is not h11.NEED_DATA:
                return event
            if self.h11.they_are_waiting_for_100_continue:
                self._send(h11.InformationalResponse(status_code=100, headers=[]))
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Closed()
            self.client.settimeout(min(left, IDLE_SECONDS))
            try:
                data = self.client.recv(RECEIVE_BYTES)
            except (TimeoutError, OSError):
                raise _Closed() from None
            self.h11.receive_data(data)  # b"": the client closed; h11 then says whether that was allowed

    def _request(self) -> h11.Request | None:
        event = self._event(time.monotonic() + HEAD_SECONDS)
        if not isinstance(event, h11.Request):  # ConnectionClosed: the client is done
            return None
        # h11 bounds a head still arriving (max_incomplete_event_size); one that came whole is measured here
        head = len(event.method) + len(event.target) + 12 + sum(len(n) + len(v) + 4 for n, v in event.headers)
        if head > MAX_HEAD_BYTES:
            raise Refused(431, "The request line and headers exceed 10,240 bytes.")
        if event.http_version not in (b"1.0", b"1.1"):
            raise Refused(505, "This server speaks HTTP/1.1 (and 1.0).")
        names = {name for name, _ in event.headers}
        if b"transfer-encoding" in names and b"content-length" in names:
            raise Refused(400, "The request has both Content-Length and Transfer-Encoding.")
        if any(b"_" in name for name in names):  # x_api_key would read as x-api-key to a WSGI application
            raise Refused(400, "A header name has an underscore.")
        return event

    def _body(self, request: h11.Request) -> bytes:
        declared = dict(request.headers).get(b"content-length")
        too_long = declared is not None and int(declared) > MAX_BODY_BYTES
        chunks: list[bytes] = []
        size = 0
        while True:
            event = self._event(time.monotonic() + IDLE_SECONDS * 5)
            if isinstance(event, h11.Data):
                size += len(event.data)
                too_long = too_long or size > MAX_BODY_BYTES
                if size > DRAIN_BYTES:
                    raise Refused(413, "Request Too Long")
                if not too_long:
                    chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                if too_long:  # read to its end without keeping it: the client reads its answer
                    raise Refused(413, "Request Too Long", keep=True)
                return b"".join(chunks)
            else:  # the client closed mid-body
                raise _Closed()

    # ------------------------------------------------------------------ answering
    def _answer(self, request: h11.Request, body: bytes) -> None:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable: no application here uses it

        try:
            result = self.server.app(self._environ(request, body), start_response)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            # the method alone: a path can hold an e-mail address
            logger.exception("the gateway failed on a %s request", request.method.decode("ascii", "replace"))
            started[:] = ["500 Internal Server Error", [("Content-Type", "application/json")]]
            payload = b'{"message": "Internal server error"}'
        status = int(started[0].split(" ", 1)[0])
        headers = [
            (name, value)
            for name, value in started[1]
            if name.lower() not in ("content-length", "connection", "transfer-encoding")
        ]
        has_body = status not in NO_BODY and request.method != b"HEAD"
        headers.append(("Content-Length", str(len(payload) if status not in NO_BODY else 0)))
        self._send(h11.Response(status_code=status, headers=headers))
        if has_body and payload:
            self._send(h11.Data(data=payload))
        self._send(h11.EndOfMessage())

    def refuse(self, status: int, message: str) -> None:
        """The server's own answer (JSON, the gateway's CORS headers), then the connection may close."""
        body = json.dumps({"message": message}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            *self.server.error_headers.items(),
        ]
        try:
            if self.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
                return  # an answer was already under way
            self._send(h11.Response(status_code=status, headers=headers))
            self._send(h11.Data(data=body))
            self._send(h11.EndOfMessage())
        except (h11.LocalProtocolError, OSError):
            pass  # the client is gone, or h11 cannot answer it (a request it never read): closed below

    def _send(self, event: Any) -> None:
        data = self.h11.send(event)
        if data:
            self.client.sendall(data)

    def _environ(self, request: h11.Request, body: bytes) -> dict[str, Any]:
        """The WSGI environ (PEP 3333) of a request, with its raw target as RAW_URI (the gateway matches
        the path as the client encoded it)."""
        target = request.target.decode("latin-1")
        path, _, query = target.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method.decode("ascii"),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": target,
            "REQUEST_URI": target,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": f"HTTP/{request.http_version.decode('ascii')}",
            "REMOTE_ADDR": self.address[0],
            "REMOTE_PORT": self.address[1],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for raw_name, value in request.headers.raw_items():
            name = raw_name.decode("latin-1").upper().replace("-", "_")
            text = value.decode("latin-1")
            if name == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = text
            elif name != "CONTENT_LENGTH":
                key = f"HTTP_{name}"
                environ[key] = f"{environ[key]},{text}" if key in environ else text
        return environ


def keep_alive_server(
    host: str, port: int, app: WsgiApp, error_headers: dict[str, str] | None = None
) -> Server:
    """The gateway's server on (host, port) for the WSGI `app`; `error_headers` go on the server's own
    answers (the gateway's CORS headers). Call `serve_forever()` on a thread, `shutdown()` to stop."""
    return Server(host, port, app, error_headers)
