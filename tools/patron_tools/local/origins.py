"""The local cloud is its user's alone (SPEC §2): both ports answer only a `Host` that names them (the
loopback names and `--host`), so a web page whose name was re-bound to 127.0.0.1 by DNS gets nothing; and
the AWS endpoint grants CORS only to the console's own origins (its browser signs in through Cognito and
PUTs presigned uploads there), so no other web page can read from it, and none can send it the
non-simple requests every AWS API needs (its preflight is refused).

One WSGI middleware for both ports: the gateway (whose APIs answer every origin, as the template's CORS
says on AWS, but only with a key and a token) and moto's server (which, through flask-cors, reflected any
origin)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
CONSOLE_DEV_PORT = 5173  # `npm run dev` (Vite) serves the console there, beside a running `patron dev`

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def names(host: str) -> set[str]:
    """The names a client may use for a server bound to `host`."""
    bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return {*LOOPBACK_NAMES, bound}


def console_origins(host: str, port: int) -> set[str]:
    """The web origins of the console: the gateway's, and Vite's dev server beside it."""
    return {f"http://{name}:{p}" for name in names(host) for p in (port, CONSOLE_DEV_PORT)}


class LocalOnly:
    """Answers a request whose `Host` is not one of this server's names with 403 (JSON, `headers`), and
    with `origins` set (the AWS endpoint), drops the CORS headers of every answer to another origin and
    refuses its preflights."""

    def __init__(
        self,
        app: WsgiApp,
        host: str,
        port: int,
        origins: set[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.app = app
        self.hosts = {name for bound in names(host) for name in (bound, f"{bound}:{port}")}
        self.origins = origins
        self.headers = headers or {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").lower()
        if host not in self.hosts:
            return self._refuse(start_response, "This server answers only requests for its own names (Host).")
        origin = environ.get("HTTP_ORIGIN")
        if self.origins is None or origin is None or origin in self.origins:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            message = "This endpoint grants no cross-origin access to that origin."
            return self._refuse(start_response, message, cors=False)

        def without_cors(status: str, response_headers: list[tuple[str, str]], *info: Any) -> Any:
            kept = [(k, v) for k, v in response_headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *info)

        return self.app(environ, without_cors)

    def _refuse(self, start_response: Callable[..., Any], message: str, cors: bool = True) -> Iterable[bytes]:
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers += list(self.headers.items()) if cors else []
        start_response("403 Forbidden", headers)
        return [body]
