"""`patron dev`: the whole template in one process. Start order: moto, the functions'
environment, provisioning, saved state, handlers, then the gateway, and once it answers the resources
only clients of the AWS endpoint read (`aws.provision_later`); stop order is the reverse, and state is
saved last. Background workers (queue pollers, stream readers, schedules) plug in as
`Worker`s started after provisioning and stopped before the state is saved."""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from werkzeug.wrappers import Request, Response

from patron_tools.local import (
    aws,
    events,
    identity,
    invoke,
    moto_patches,
    origins,
    sqs,
    state,
    stepfunctions,
    streams,
)
from patron_tools.local.environments import ProcessRuntime
from patron_tools.local.gateway import Gateway, json_response
from patron_tools.local.logs import FunctionLogs, terminal
from patron_tools.local.serving import keep_alive_server
from patron_tools.local.template import REGION, Template
from patron_tools.local.usage_plan import usage_plan

logger = logging.getLogger("patron_tools.local")

WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
IDENTITY_WAIT_SECONDS = 120.0  # how long a request waits for the user pool at start (about 0.3 s)
EXECUTIONS_FINISH_SECONDS = 5.0  # on shutdown, running executions get this long to end before being stopped


class Worker(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class EnvironmentConflict(RuntimeError):
    pass


def function_environment(template: Template) -> dict[str, str]:
    """Every function's variables, merged: one name must mean one value across the template, since
    /docs imports every handler module in this process (the functions themselves run in environments
    of their own, with their own variables)."""
    merged: dict[str, str] = {}
    for function in template.functions().values():
        for name, value in function.environment.items():
            if merged.setdefault(name, value) != value:
                raise EnvironmentConflict(
                    f"{function.logical_id} sets {name}={value!r}, another function {merged[name]!r}"
                )
    return merged


def _loopback(host: str) -> str:
    """The address the environments reach the AWS endpoint at."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 # nosec B104 - compared, not bound


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class LocalCloud:
    host: str = "127.0.0.1"
    port: int = 3000
    aws_port: int = 4566
    state_dir: Path = Path(".patron")
    reset: bool = False
    template: Template = field(default_factory=Template)
    workers: list[Worker] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        for port in (self.port, self.aws_port):
            if not port_is_free(self.host, port):
                raise OSError(f"port {port} on {self.host} is already in use")
        started = time.monotonic()
        if self.reset:
            state.reset(self.state_dir)
        self.api_key = state.api_key(self.state_dir)
        os.environ.update(identity.ID_STRATEGY)  # the same pool and client ids at every start
        self._aws = aws.start_aws(self.host, self.aws_port, origins.console_origins(self.host, self.port))
        # the user pool is provisioned just after the gateway answers (`_provision_identity`); until then
        # sign-ins, the token endpoint, config.json and every API request wait for it
        self.identity: identity.Identity | None = None
        self.identity_ready = threading.Event()
        pooled = bool(self.template.of_type("AWS::Cognito::UserPool"))
        self.admin_password = identity.admin_password(self.state_dir) if pooled else None  # the banner's
        # S3 through the AWS endpoint: presigned URLs (marketing uploads, reports) point where clients
        # reach them, as they point at S3 on AWS
        os.environ["AWS_ENDPOINT_URL_S3"] = f"http://{_reachable(self.host)}:{self.aws_port}"
        os.environ.update(function_environment(self.template))
        # the handlers run here, not on Lambda: no X-Ray daemon to send to, no metrics on stdout
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        # what no request of the platform's own needs is created once the gateway answers, on a thread
        # of its own; until it exists, requests to its services wait for it (docs/decisions.md)
        self.provisioned = threading.Event()
        moto_patches.hold_services(aws.LATER_SERVICES, self.provisioned)
        moto_patches.hold_services([identity.SERVICE], self.identity_ready)
        aws.provision(self.template, self.api_key)
        self.restored_items = state.load_tables(self.state_dir, self.table_names())
        self.restored_messages = state.load_queues(self.state_dir, self.queue_names())
        state.load_secrets(self.state_dir, self.secret_names())
        self.logs = FunctionLogs(self.state_dir / "logs", ready=self.provisioned)
        # execution environments start on each function's first invocation
        self.runtime = ProcessRuntime(
            self.template.functions(),
            aws_endpoint=f"http://{_loopback(self.host)}:{self.aws_port}",
            logs=self.logs,
        )
        # background workers, each derived from the template's event sources
        self.workers += streams.stream_readers(self.template, self.runtime)
        from patron_tools.local.docs import (
            Docs,
        )  # imports the handlers' code: only once their environment is set

        # Step Functions and EventBridge: Lambda tasks and targets reach the execution environments
        invoke.serve(self.runtime)
        stepfunctions.create_state_machines(self.template)
        self.restored_executions = state.load_executions(self.state_dir)
        events.create_rules(self.template)
        self.workers.append(events.Scheduler())
        self.workers += sqs.pollers(self.template, self.runtime)
        keys = aws.api_keys()
        self.gateway = Gateway(
            self.template.apis(),
            self.template.routes(),
            self.runtime,
            api_keys=lambda: keys,
            extra={"/health": self.health, "/config.json": self.console_config},
            prefixes={"/docs": Docs(self.template)},
            fallback=self.console,
            usage_plan=usage_plan(self.template),
            posts={"/oauth2/token": self.token_endpoint_of_the_pool},
            authorizers_wait_for=self.identity_ready,
        )
        for worker in self.workers:
            worker.start()
        local_only = origins.LocalOnly(
            self.gateway, self.host, self.port, headers=self.gateway.unknown_path_headers
        )
        self._server = keep_alive_server(
            self.host, self.port, local_only, error_headers=self.gateway.unknown_path_headers
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        self._later = threading.Thread(target=self._provision_later, name="provisioning", daemon=True)
        self._later.start()
        self.startup_seconds = time.monotonic() - started
        self.ready.set()

    def _provision_identity(self) -> None:
        """The template's user pool, groups, resource server, domain and clients, the saved users and the
        first admin; then the authorizer's USER_POOL_ID is the pool's assigned id (environments start on
        first use, and nothing invokes the authorizer before `identity_ready`)."""
        try:
            moto_patches.apply_cognito()
            moto_patches.sign_cognito_tokens(identity.signing_key(self.state_dir))
            self.identity = identity.create_identity(self.template)
            if self.identity is not None and self.admin_password is not None:
                state.load_identity(self.state_dir, self.identity.user_pool_id)
                identity.ensure_admin(self.identity, self.admin_password)
                self._token_endpoint = identity.TokenEndpoint(self.identity)
                self.runtime.refresh(self.template.functions())
        finally:
            self.identity_ready.set()

    def token_endpoint_of_the_pool(self, request: Request) -> Response:
        if not self.identity_ready.wait(IDENTITY_WAIT_SECONDS) or self.identity is None:
            return json_response(503, {"error": "temporarily_unavailable"})
        return self._token_endpoint(request)

    def _provision_later(self) -> None:
        try:
            with moto_patches.unheld():
                self._provision_identity()  # first: every request with a token waits for it
                aws.provision_later(self.template)
        except Exception as exc:
            logger.exception("provisioning failed")
            terminal(f"patron dev: provisioning the template's monitoring and functions failed: {exc}")
        finally:
            self.provisioned.set()

    def stop(self) -> None:
        self.ready.clear()
        self._server.shutdown()
        self._later.join()
        for worker in reversed(self.workers):
            worker.stop()
        stepfunctions.finish_executions(EXECUTIONS_FINISH_SECONDS)
        state.save_executions(self.state_dir)
        self.runtime.stop()
        self.logs.close()
        state.save_tables(self.state_dir, self.table_names())
        state.save_queues(self.state_dir, self.queue_names())
        state.save_secrets(self.state_dir, self.secret_names())
        if self.identity is not None:
            state.save_identity(self.state_dir, self.identity.user_pool_id)
        self._aws.stop()

    # ---------------------------------------------------------------- what it serves besides APIs
    def table_names(self) -> list[str]:
        return [
            self.template.physical_name(logical_id)
            for logical_id in self.template.of_type("AWS::DynamoDB::Table")
        ]

    def queue_names(self) -> list[str]:
        return [
            self.template.physical_name(logical_id) for logical_id in self.template.of_type("AWS::SQS::Queue")
        ]

    def secret_names(self) -> list[str]:
        return [
            self.template.physical_name(logical_id)
            for logical_id in self.template.of_type("AWS::SecretsManager::Secret")
        ]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_urls(self) -> dict[str, str]:
        return {api.base_path: f"{self.base_url}/{api.base_path}" for api in self.template.apis().values()}

    def health(self, request: Request) -> Response:
        if not self.ready.is_set():
            return json_response(503, {"status": "starting"})
        return json_response(200, {"status": "ok", "apis": sorted(self.api_urls())})

    def console_config(self, request: Request) -> Response:
        """The web console's runtime configuration (on AWS the stack writes the same file)."""
        apis = {name: f"/{name}" for name in self.api_urls()}
        config: dict[str, object] = {"apis": apis, "apiKey": self.api_key}
        self.identity_ready.wait(IDENTITY_WAIT_SECONDS)
        if self.identity is not None:
            config["auth"] = {
                "region": REGION,
                "userPoolId": self.identity.user_pool_id,
                "clientId": self.identity.console_client_id,
                "tokenEndpoint": self.token_endpoint,
                "endpoint": self.aws_url,  # Cognito's API; on AWS the SDK's own endpoint
            }
        return Response(json.dumps(config), content_type="application/json")

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth2/token"

    @property
    def aws_url(self) -> str:
        return f"http://{_reachable(self.host)}:{self.aws_port}"

    def console(self, request: Request) -> Response:
        if not WEB_DIST.is_dir():
            return json_response(
                404, {"message": "The web console is not built (cd web && npm ci && npm run build)."}
            )
        relative = request.path.lstrip("/") or "index.html"
        target = (WEB_DIST / relative).resolve()
        if not target.is_file() or WEB_DIST.resolve() not in target.parents:
            target = WEB_DIST / "index.html"  # single-page app: client-side routes fall back to index
        return Response(target.read_bytes(), mimetype=_mimetype(target))


def _reachable(host: str) -> str:
    """The address a client on this machine uses for a server listening on `host`."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104  # nosec B104 - compared, not bound


def _mimetype(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
