"""Publishes CustomerCreated for every id the API created. It reads the `customer_ids` table's
stream, filtered in the template to INSERTs made by the API (`created_by = api`), so an event exists
if and only if a PUT created the id. Records are published one by one, in order; at the first failure
the rest of the batch is reported back (`ReportBatchItemFailures`) and the stream retries from that
record: no event is lost while EventBridge is unavailable, and none already sent is sent again."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.observability import logger
from patron.ids import service
from patron.ids.repository import CustomerEvents


@cache
def events() -> CustomerEvents:
    return CustomerEvents(boto3.client("events"))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    for record in event["Records"]:
        customer_id = record["dynamodb"]["Keys"]["id"]["S"]
        try:
            service.publish_created(customer_id, events())
        except Exception:
            logger.exception(
                "CustomerCreated not published; the stream retries", extra={"customer_id": customer_id}
            )
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
