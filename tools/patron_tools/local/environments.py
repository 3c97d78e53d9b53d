"""Lambda execution environments for `patron dev`: each function runs in processes of its own, as on
Lambda. An environment is `python -m awslambdaric <Handler>` (AWS's runtime interface client, the one
in Lambda's Python base image) talking to a Lambda Runtime API that this module serves for it
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). It sees only its function's template
`Environment`, Lambda's reserved variables and the local AWS endpoint, so module state, variables and
log context are never shared between functions.

Environments start on a function's first invocation (a cold start, timed as Lambda's `Init Duration`),
serve one invocation at a time, are reused, and more of them start for concurrent invocations up to a
cap per function (and `ReservedConcurrentExecutions`, beyond which a call is throttled as Lambda
throttles it) and in total; an environment idle for `IDLE_SECONDS` is stopped. An invocation that
outlives the function's `Timeout` stops its environment and fails with Lambda's `Sandbox.Timedout`
error; a handler that exits or crashes its process fails that invocation only.

Sizes are Lambda's (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, Invoke
API): 6 MB for a synchronous request and response, 1 MB for an asynchronous event."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import os
import queue
import socket
import subprocess  # nosec B404 - starts this interpreter on the template's handler
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from patron_tools.local.logs import FunctionLogs, terminal
from patron_tools.local.template import ACCOUNT_ID, REGION, ROOT, Function

logger = logging.getLogger("patron_tools.local")

SYNC_PAYLOAD_BYTES = 6_291_556  # Lambda: synchronous request and response, each (its error names this figure)
ASYNC_PAYLOAD_BYTES = 1024 * 1024  # Lambda: asynchronous (InvocationType=Event) request
INIT_SECONDS = 10.0  # Lambda's limit for the init phase of an on-demand environment
IDLE_SECONDS = 300.0  # an environment unused this long is stopped
# local cap on the environments of one function (the machine's, not AWS's): beyond twice the cores more
# processes only compete for them (bench/warm.py, 8 client threads on 2 cores: 4 environments served ~140-160
# warm GETs per second, 8 environments ~105-130, each invocation costing 60 % more CPU); calls beyond the cap
# wait for a free environment
PER_FUNCTION = min(8, 2 * (os.cpu_count() or 1))
STARTING_PER_FUNCTION = 2  # cold starts of one function at a time (see ProcessRuntime._acquire)
STARTING_TOTAL = 4  # cold starts at a time in all
SPAWN_AFTER_SECONDS = 0.05  # how long a call waits for a busy environment before starting another
TOTAL = 48  # local cap on all environments together
SRC = ROOT / "src"  # what `sam build` packages (CodeUri: src/): LAMBDA_TASK_ROOT
RUNTIME_API = "/2018-06-01/runtime"


class FunctionError(Exception):
    """The function failed: `payload` is the error document Lambda returns (`errorType`,
    `errorMessage`, ...), as the Invoke API answers it with `X-Amz-Function-Error: Unhandled`."""

    def __init__(self, payload: dict[str, Any], report: Report | None = None) -> None:
        super().__init__(f"{payload.get('errorType', 'Unhandled')}: {payload.get('errorMessage', '')}")
        self.payload = payload
        self.report = report

    @property
    def error_type(self) -> str:
        return str(self.payload.get("errorType", "Unhandled"))


class RequestTooLarge(Exception):
    """The event exceeds Lambda's payload limit (the Invoke API's 413 RequestTooLargeException)."""


class Throttled(Exception):
    """No environment may start: the function's reserved concurrency is in use (the Invoke API's 429
    TooManyRequestsException)."""


def encode_event(event: Any) -> bytes:
    """An event as the JSON Lambda delivers: stream records' binary values base64, times in ISO 8601."""

    def default(value: Any) -> Any:
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(value).decode()
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        raise TypeError(f"{type(value).__name__} is not JSON")

    return json.dumps(event, default=default).encode()


