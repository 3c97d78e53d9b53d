"""The privacy service's cached builders: settings → clients → repositories, on first use."""

from __future__ import annotations

from functools import cache

import boto3

from patron.core.settings import settings
from patron.privacy.repository import (
    ErasuresRepository,
    HashKey,
    PrivacyRequests,
    RequestObjects,
    RequestsRepository,
)


@cache
def hash_key() -> HashKey:
    return HashKey(boto3.client("secretsmanager"), settings().PRIVACY_HASH_KEY_SECRET)


@cache
def records() -> RequestsRepository:
    return RequestsRepository(boto3.client("dynamodb"), settings().PRIVACY_REQUESTS_TABLE)


@cache
def erasures() -> ErasuresRepository:
    return ErasuresRepository(boto3.client("dynamodb"), settings().PRIVACY_ERASURES_TABLE)


@cache
def objects() -> RequestObjects:
    return RequestObjects(boto3.client("s3"), settings().PRIVACY_EXPORTS_BUCKET)


@cache
def executions() -> PrivacyRequests:
    return PrivacyRequests(boto3.client("stepfunctions"), settings().PRIVACY_STATE_MACHINE_ARN)
