"""Fault injection: one method of a boto3 client, a moto backend or a service module fails a given
number of times, then behaves normally again. Injected above botocore's own retries, so a fault is what
the code sees once those are exhausted.

    fault = inject(monkeypatch, handlers.repository()._client, "put_item", throttled("PutItem"))
    ...
    assert fault.failures == 1
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

ALWAYS = sys.maxsize  # times=ALWAYS: a fault that persists


def client_error(code: str, operation: str, message: str = "injected fault") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def throttled(operation: str) -> ClientError:
    return client_error("ProvisionedThroughputExceededException", operation, "Rate of requests exceeds")


def answer_lost() -> ReadTimeoutError:
    """The request reached AWS but its answer never came back (use with `after=True`)."""
    return ReadTimeoutError(endpoint_url="https://aws.example/")


@dataclass
class Fault:
    calls: int = 0  # every call, failed or not
    failures: int = 0  # the calls that failed
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, times: int, skip: int) -> bool:
        """Count a call; True when it is one that must fail."""
        with self._lock:
            self.calls += 1
            if self.calls > skip and self.failures < times:
                self.failures += 1
                return True
            return False


def inject(
    monkeypatch: pytest.MonkeyPatch,
    target: Any,
    name: str,
    error: BaseException | Callable[..., Any],
    times: int = 1,
    after: bool = False,
    skip: int = 0,
) -> Fault:
    """Replace `target.name` so that `times` calls fail (after the first `skip`, which go through), then
    it delegates to the original.
    `error` is an exception to raise, or a callable that answers in place of the original (a refusal
    that is not an exception, e.g. PutEvents' FailedEntryCount). With `after`, the original runs first
    and its answer is replaced: the effect happened, the caller does not know it."""
    original = getattr(target, name)
    fault = Fault()

    def faulty(*args: Any, **kwargs: Any) -> Any:
        if not fault.take(times, skip):
            return original(*args, **kwargs)
        if after:
            original(*args, **kwargs)
        if isinstance(error, BaseException):
            raise error
        return error(*args, **kwargs)

    monkeypatch.setattr(target, name, faulty)
    return fault


def instant_retries(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Step Functions Retry intervals, recorded instead of slept (moto's interpreter really sleeps);
    returns the list of intervals waited, in order."""
    waits: list[float] = []

    class Clock:
        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)

    monkeypatch.setattr(retrier_decl, "time", Clock)
    return waits