def check_request_size(payload: bytes, asynchronous: bool) -> None:
    """Raise RequestTooLarge for a payload over Lambda's limit for its invocation type."""
    limit = ASYNC_PAYLOAD_BYTES if asynchronous else SYNC_PAYLOAD_BYTES
    if len(payload) > limit:
        raise RequestTooLarge(
            f"Request must be smaller than {limit} bytes for the "
            f"{'Event' if asynchronous else 'RequestResponse'} invocation type"
        )


@dataclass
class Invocation:
    payload: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int = 0
    handed: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    error: dict[str, Any] | None = None

    def finish(self, response: bytes | None = None, error: dict[str, Any] | None = None) -> None:
        if self.done.is_set():
            return
        self.response, self.error = response, error
        self.handed.set()
        self.done.set()


@dataclass
class Report:
    """What the terminal line and the REPORT log line say about one invocation."""

    function: str
    request_id: str
    duration_ms: float
    init_ms: float | None  # set on a cold start
    error_type: str | None = None


def reserved_variables(function: Function, runtime_api: str, aws_endpoint: str) -> dict[str, str]:
    """Lambda's reserved variables for this function, plus what reaches the local AWS endpoint
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)."""
    return {
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "LAMBDA_TASK_ROOT": str(SRC),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # the role's credentials on Lambda; locally any credentials do, one access key per function
        "AWS_ACCESS_KEY_ID": function.name,
        "AWS_SECRET_ACCESS_KEY": "patron-local",  # nosec B105 - moto accepts any credentials
        "AWS_SESSION_TOKEN": "patron-local",  # nosec B105
        "AWS_ENDPOINT_URL": aws_endpoint,
        # no X-Ray daemon and no CloudWatch metrics locally
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",  # each log line reaches the log as it is written
        # metrics are off locally, and Powertools then warns on every invocation
        "PYTHONWARNINGS": "ignore:No application metrics to publish:UserWarning",
    } | _recording()


def _recording() -> dict[str, str]:
    """With PATRON_RECORD_AWS_CALLS set (the e2e suite), each environment appends every AWS call it makes
    to that file (recording/sitecustomize.py, loaded by Python at start-up from PYTHONPATH)."""
    path = os.environ.get("PATRON_RECORD_AWS_CALLS")
    if not path:
        return {}
    return {"PATRON_RECORD_AWS_CALLS": path, "PYTHONPATH": str(Path(__file__).parent / "recording")}


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    """The Runtime API of one environment (next, response, error, init error)."""

    protocol_version = "HTTP/1.1"  # keep-alive: the client holds one connection
    server: _RuntimeApiServer

    def setup(self) -> None:
        super().setup()
        # without it each answer waits for the client's delayed ACK: 44 ms per invocation, not 0.2 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != f"{RUNTIME_API}/invocation/next":
            self._answer(404)
            return
        invocation = self.server.environment.next_invocation()
        if invocation is None:  # the environment is stopping
            self._answer(410)
            return
        self._answer(
            200,
            invocation.payload,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": self.server.environment.function_arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
            },
        )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.removeprefix(RUNTIME_API).strip("/").split("/")
        environment = self.server.environment
        if parts == ["init", "error"]:
            environment.init_failed(_error_document(body))
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            if parts[2] == "response":
                environment.complete(parts[1], response=body)
            else:
                environment.complete(parts[1], error=_error_document(body))
        else:
            self._answer(404)
            return
        self._answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})


class _RuntimeApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A runtime stopped mid-request (a timeout, a crash, `patron dev` stopping): nothing to report."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        super().__init__(("127.0.0.1", 0), _RuntimeApiHandler)


def _error_document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return {"errorType": "Runtime.Unknown", "errorMessage": body.decode("utf-8", "replace")}
    return {key: document[key] for key in ("errorType", "errorMessage", "stackTrace") if key in document}


