"""EnrollmentsTable stream → EnrollmentQueue: one `{"enrollment_id"}` message per new enrollment. The
enrollment API writes only the PENDING item; this function turns that write into its queue message,
with the stream's retries behind it (see docs/decisions.md). Partial batch failures: a record whose
message was not sent is retried from there, never skipped."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.observability import logger, masked_errors, metrics
from patron.core.settings import settings
from patron.enrollment import service
from patron.enrollment.repository import EnrollmentQueue

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def queue() -> EnrollmentQueue:
    return EnrollmentQueue(boto3.client("sqs"), settings().ENROLLMENT_QUEUE_URL)


def record_handler(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else None
    if not keys or "enrollment_id" not in keys:
        raise ValueError(f"stream record {record.event_id} has no enrollment_id key")
    logger.set_correlation_id(str(keys["enrollment_id"]))  # as the processor's lines for it
    try:
        service.dispatch(str(keys["enrollment_id"]), queue())
    except Exception:
        logger.exception(
            "enrollment not enqueued; the stream retries it", extra={"event_id": record.event_id}
        )
        raise


@masked_errors
@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
