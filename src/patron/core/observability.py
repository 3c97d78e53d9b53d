"""The one logger, metrics and tracer of every function. Service name, namespace and log level come
from the POWERTOOLS_* variables of the template."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()
