"""The one AWS client factory, and the one reset of everything built from the environment.

Every boto3 client of the runtime comes from `client()`, with one explicit botocore `Config`
(https://docs.aws.amazon.com/boto3/latest/guide/retries.html,
https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html): retry mode
`standard` (throttling, 5xx and connection errors retried with jittered exponential backoff) with at
most 3 attempts, a 1 s connect timeout and a 2 s read timeout: one stalled attempt and its retry cost
≈ 4 s of a 10 s function (docs/decisions.md). What botocore retries is never retried again by hand (only
what it cannot see is: BatchWriteItem's UnprocessedItems, marketing.repository).

`wired` caches a builder (settings → client → repository) like `functools.cache` and registers it, so
`reset()` forgets every one of them and the settings in one call (tests start a fresh moto per test)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config

from patron.core.settings import settings

CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 2
MAX_ATTEMPTS = 3  # the first call included (botocore's `max_attempts` would count retries only)

CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
)


# S3 signs with SigV4 always: botocore may still presign with SigV2 (`AWSAccessKeyId`, `Signature`) in
# us-east-1, and S3 refuses SigV2 for buckets created after 2020-06-24
# (https://docs.aws.amazon.com/AmazonS3/latest/API/specify-signature-version.html#UsingAWSSDK-sig2-deprecation):
# a presigned URL that works locally must work on AWS
SERVICE_CONFIG = {"s3": Config(signature_version="s3v4")}


def client(service_name: str, **config: Any) -> Any:
    """A boto3 client for `service_name` ("dynamodb", "s3", …) with `CONFIG` (and, for S3, SigV4
    signing), merged with any other botocore `Config` option given; the endpoint and region come from
    the environment as boto3 reads them (`AWS_ENDPOINT_URL`, `AWS_REGION`)."""
    merged = CONFIG
    if service_name in SERVICE_CONFIG:
        merged = merged.merge(SERVICE_CONFIG[service_name])
    return boto3.client(service_name, config=merged.merge(Config(**config)) if config else merged)


T = TypeVar("T")
_wired: list[Callable[[], None]] = []


def wired(builder: Callable[[], T]) -> Callable[[], T]:
    """`functools.cache` for a wiring builder (no arguments), registered for `reset()`."""
    cached = cache(builder)
    _wired.append(cached.cache_clear)
    return cached


def reset() -> None:
    """Forget the settings and every wired client and repository: the next use builds them again."""
    settings.cache_clear()
    for clear in _wired:
        clear()
