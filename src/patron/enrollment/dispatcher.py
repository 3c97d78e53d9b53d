"""EnrollmentsTable stream → EnrollmentQueue: one `{"enrollment_id"}` message per new enrollment. The
enrollment API writes only the PENDING item; this function turns that write into its queue message,
with the stream's retries behind it (see docs/decisions.md). Records are sent in order; at the first
failure that record is reported (`ReportBatchItemFailures`) and the stream retries from it: none is
skipped, and none already sent is sent again (as ids' CustomerCreated publisher does)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core import streams
from patron.core.observability import logger, observed
from patron.enrollment import service
from patron.enrollment.wiring import queue


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return streams.in_order(event["Records"], dispatch, "enrollment not enqueued; the stream retries from it")


def dispatch(record: dict[str, Any]) -> None:
    enrollment_id = str(record["dynamodb"]["Keys"]["enrollment_id"]["S"])
    logger.set_correlation_id(enrollment_id)  # as the processor's lines for it
    service.dispatch(enrollment_id, queue())
