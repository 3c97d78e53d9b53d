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
import collections
import contextlib
import datetime as dt
import json
import logging
import os
import selectors
import signal
import socket
import subprocess  # nosec B404 - starts this interpreter on the template's handler
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httptools

from patron_tools.local.logs import FunctionLogs, terminal
from patron_tools.local.template import ACCOUNT_ID, REGION, ROOT, Function

logger = logging.getLogger("patron_tools.local")

SYNC_PAYLOAD_BYTES = 6_291_556  # Lambda: synchronous request and response, each (its error names this figure)
ASYNC_PAYLOAD_BYTES = 1024 * 1024  # Lambda: asynchronous (InvocationType=Event) request
INIT_SECONDS = 10.0  # Lambda's limit for the init phase of an on-demand environment
IDLE_SECONDS = 300.0  # an environment unused this long is stopped
# local cap on the environments of one function (the machine's, not AWS's): beyond the cores and one more,
# processes only compete for them (bench/warm.py, 8 client threads on 2 cores: 8 environments served ~105-130
# warm GETs per second, 4 ~160-185, 3 ~165-195); calls beyond the cap wait for a free environment
PER_FUNCTION = min(8, (os.cpu_count() or 1) + 1)
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


@dataclass
class RuntimeRequest:
    """One request of the runtime to its Runtime API."""

    method: str
    path: str
    body: bytes


class _RuntimeConnection:
    """One connection of the runtime to its Runtime API, HTTP/1.1 kept alive (awslambdaric's client holds one;
    its init-error report opens another). httptools (llhttp, Node.js's parser) parses what arrives."""

    def __init__(self, connection: socket.socket) -> None:
        # without it each answer waits for the client's delayed ACK: 44 ms per invocation, not 0.2 ms
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket = connection
        self.requests: collections.deque[RuntimeRequest] = collections.deque()
        self._parser = httptools.HttpRequestParser(self)
        self._url: list[bytes] = []
        self._body: list[bytes] = []

    def receive(self) -> bool:
        """Read what the runtime sent (parsed into `requests`); False once the connection is closed."""
        try:
            data = self.socket.recv(1024 * 1024)
            if data:
                self._parser.feed_data(data)
        except (OSError, httptools.HttpParserError):
            return False
        return bool(data)

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        with contextlib.suppress(OSError):  # a runtime that is gone fails the invocation on its next read
            self.socket.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def accepted(self) -> None:
        """The Runtime API's answer to a response or an error the runtime posted."""
        self.answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

    def close(self) -> None:
        self.socket.close()

    # httptools' callbacks
    def on_message_begin(self) -> None:
        self._url, self._body = [], []

    def on_url(self, url: bytes) -> None:
        self._url.append(url)

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        method = self._parser.get_method().decode()
        self.requests.append(RuntimeRequest(method, b"".join(self._url).decode(), b"".join(self._body)))


