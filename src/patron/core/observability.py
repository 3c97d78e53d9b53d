"""The one logger and metrics of every function. Service name, namespace and log level come from the
POWERTOOLS_* variables of the template.

Every log line goes through `MaskingFormatter`: personal data (e-mail, phone, CPF, dates) is masked in
the finished record — message, extra keys, exception text, a logged event — whoever logged it; errors
escaping a handler go through `masked_errors` (with the log context and metrics: `observed`).

No Powertools Tracer: importing it loads aws_xray_sdk, about 150-200 ms of every cold start
(docs/benchmarks.md). Functions and APIs are traced by X-Ray through `Tracing: Active` and
`TracingEnabled` in the template instead (docs/decisions.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from patron.core.masking import mask, mask_text

Handler = TypeVar("Handler", bound=Callable[..., Any])

UNMASKED = {"timestamp", "xray_trace_id", "function_arn", "function_request_id", "correlation_id"}


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        masked = {key: value if key in UNMASKED else mask(value, key) for key, value in log.items()}
        return super().serialize(masked)


logger = Logger(logger_formatter=MaskingFormatter())
metrics = Metrics()


def masked_errors(handler: Handler) -> Handler:
    """For handlers that let errors escape (queue, stream and Step Functions tasks): the Lambda runtime
    prints an escaping error itself, outside this logger, and Step Functions keeps its message in the
    execution history. An error whose message holds personal data (e.g. pydantic echoing an input)
    leaves as an error of the same name — what Retry/Catch match on — with the message masked."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            message = mask_text(str(exc))
            if message == str(exc):
                raise
            raise type(type(exc).__name__, (Exception,), {"__module__": __name__})(message) from None

    return wrapper  # type: ignore[return-value]


def observed(handler: Handler) -> Handler:
    """A handler no API fronts (a stream, a queue, a Step Functions task): Powertools' Lambda context in
    every log line, its metrics flushed when it returns, and an escaping error's message masked
    (`masked_errors`)."""
    return masked_errors(logger.inject_lambda_context(metrics.log_metrics(handler)))  # type: ignore[return-value]
