"""The in-order loop of a DynamoDB stream handler (ids' CustomerCreated publisher, enrollment's
dispatcher): records are handled one by one, in order; at the first failure that record is reported
(`ReportBatchItemFailures`, by its `SequenceNumber`) and Lambda retries the stream from it, so none is
skipped and none already handled is handled again.
AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from patron.core.observability import logger


def in_order(
    records: list[dict[str, Any]], handle: Callable[[dict[str, Any]], None], failure: str
) -> PartialItemFailureResponse:
    """`handle` each record in order; at the first exception, log `failure` and report that record."""
    for record in records:
        try:
            handle(record)
        except Exception:
            logger.exception(failure, extra={"event_id": record.get("eventID")})
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