class _Failed(Exception):
    """The invocation failed before the handler answered: `error` is Lambda's error document."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("errorMessage"))
        self.error = error


class Environment:
    """One execution environment: a runtime process and its Runtime API. `invoke` runs one invocation
    at a time (the pool guarantees it), and the invoking thread itself answers the runtime's requests:
    no thread hands an event or a response to another."""

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
        self.stopped = threading.Event()
        self.init_ms: float | None = None  # set once the runtime asked for its first invocation
        self._on_started = on_started  # called once: init is over (or failed)
        self._started_once = threading.Lock()
        self.request_id: str | None = None  # of the latest invocation: its log lines' tag
        self.last_used = time.monotonic()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._connections: list[_RuntimeConnection] = []
        host, port = self._listener.getsockname()[:2]
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

    def invoke(self, payload: bytes) -> tuple[bytes, Report]:
        """Run one invocation; its response, or FunctionError. Stops the environment on a timeout."""
        request_id = str(uuid.uuid4())
        cold = self.init_ms is None
        started = time.monotonic()
        self.logs.start(self.function, self.id, request_id)
        response: bytes | None = None
        error: dict[str, Any] | None = None
        try:
            response = self._run(request_id, payload, started)
        except _Failed as failed:
            error = failed.error
        finally:
            self._init_over()
        self.last_used = time.monotonic()
        if error is None and len(response or b"") > SYNC_PAYLOAD_BYTES:
            error = {
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": (
                    f"Response payload size exceeded maximum allowed payload size ({SYNC_PAYLOAD_BYTES} bytes)."
                ),
            }
        report = Report(
            function=self.function.name,
            request_id=request_id,
            duration_ms=(time.monotonic() - started) * 1000,
            init_ms=self.init_ms if cold else None,
            error_type=error.get("errorType") if error else None,
        )
        self.logs.end(self.function, self.id, report)
        if error is not None:
            raise FunctionError(error, report)
        return response or b"null", report

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        self._init_over()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        # the sockets close with the process; an invocation still reading sees it end (_receive)

    # ------------------------------------------------------------------ inside
    def _run(self, request_id: str, payload: bytes, started: float) -> bytes:
        """The Runtime API's exchange for one invocation: wait for the runtime's `next` (on a cold start, the
        end of its init), hand it the event, read its response or error."""
        cold = self.init_ms is None
        # an init over 10 s is retried within the invocation on Lambda, bounded by the function's timeout
        limit = started + (INIT_SECONDS if cold else 0.0) + self.function.timeout
        while True:
            connection, request = self._receive(request_id, limit, "init did not finish")
            if request.method == "GET" and request.path == f"{RUNTIME_API}/invocation/next":
                break
            if request.method == "POST" and request.path == f"{RUNTIME_API}/init/error":
                # the handler's module failed to import: this invocation fails with its error
                connection.accepted()
                raise _Failed(_with_request_id(request_id, _error_document(request.body)))
            connection.answer(404)
        if cold:
            self.init_ms = (time.monotonic() - self._started) * 1000
            self._init_over()
        self.request_id = request_id
        connection.answer(
            200,
            payload,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(int((time.time() + self.function.timeout) * 1000)),
                "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
            },
        )
        deadline = time.monotonic() + self.function.timeout
        timed_out = f"Task timed out after {self.function.timeout:.2f} seconds"
        while True:
            connection, request = self._receive(request_id, deadline, timed_out, "Sandbox.Timedout")
            if request.method == "POST" and request.path in (
                f"{RUNTIME_API}/invocation/{request_id}/response",
                f"{RUNTIME_API}/invocation/{request_id}/error",
            ):
                connection.accepted()
                if request.path.endswith("/error"):
                    raise _Failed(_error_document(request.body))
                return request.body
            connection.answer(400 if request.path.startswith(f"{RUNTIME_API}/invocation/") else 404)

    def _receive(
        self, request_id: str, limit: float, late: str, late_type: str = "Runtime.Unknown"
    ) -> tuple[_RuntimeConnection, RuntimeRequest]:
        """The runtime's next request, from any of its connections; _Failed when the runtime exits or is
        stopped, or at `limit` (monotonic seconds), which stops the environment."""
        while True:
            for connection in self._connections:
                if connection.requests:
                    return connection, connection.requests.popleft()
            if self.stopped.is_set() or (not self._connections and self.process.poll() is not None):
                raise _Failed(self._exit_error(request_id))
            remaining = limit - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise _Failed(_runtime_error(request_id, late_type, late))
            try:
                # short waits while no connection is open: the process may be exiting
                ready = self._selector.select(min(remaining, 0.5 if self._connections else 0.05))
            except (OSError, ValueError):  # closed by stop()
                raise _Failed(self._exit_error(request_id)) from None
            for key, _ in ready:
                if key.fileobj is self._listener:
                    with contextlib.suppress(BlockingIOError):
                        client, _ = self._listener.accept()
                        client.setblocking(True)  # read only once the selector says so; answers block
                        accepted = _RuntimeConnection(client)
                        self._connections.append(accepted)
                        self._selector.register(accepted.socket, selectors.EVENT_READ, accepted)
                elif not key.data.receive():  # closed: by the runtime, or by _watch (the process ended)
                    self._selector.unregister(key.fileobj)
                    self._connections.remove(key.data)
                    key.data.close()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        self.process.wait(timeout=1.0)  # the runtime closed its connection: it is exiting

    def _exit_error(self, request_id: str) -> dict[str, Any]:
        """Lambda's error for a runtime that ended mid-invocation (its words: "Runtime exited with ...")."""
        status = self.process.poll()
        if status is None:
            return _runtime_error(request_id, "Runtime.Unknown", "the execution environment was stopped")
        if status < 0:
            name = signal.Signals(-status).name.removeprefix("SIG").lower()
            return _runtime_error(request_id, "Runtime.ExitError", f"Runtime exited with signal: {name}")
        return _runtime_error(
            request_id, "Runtime.ExitError", f"Runtime exited with error: exit status {status}"
        )

    def _init_over(self) -> None:
        if self._started_once.acquire(blocking=False):
            self._on_started()

    def _watch(self) -> None:
        """An environment whose process ended is stopped (the pool no longer hands it invocations) and its
        sockets closed (an invocation reading them ends: _receive)."""
        self.process.wait()
        self.stop()
        for each in (self._listener, *(connection.socket for connection in self._connections)):
            each.close()
        self._selector.close()

    def _read_output(self) -> None:
        if self.process.stdout is None:
            return
        for line in self.process.stdout:
            self.logs.line(self.function, self.id, self.request_id, line)


