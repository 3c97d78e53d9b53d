"""Lambda's Invoke API served by the in-process runtime: what Step Functions' Lambda tasks (both
`arn:aws:lambda:...:function:NAME` and `arn:aws:states:::lambda:invoke`), EventBridge's Lambda targets
and `aws lambda invoke` reach (moto routes the call here, see `moto_patches.route_lambda_invocations`).
A synchronous call answers the handler's result, or its exception as a function error; an
asynchronous one (`InvocationType=Event`) runs in the background with Lambda's two retries. A payload
over Lambda's limit (6 MB synchronous, 1 MB asynchronous) is refused with 413 RequestTooLargeException
and a call beyond a function's reserved concurrency with 429 TooManyRequestsException, as the Invoke API
does (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from moto.awslambda.exceptions import LambdaClientError

from patron_tools.local import moto_patches
from patron_tools.local.environments import FunctionError, RequestTooLarge, Throttled, check_request_size
from patron_tools.local.lambdas import Invoker

logger = logging.getLogger("patron_tools.local")

ASYNC_ATTEMPTS = 3  # Lambda retries a failed asynchronous invocation twice


def function_name_of(name_or_arn: str) -> str:
    """`NAME`, `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` or `ACCOUNT:function:NAME` → NAME."""
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn


class InvokeApi:
    def __init__(self, runtime: Invoker) -> None:
        self.runtime = runtime
        self._by_name = {function.name: logical_id for logical_id, function in runtime.functions.items()}

    def __call__(self, function_name: str, payload: Any, asynchronous: bool) -> tuple[bytes, bool] | None:
        logical_id = self._by_name.get(function_name_of(function_name))
        if logical_id is None:
            return None
        raw = payload if isinstance(payload, bytes) else str(payload or "").encode()
        try:
            check_request_size(raw, asynchronous)
        except RequestTooLarge as exc:
            raise _client_error(413, "RequestTooLargeException", str(exc)) from exc
        event = json.loads(raw or b"{}")
        if asynchronous:
            worker = threading.Thread(
                target=self._invoke_async, args=(logical_id, event), name=f"invoke:{logical_id}", daemon=True
            )
            worker.start()
            return b"", False
        return self._invoke(logical_id, event)

    def _invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> tuple[bytes, bool]:
        try:
            result = self.runtime.invoke(logical_id, event, asynchronous)
        except FunctionError as exc:
            logger.warning("function error", extra={"function": logical_id, "error_type": exc.error_type})
            return json.dumps(exc.payload).encode(), True
        except Throttled as exc:
            raise _client_error(429, "TooManyRequestsException", str(exc)) from exc
        except Exception as exc:
            logger.warning("function error", extra={"function": logical_id}, exc_info=True)
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
            return json.dumps(error).encode(), True
        return json.dumps(result).encode(), False

    def _invoke_async(self, logical_id: str, event: Any) -> None:
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            _, failed = self._invoke(logical_id, event, asynchronous=True)
            if not failed:
                return
            logger.error("asynchronous invocation failed", extra={"function": logical_id, "attempt": attempt})


def _client_error(status: int, code: str, message: str) -> LambdaClientError:
    error = LambdaClientError(code, message)
    error.code = status
    return error


def serve(runtime: Invoker) -> InvokeApi:
    api = InvokeApi(runtime)
    moto_patches.route_lambda_invocations(api)
    return api
