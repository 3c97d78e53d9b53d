"""The privacy service's cached builders: settings → clients → repositories, on first use (core.aws.reset()
clears them)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.privacy.repository import (
    ErasuresRepository,
    HashKey,
    PrivacyRequests,
    RequestObjects,
    RequestsRepository,
)


@aws.wired
def hash_key() -> HashKey:
    return HashKey(aws.client("secretsmanager"), settings().PRIVACY_HASH_KEY_SECRET)


@aws.wired
def records() -> RequestsRepository:
    return RequestsRepository(aws.client("dynamodb"), settings().PRIVACY_REQUESTS_TABLE)


@aws.wired
def erasures() -> ErasuresRepository:
    return ErasuresRepository(aws.client("dynamodb"), settings().PRIVACY_ERASURES_TABLE)


@aws.wired
def objects() -> RequestObjects:
    return RequestObjects(aws.client("s3"), settings().PRIVACY_EXPORTS_BUCKET)


@aws.wired
def executions() -> PrivacyRequests:
    return PrivacyRequests(aws.client("stepfunctions"), settings().PRIVACY_STATE_MACHINE_ARN)