class Environment:
    """One execution environment: a runtime process and its Runtime API. `invoke` runs one invocation
    at a time (the pool guarantees it)."""

    def __init__(
        self,
        function: Function,
        aws_endpoint: str,
        logs: FunctionLogs,
        task_root: Path = SRC,
        on_started: Callable[[], None] = lambda: None,
    ) -> None:
        self.function = function
        self.function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}"
        self.id = uuid.uuid4().hex
        self.logs = logs
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._current: Invocation | None = None
        self._lock = threading.Lock()
        self.stopped = threading.Event()
        self.ready = threading.Event()  # the runtime asked for its first invocation: init is over
        self.init_ms: float | None = None
        self._on_started = on_started  # called once: init is over (or failed)
        self._started_once = threading.Lock()
        self.request_id: str | None = None  # of the latest invocation: its log lines' tag
        self._exit_error: dict[str, Any] | None = None
        self.last_used = time.monotonic()
        self._server = _RuntimeApiServer(self)
        host, port = self._server.server_address[:2]
        threading.Thread(
            target=self._server.serve_forever, name=f"runtime-api:{function.name}", daemon=True
        ).start()
        variables = {
            **function.environment,
            **reserved_variables(function, f"{host!s}:{port}", aws_endpoint),
            "AWS_LAMBDA_LOG_STREAM_NAME": logs.stream_name(function, self.id),
        }
        self._started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 # nosec B603 - our interpreter, the template's handler
            [sys.executable, "-m", "awslambdaric", function.handler],
            env={**variables, "LAMBDA_TASK_ROOT": str(task_root)},
            cwd=task_root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._read_output, name=f"logs:{function.name}", daemon=True).start()
        threading.Thread(target=self._watch, name=f"env:{function.name}", daemon=True).start()

    # ------------------------------------------------------------------ the Runtime API's side
    def next_invocation(self) -> Invocation | None:
        if not self.ready.is_set():
            self.init_ms = (time.monotonic() - self._started) * 1000
            self.ready.set()
            self._init_over()
        while not self.stopped.is_set():
            try:
                invocation = self._pending.get(timeout=0.5)
            except queue.Empty:
                continue
            if invocation is None:
                return None
            invocation.deadline_ms = int((time.time() + self.function.timeout) * 1000)
            with self._lock:
                self._current = invocation
            self.request_id = invocation.request_id
            invocation.handed.set()
            return invocation
        return None

    def complete(
        self, request_id: str, response: bytes | None = None, error: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            invocation, self._current = self._current, None
        if invocation is not None and invocation.request_id == request_id:
            invocation.finish(response, error)

    def init_failed(self, error: dict[str, Any]) -> None:
        """The handler's module failed to import: the invocation waiting for it fails with that error."""
        self._exit_error = error
        self._fail_pending(error)

    # ------------------------------------------------------------------ the invoker's side
    def invoke(self, payload: bytes) -> tuple[bytes, Report]:
        """Run one invocation; its response, or FunctionError. Stops the environment on a timeout."""
        invocation = Invocation(payload)
        cold = not self.ready.is_set()
        started = time.monotonic()
        self.logs.start(self.function, self.id, invocation.request_id)
        self._pending.put(invocation)
        # an init over 10 s is retried within the invocation on Lambda, bounded by the function's timeout
        handoff_limit = started + (INIT_SECONDS if cold else 0.0) + self.function.timeout
        while not invocation.handed.wait(0.05):
            if self.stopped.is_set() or time.monotonic() > handoff_limit:
                self.stop()
                invocation.finish(
                    error=self._exit_error
                    or _runtime_error(invocation, "Runtime.Unknown", "init did not finish")
                )
        if not invocation.done.wait(self.function.timeout + 0.05):
            self.stop()
            invocation.finish(
                error=_runtime_error(
                    invocation,
                    "Sandbox.Timedout",
                    f"Task timed out after {self.function.timeout:.2f} seconds",
                )
            )
        self.last_used = time.monotonic()
        if invocation.error is None and len(invocation.response or b"") > SYNC_PAYLOAD_BYTES:
            invocation.error = {
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": (
                    f"Response payload size exceeded maximum allowed payload size ({SYNC_PAYLOAD_BYTES} bytes)."
                ),
            }
        report = Report(
            function=self.function.name,
            request_id=invocation.request_id,
            duration_ms=(time.monotonic() - started) * 1000,
            init_ms=self.init_ms if cold else None,
            error_type=invocation.error.get("errorType") if invocation.error else None,
        )
        self.logs.end(self.function, self.id, report)
        if invocation.error is not None:
            raise FunctionError(invocation.error, report)
        return invocation.response or b"null", report

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        self._init_over()
        self._pending.put(None)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ inside
    def _init_over(self) -> None:
        if self._started_once.acquire(blocking=False):
            self._on_started()

    def _fail_pending(self, error: dict[str, Any]) -> None:
        with self._lock:
            invocation, self._current = self._current, None
        pending = [invocation] if invocation is not None else []
        while True:
            try:
                queued = self._pending.get_nowait()
            except queue.Empty:
                break
            if queued is not None:
                pending.append(queued)
        for each in pending:
            each.finish(
                error={
                    **error,
                    "errorMessage": f"RequestId: {each.request_id} Error: {error.get('errorMessage', '')}",
                }
            )

    def _watch(self) -> None:
        status = self.process.wait()
        if not self.stopped.is_set():
            self._exit_error = self._exit_error or {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited with error: exit status {status}",
            }
            self._fail_pending(self._exit_error)
            self.stop()

    def _read_output(self) -> None:
        if self.process.stdout is None:
            return
        for line in self.process.stdout:
            self.logs.line(self.function, self.id, self.request_id, line)


