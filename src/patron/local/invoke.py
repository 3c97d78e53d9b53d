"""Lambda's Invoke API served by the in-process runtime: what Step Functions' Lambda tasks (both
`arn:aws:lambda:...:function:NAME` and `arn:aws:states:::lambda:invoke`), EventBridge's Lambda targets
and `aws lambda invoke` reach (moto routes the call here, see `moto_patches.route_lambda_invocations`).
A synchronous call answers the handler's result, or its exception as a function error; an
asynchronous one (`InvocationType=Event`) runs in the background with Lambda's two retries."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from patron.local import moto_patches
from patron.local.lambdas import LambdaRuntime

logger = logging.getLogger("patron.local")

ASYNC_ATTEMPTS = 3  # Lambda retries a failed asynchronous invocation twice


def function_name_of(name_or_arn: str) -> str:
    """`NAME`, `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` or `ACCOUNT:function:NAME` → NAME."""
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn


class InvokeApi:
    def __init__(self, runtime: LambdaRuntime) -> None:
        self.runtime = runtime
        self._by_name = {function.name: logical_id for logical_id, function in runtime.functions.items()}

    def __call__(self, function_name: str, payload: Any, asynchronous: bool) -> tuple[bytes, bool] | None:
        logical_id = self._by_name.get(function_name_of(function_name))
        if logical_id is None:
            return None
        event = json.loads(payload or "{}")
        if asynchronous:
            worker = threading.Thread(
                target=self._invoke_async, args=(logical_id, event), name=f"invoke:{logical_id}", daemon=True
            )
            worker.start()
            return b"", False
        return self._invoke(logical_id, event)

    def _invoke(self, logical_id: str, event: Any) -> tuple[bytes, bool]:
        try:
            result = self.runtime.invoke(logical_id, event)
        except Exception as exc:
            logger.warning("function error", extra={"function": logical_id}, exc_info=True)
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
            return json.dumps(error).encode(), True
        return json.dumps(result).encode(), False

    def _invoke_async(self, logical_id: str, event: Any) -> None:
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            _, failed = self._invoke(logical_id, event)
            if not failed:
                return
            logger.error("asynchronous invocation failed", extra={"function": logical_id, "attempt": attempt})


def serve(runtime: LambdaRuntime) -> InvokeApi:
    api = InvokeApi(runtime)
    moto_patches.route_lambda_invocations(api)
    return api