def _error_document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return {"errorType": "Runtime.Unknown", "errorMessage": body.decode("utf-8", "replace")}
    return {key: document[key] for key in ("errorType", "errorMessage", "stackTrace") if key in document}


def _with_request_id(request_id: str, error: dict[str, Any]) -> dict[str, Any]:
    return {**error, "errorMessage": f"RequestId: {request_id} Error: {error.get('errorMessage', '')}"}


def _runtime_error(request_id: str, error_type: str, message: str) -> dict[str, Any]:
    return _with_request_id(request_id, {"errorType": error_type, "errorMessage": message})


class FunctionPool:
    """The environments of one function: idle ones are reused, new ones start up to the cap."""

    def __init__(self, function: Function, cap: int, lock: threading.Lock) -> None:
        self.function = function
        self.cap = cap  # environments at most: the local cap, or the reserved concurrency if lower
        self.reserved = function.reserved_concurrency  # concurrent invocations beyond it are throttled
        self.idle: list[Environment] = []
        self.busy = 0  # environments invoking, cold ones included
        self.starting = 0  # environments in their init phase
        # the calls waiting for an environment of this function; one is woken per environment freed (waking
        # every waiter of every function on each release cost 8 client threads on 3 environments ~15 % of
        # their rate: bench/warm.py)
        self.changed = threading.Condition(lock)


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
        self._lock = threading.Lock()  # guards every pool's counts and idle list
        self._pools = {
            logical_id: FunctionPool(
                function,
                min(per_function, function.reserved_concurrency)
                if function.reserved_concurrency is not None
                else per_function,
                self._lock,
            )
            for logical_id, function in functions.items()
        }
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="environments", daemon=True)
        self._reaper.start()

    def refresh(self, functions: dict[str, Function]) -> None:
        """The functions as the template now resolves them (an id AWS assigned during provisioning, such as
        the user pool's): environments started from now on get their new variables."""
        with self._lock:
            for logical_id, function in functions.items():
                self.functions[logical_id] = self._pools[logical_id].function = function

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
        with self._lock:
            return len(pool.idle) + pool.busy

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
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
        with self._lock:
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
                pool.changed.wait(0.05)

        def started() -> None:
            with self._lock:
                pool.starting -= 1
                self._start_slot_freed()

        try:
            return Environment(pool.function, self.aws_endpoint, self.logs, self.task_root, started)
        except Exception:
            with self._lock:
                pool.busy -= 1
                pool.starting -= 1
                self._start_slot_freed()
            raise

    def _start_slot_freed(self) -> None:
        """A cold start ended: a call of any function may now start an environment (called with the lock)."""
        for pool in self._pools.values():
            pool.changed.notify_all()

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
        with self._lock:
            pool.busy -= 1
            if not environment.stopped.is_set() and not self._stop.is_set():
                pool.idle.append(environment)
            pool.changed.notify()
        if self._stop.is_set():
            environment.stop()

    def _reap(self) -> None:
        while not self._stop.wait(min(self.idle_seconds, 10.0)):
            cutoff = time.monotonic() - self.idle_seconds
            with self._lock:
                stale = [env for pool in self._pools.values() for env in pool.idle if env.last_used < cutoff]
                for pool in self._pools.values():
                    pool.idle = [env for env in pool.idle if env not in stale]
            for environment in stale:
                environment.stop()
