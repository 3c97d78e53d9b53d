"""A real `patron dev` process on free loopback ports, started and stopped by the e2e tests and by
`make bench` (bench/load.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class DevServer:
    state_dir: Path
    api_key: str = "e2e-test-key-0123456789abcdef"
    port: int = field(default_factory=free_port)
    aws_port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    log: Path | None = None
    environment: dict[str, str] = field(default_factory=dict)  # extra variables for `patron dev`
    python: str = sys.executable  # another checkout's interpreter runs that checkout's `patron dev` (bench)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    _token: str = ""
    _token_expires: float = 0.0

    @property
    def headers(self) -> dict[str, str]:
        """The API key and an access token of the local admin (SPEC §1.7), renewed before it expires."""
        if time.monotonic() > self._token_expires:
            self._token = self.sign_in("admin", self.admin_password)
            self._token_expires = time.monotonic() + 30 * 60  # the pool's tokens last an hour
        return {"x-api-key": self.api_key, "Authorization": f"Bearer {self._token}"}

    @property
    def token_only(self) -> dict[str, str]:
        """The admin's token without the API key: what a test of the key sends (the authorizer runs first)."""
        return {"Authorization": self.headers["Authorization"]}

    @property
    def admin_password(self) -> str:
        return (self.state_dir / "admin-password").read_text().strip()

    def config(self) -> dict[str, Any]:
        """The console's /config.json: the APIs, the key and the user pool (`auth`)."""
        config: dict[str, Any] = requests.get(f"{self.url}/config.json", timeout=10).json()
        return config

    def sign_in(self, username: str, password: str) -> str:
        """An access token of `username`, from the console's app client (USER_PASSWORD_AUTH)."""
        auth = self.config()["auth"]
        result = self.aws("cognito-idp").initiate_auth(
            ClientId=auth["clientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        token: str = result["AuthenticationResult"]["AccessToken"]
        return token

    def add_user(self, username: str, password: str, *groups: str) -> str:
        """A user with a permanent password in `groups`; an access token of theirs."""
        pool = self.config()["auth"]["userPoolId"]
        cognito = self.aws("cognito-idp")
        cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
        return self.sign_in(username, password)

    def start(self, *extra: str, timeout: float = 60) -> None:
        self._token_expires = 0.0  # a --reset makes a new pool key and admin: sign in again
        self.log = self.state_dir.with_suffix(".log")
        ports = ["--port", str(self.port), "--aws-port", str(self.aws_port)]
        command = [
            self.python,
            "-m",
            "patron_tools.cli",
            "dev",
            *ports,
            "--state-dir",
            str(self.state_dir),
            *extra,
        ]
        env = {**os.environ, "PATRON_API_KEY": self.api_key, **self.environment}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"patron dev exited early:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"patron dev was not ready in {timeout}s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def get_json(self, path: str) -> Any:
        """The JSON body of `GET <url><path>` with the API key; fails the test unless it answers 200."""
        response = requests.get(f"{self.url}{path}", headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def patron(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`patron ARGS --endpoint-url <this server's AWS endpoint>` (an ops command), run as a user runs it."""
        endpoint = ["--endpoint-url", f"http://127.0.0.1:{self.aws_port}"]
        command = [sys.executable, "-m", "patron_tools.cli", *args, *endpoint]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def aws(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.aws_port}",
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
