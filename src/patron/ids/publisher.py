"""Publishes CustomerCreated for every id the API created. It reads the `customer_ids` table's
stream, filtered in the template to INSERTs made by the API (`created_by = api`), so an event exists
if and only if a PUT created the id. Records are published one by one, in order; at the first failure
the rest of the batch is reported back (`ReportBatchItemFailures`) and the stream retries from that
record: no event is lost while EventBridge is unavailable, and none already sent is sent again."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core import streams
from patron.core.observability import logger, metrics, observed
from patron.ids import service
from patron.ids.wiring import events


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return streams.in_order(event["Records"], publish, "CustomerCreated not published; the stream retries")


def publish(record: dict[str, Any]) -> None:
    customer_id = record["dynamodb"]["Keys"]["id"]["S"]
    logger.set_correlation_id(customer_id)  # as in the workflow run the event starts
    service.publish_created(customer_id, events())
    metrics.add_metric(name="CustomerCreatedPublished", unit="Count", value=1)
