"""The EnrollmentQueue processor: SQS batches with partial batch failures. The records of a batch are
processed concurrently (each waits PROCESSING_DELAY_SECONDS, the brief's simulated work), so a batch of
ten takes about one delay, not ten. A failing record fails alone: SQS redelivers it, and after three
receives moves it to the dead-letter queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.observability import logger, metrics, observed
from patron.core.settings import settings
from patron.enrollment import service
from patron.enrollment.models import ProcessingRequest
from patron.enrollment.wiring import enrollments

processor = AsyncBatchProcessor(event_type=EventType.SQS)


async def record_handler(record: SQSRecord) -> None:
    try:
        request = ProcessingRequest.model_validate_json(record.body)
        if await service.process(request.enrollment_id, enrollments(), settings().PROCESSING_DELAY_SECONDS):
            metrics.add_metric(name="EnrollmentsProcessed", unit="Count", value=1)
    except Exception:
        metrics.add_metric(name="EnrollmentsFailed", unit="Count", value=1)
        # reported to SQS as this record's failure by the batch processor; logged here, with the
        # message id and receive count (never the body), so no failure goes unseen
        logger.exception(
            "enrollment message failed",
            extra={
                "message_id": record.message_id,
                "receive_count": record.attributes.approximate_receive_count,
            },
        )
        raise


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
