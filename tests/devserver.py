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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key}

    def start(self, *extra: str, timeout: float = 60) -> None:
        self.log = self.state_dir.with_suffix(".log")
        ports = ["--port", str(self.port), "--aws-port", str(self.aws_port)]
        command = [
            sys.executable,
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
