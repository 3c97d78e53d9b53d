"""A deployed stage as the end-to-end tests' server (`make smoke STAGE=x`): the same tests that drive
`patron dev` at `http://127.0.0.1:<port>/<service>/...` drive the stage's APIs, through a forwarder on a
free loopback port that only swaps the base: `/<service>/<path>` goes to that API's invoke URL from the
stack's outputs (any other path to the console's CloudFront URL), every method, header (the key
included) and body as sent, and the answer comes back as AWS gave it. What only the local cloud has (its
AWS endpoint, its ports, restarts) skips the test."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests

from patron_tools.stack import Endpoints, endpoints

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "host"}


class Forwarder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stage: Endpoints) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.stage = stage
        self.session = requests.Session()


class _Forward(BaseHTTPRequestHandler):
    server: Forwarder

    def _forward(self) -> None:
        service, _, rest = self.path.lstrip("/").partition("/")
        stage = self.server.stage
        if service in stage.apis:
            target = f"{stage.apis[service]}/{rest}"
        elif stage.console:
            target = stage.console.rstrip("/") + self.path
        else:
            self._answer(
                404, {"Content-Type": "application/json"}, b'{"message": "no such API in the stack"}'
            )
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        answer = self.server.session.request(self.command, target, headers=headers, data=body, timeout=60)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        self._answer(answer.status_code, kept, answer.content)

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _forward

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        pass


@dataclass
class DeployedStage:
    """A deployed stack, with the interface of `DevServer` the HTTP tests use (`url`, `headers`)."""

    stack: str
    endpoint_url: str | None = None  # an AWS-compatible endpoint (tests); None: AWS itself
    endpoints: Endpoints | None = None
    forwarder: Forwarder | None = None
    username: str = field(default_factory=lambda: os.environ.get("PATRON_SMOKE_USERNAME", ""))
    password: str = field(default_factory=lambda: os.environ.get("PATRON_SMOKE_PASSWORD", ""))
    _token: str = ""

    @property
    def url(self) -> str:
        assert self.forwarder is not None
        return f"http://127.0.0.1:{self.forwarder.server_address[1]}"

    @property
    def api_key(self) -> str:
        assert self.endpoints is not None
        return self.endpoints.api_key

    @property
    def headers(self) -> dict[str, str]:
        """The key and an access token of the smoke user (`make smoke`: PATRON_SMOKE_USERNAME and
        PATRON_SMOKE_PASSWORD, a user of the stage's pool in the group admin; docs/deploy.md)."""
        if not self._token:
            self._token = self.sign_in(self.username, self.password)
        return {"x-api-key": self.api_key, "Authorization": f"Bearer {self._token}"}

    @property
    def token_only(self) -> dict[str, str]:
        return {"Authorization": self.headers["Authorization"]}

    def sign_in(self, username: str, password: str) -> str:
        assert self.endpoints is not None
        assert self.endpoints.console_client_id
        if not (username and password):
            pytest.fail(
                "set PATRON_SMOKE_USERNAME and PATRON_SMOKE_PASSWORD: a user of the stage in group admin"
            )
        cognito = boto3.Session().client("cognito-idp", endpoint_url=self.endpoint_url)
        result = cognito.initiate_auth(
            ClientId=self.endpoints.console_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        token: str = result["AuthenticationResult"]["AccessToken"]
        return token

    @property
    def port(self) -> int:
        pytest.skip("about the local cloud's own port: not run against a deployed stage")

    @property
    def aws_port(self) -> int:
        pytest.skip("reads the local cloud's AWS endpoint: not run against a deployed stage")

    def start(self) -> None:
        session = boto3.Session()
        self.endpoints = endpoints(
            session.client("cloudformation", endpoint_url=self.endpoint_url),
            session.client("apigateway", endpoint_url=self.endpoint_url),
            self.stack,
        )
        self.forwarder = Forwarder(self.endpoints)
        threading.Thread(target=self.forwarder.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.forwarder is not None:
            self.forwarder.shutdown()
            self.forwarder.server_close()

    def aws(self, service: str) -> Any:
        pytest.skip("reads the local cloud's AWS endpoint: not run against a deployed stage")
