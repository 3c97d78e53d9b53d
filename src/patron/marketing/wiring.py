"""The marketing service's cached builders: settings → client → repository (core.aws.reset() clears
them)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.marketing.repository import BatchStore, InterestsRepository, Pipeline


@aws.wired
def batches() -> BatchStore:
    # Signature V4 presigned URLs: the content type is signed, and S3 accepts them in every region
    return BatchStore(aws.client("s3"), settings().MARKETING_BATCHES_BUCKET)


@aws.wired
def interests() -> InterestsRepository:
    return InterestsRepository(aws.client("dynamodb"), settings().MARKETING_INTERESTS_TABLE)


@aws.wired
def pipeline() -> Pipeline:
    return Pipeline(aws.client("stepfunctions"), settings().MARKETING_STATE_MACHINE_ARN)
