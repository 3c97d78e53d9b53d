"""Lambda's Invoke API in the local cloud (what Step Functions tasks, EventBridge targets and `aws lambda
invoke` reach): function errors, timeouts, payload limits and throttling with Lambda's answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.awslambda.exceptions import LambdaClientError

from patron_tools.local.environments import ASYNC_PAYLOAD_BYTES, FunctionError, Throttled
from patron_tools.local.invoke import InvokeApi
from patron_tools.local.template import Template


class FakeRuntime:
    def __init__(self, outcome: Any) -> None:
        self.functions = Template().functions()
        self.outcome = outcome

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_a_timed_out_task_returns_lambda_s_error_document_as_a_function_error() -> None:
    timeout = {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: r Error: Task timed out after 10.00 seconds",
    }
    api = InvokeApi(FakeRuntime(FunctionError(timeout)))

    outcome = api("ValidateExistsFunction", b"{}", False)

    assert outcome is not None
    payload, failed = outcome
    assert failed is True
    assert json.loads(payload) == timeout  # Step Functions' Retry/Catch match errorType


def test_an_asynchronous_event_over_1_mb_is_refused_with_413() -> None:
    api = InvokeApi(FakeRuntime({}))
    payload = json.dumps({"data": "x" * ASYNC_PAYLOAD_BYTES}).encode()

    with pytest.raises(LambdaClientError) as refused:
        api("LogEventFunction", payload, True)

    assert refused.value.code == 413
    assert "RequestTooLargeException" in refused.value.description


def test_a_throttled_synchronous_call_is_429_too_many_requests() -> None:
    api = InvokeApi(FakeRuntime(Throttled("reserved concurrency in use")))

    with pytest.raises(LambdaClientError) as refused:
        api("LogEventFunction", b"{}", False)

    assert refused.value.code == 429
    assert "TooManyRequestsException" in refused.value.description
