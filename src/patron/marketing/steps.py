"""Step Functions tasks of MarketingPreferencesStateMachine: ValidateData → RemoveDuplicates →
StoreMarketingInterests. A state larger than Step Functions allows travels by S3 reference."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.errors import transient_as_retryable
from patron.core.observability import logger, masked_errors, metrics
from patron.marketing import service
from patron.marketing.wiring import batches, interests


@masked_errors
@logger.inject_lambda_context
@transient_as_retryable
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
@transient_as_retryable
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
@transient_as_retryable
def store_marketing_interests(event: Any, context: LambdaContext) -> Any:
    state = batches().unpack(event)
    stored, opted_out = service.store(state["records"], interests())
    result = service.summary(state, stored, opted_out)
    metrics.add_metric(name="MarketingRecordsStored", unit="Count", value=stored)
    metrics.add_metric(name="MarketingRecordsOptedOut", unit="Count", value=opted_out)
    metrics.add_metric(name="MarketingRecordsRejected", unit="Count", value=len(result.rejected))
    logger.info("batch stored", extra={"stored": stored, "opted_out": opted_out})
    return batches().pack(result.model_dump())