def _runtime_error(invocation: Invocation, error_type: str, message: str) -> dict[str, Any]:
    return {"errorType": error_type, "errorMessage": f"RequestId: {invocation.request_id} Error: {message}"}


class FunctionPool:
    """The environments of one function: idle ones are reused, new ones start up to the cap."""

    def __init__(self, function: Function, cap: int) -> None:
        self.function = function
        self.cap = cap  # environments at most: the local cap, or the reserved concurrency if lower
        self.reserved = function.reserved_concurrency  # concurrent invocations beyond it are throttled
        self.idle: list[Environment] = []
        self.busy = 0  # environments invoking, cold ones included
        self.starting = 0  # environments in their init phase


class ProcessRuntime:
    """The local Lambda service: `invoke(logical_id, event)` runs the function in one of its execution
    environments and returns the handler's result (decoded JSON), or raises FunctionError,
    RequestTooLarge or Throttled. Thread-safe: call it from any number of threads."""

    def __init__(
        self,
        functions: dict[str, Function],
        aws_endpoint: str,
        logs: FunctionLogs,
        per_function: int = PER_FUNCTION,
        total: int = TOTAL,
        idle_seconds: float = IDLE_SECONDS,
        task_root: Path = SRC,
    ) -> None:
        self.functions = functions
        self.task_root = task_root
        self.aws_endpoint = aws_endpoint
        self.logs = logs
        self.total = total
        self.idle_seconds = idle_seconds
        self._pools = {
            logical_id: FunctionPool(
                function,
                min(per_function, function.reserved_concurrency)
                if function.reserved_concurrency is not None
                else per_function,
            )
            for logical_id, function in functions.items()
        }
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="environments", daemon=True)
        self._reaper.start()

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any:
        payload = encode_event(event)
        check_request_size(payload, asynchronous)
        pool = self._pools[logical_id]
        environment = self._acquire(pool, wait=asynchronous or pool.function.reserved_concurrency is None)
        try:
            response, report = environment.invoke(payload)
        except FunctionError as exc:
            self._print(logical_id, exc.report)
            raise
        finally:
            self._release(pool, environment)
        self._print(logical_id, report)
        return json.loads(response)

    @staticmethod
    def _print(logical_id: str, report: Report | None) -> None:
        if report is None:
            return
        cold = f" (cold start, init {report.init_ms:.0f} ms)" if report.init_ms is not None else ""
        failed = f" {report.error_type}" if report.error_type else ""
        terminal(f"  λ {logical_id} {report.duration_ms:.0f} ms{cold}{failed}")

    def environments(self, logical_id: str) -> int:
        """How many environments the function has now (idle and busy)."""
        pool = self._pools[logical_id]
        with self._changed:
            return len(pool.idle) + pool.busy

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            environments = [environment for pool in self._pools.values() for environment in pool.idle]
            for pool in self._pools.values():
                pool.idle.clear()
        for environment in environments:
            environment.stop()

    # ------------------------------------------------------------------ inside
    def _count(self) -> int:
        return sum(len(pool.idle) + pool.busy for pool in self._pools.values())

    def _acquire(self, pool: FunctionPool, wait: bool) -> Environment:
        """An idle environment of the function, else a new one. Cold starts cost a whole interpreter's
        imports (0.5-3 s of CPU here), so a developer machine would drown in a burst of them: a new
        environment starts at once only for a function that has none starting, else after the caller has
        waited SPAWN_AFTER_SECONDS for one to free up, and never more than STARTING_PER_FUNCTION /
        STARTING_TOTAL at a time (Lambda starts them all at once; it has the CPUs)."""
        asked = time.monotonic()
        with self._changed:
            while True:
                pool.idle = [environment for environment in pool.idle if not environment.stopped.is_set()]
                if pool.idle:
                    pool.busy += 1
                    return pool.idle.pop()
                if pool.reserved is not None and pool.busy >= pool.reserved and not wait:
                    raise Throttled(f"Rate Exceeded. ({pool.function.name}: reserved concurrency in use)")
                may_start = (
                    pool.busy < pool.cap
                    and (pool.starting == 0 or time.monotonic() - asked >= SPAWN_AFTER_SECONDS)
                    and pool.starting < STARTING_PER_FUNCTION
                    and self._starting() < STARTING_TOTAL
                )
                if may_start:
                    if self._count() >= self.total:
                        self._evict_one()
                    if self._count() < self.total:
                        pool.busy += 1
                        pool.starting += 1
                        break
                self._changed.wait(0.05)

        def started() -> None:
            with self._changed:
                pool.starting -= 1
                self._changed.notify_all()

        try:
            return Environment(pool.function, self.aws_endpoint, self.logs, self.task_root, started)
        except Exception:
            with self._changed:
                pool.busy -= 1
                pool.starting -= 1
                self._changed.notify_all()
            raise

    def _starting(self) -> int:
        return sum(pool.starting for pool in self._pools.values())

    def _evict_one(self) -> None:
        """Stop the least recently used idle environment of any function (the total cap is reached)."""
        idle = [
            (environment.last_used, pool, environment)
            for pool in self._pools.values()
            for environment in pool.idle
        ]
        if idle:
            _, pool, environment = min(idle, key=lambda entry: entry[0])
            pool.idle.remove(environment)
            environment.stop()

    def _release(self, pool: FunctionPool, environment: Environment) -> None:
        with self._changed:
            pool.busy -= 1
            if not environment.stopped.is_set() and not self._stop.is_set():
                pool.idle.append(environment)
            self._changed.notify_all()
        if self._stop.is_set():
            environment.stop()

    def _reap(self) -> None:
        while not self._stop.wait(min(self.idle_seconds, 10.0)):
            cutoff = time.monotonic() - self.idle_seconds
            with self._changed:
                stale = [env for pool in self._pools.values() for env in pool.idle if env.last_used < cutoff]
                for pool in self._pools.values():
                    pool.idle = [env for env in pool.idle if env not in stale]
            for environment in stale:
                environment.stop()
