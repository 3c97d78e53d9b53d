"""The one logger and metrics of every function. Service name, namespace and log level come from the
POWERTOOLS_* variables of the template.

No Powertools Tracer: importing it loads aws_xray_sdk, about 150-200 ms of every cold start
(docs/benchmarks.md). Functions and APIs are traced by X-Ray through `Tracing: Active` and
`TracingEnabled` in the template instead (docs/decisions.md)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
