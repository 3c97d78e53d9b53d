"""The Lambda runtimes of the local cloud. `Invoker` is what every dispatch point (the gateway, queue
pollers, stream readers, the Invoke API behind Step Functions and EventBridge) calls: `patron dev` uses
`environments.ProcessRuntime` (a process per execution environment, as on Lambda); the integration tests
use `LambdaRuntime` below, which imports a function's handler by its template `Handler` string and
invokes it in this process, one invocation at a time per handler module (Powertools resolvers keep the
current event on the module's `app`)."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from patron_tools.local.template import ACCOUNT_ID, REGION, Function

Handler = Callable[[dict[str, Any], Any], Any]


class Invoker(Protocol):
    """Runs a function of the template (by logical id) on an event; the handler's result, or an
    exception when the function failed."""

    functions: dict[str, Function]

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any: ...


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class LambdaRuntime:
    def __init__(self, functions: dict[str, Function]) -> None:
        self.functions = functions
        self._handlers: dict[str, Handler] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def handler(self, function: Function) -> tuple[Handler, threading.Lock]:
        with self._guard:
            if function.handler not in self._handlers:
                module_name, attribute = function.handler.rsplit(".", 1)
                module = importlib.import_module(module_name)
                self._handlers[function.handler] = getattr(module, attribute)
                self._locks.setdefault(lock_name(function), threading.Lock())
            return self._handlers[function.handler], self._locks[lock_name(function)]

    def warm_up(self) -> None:
        for function in self.functions.values():
            self.handler(function)

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any:
        function = self.functions[logical_id]
        handler, lock = self.handler(function)
        context = LambdaContext(function.name, function.memory, function.timeout)
        with lock:
            try:
                return handler(event, context)
            finally:
                _discard_metrics()


def lock_name(function: Function) -> str:
    """Invocations holding the same lock run one at a time. Functions of the APIs share one lock:
    Powertools (3.37) keeps the event being resolved on a class attribute (`BaseRouter.current_event`),
    shared by every API's resolver in this process, so two APIs resolving at once could validate one
    request against the other's event (found by bench/load.py). Other functions are serialized per
    module, so a slow queue batch never blocks the APIs."""
    if any(event.get("Type") == "Api" for event in function.events.values()):
        return "api"
    return function.handler.rsplit(".", 1)[0]


def _discard_metrics() -> None:
    """Locally metrics are off (POWERTOOLS_METRICS_DISABLED), but Powertools 3.37 then never clears
    them: after 100 values it prints them anyway. Nothing is published locally, so they are dropped."""
    from patron.core.observability import metrics

    metrics.clear_metrics()
