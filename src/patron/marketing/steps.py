"""Step Functions tasks of MarketingPreferencesStateMachine: ValidateData → RemoveDuplicates →
StoreMarketingInterests. A state larger than Step Functions allows travels by S3 reference."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.observability import logger, masked_errors, metrics
from patron.core.settings import settings
from patron.marketing import service
from patron.marketing.repository import BatchStore, InterestsRepository
from patron.privacy.wiring import erasures, hash_key


@cache
def batches() -> BatchStore:
    return BatchStore(boto3.client("s3"), settings().MARKETING_BATCHES_BUCKET)


@cache
def interests() -> InterestsRepository:
    return InterestsRepository(boto3.client("dynamodb"), settings().MARKETING_INTERESTS_TABLE)


@masked_errors
@logger.inject_lambda_context
def validate_data(event: Any, context: LambdaContext) -> Any:
    batch = batches().unpack(event)
    valid, rejected = service.validate(batch)
    logger.info(
        "batch validated", extra={"received": len(batch), "valid": len(valid), "rejected": len(rejected)}
    )
    state = {
        "received": len(batch),
        "rejected": [r.model_dump() for r in rejected],
        "records": valid,
    }
    return batches().pack(state)


@masked_errors
@logger.inject_lambda_context
def remove_duplicates(event: Any, context: LambdaContext) -> Any:
    state = batches().unpack(event)
    unique = service.latest_choices(state["records"])
    state.update(
        valid=len(state["records"]), duplicates_removed=len(state["records"]) - len(unique), records=unique
    )
    return batches().pack(state)


@masked_errors
@logger.inject_lambda_context
@metrics.log_metrics
def store_marketing_interests(event: Any, context: LambdaContext) -> Any:
    """`{"state", "started_at"}` (the execution's start): stores the batch, then deletes again what it
    stored for an e-mail erased since the execution started (docs/decisions.md, privacy in flight)."""
    state = batches().unpack(event["state"])
    stored, opted_out = service.store(state["records"], interests())
    erased = erased_emails([r["Email"] for r in state["records"] if r["MarketingOptIn"]], event["started_at"])
    if erased:
        interests().write([], sorted(erased))
        logger.info("erased e-mails not stored again", extra={"erased": len(erased)})
    result = service.summary(state, stored, opted_out)
    metrics.add_metric(name="MarketingRecordsStored", unit="Count", value=stored)
    metrics.add_metric(name="MarketingRecordsOptedOut", unit="Count", value=opted_out)
    metrics.add_metric(name="MarketingRecordsRejected", unit="Count", value=len(result.rejected))
    logger.info("batch stored", extra={"stored": stored, "opted_out": opted_out})
    return batches().pack(result.model_dump())


def erased_emails(emails: list[str], started_at: str) -> set[str]:
    """The (normalised) e-mails among `emails` erased by a privacy request at or after `started_at`."""
    by_hash = {hash_key().digest("email", email): email for email in emails}
    return {by_hash[digest] for digest in erasures().erased_since(by_hash, started_at)}
