"""`patron console publish|empty`: put the built web console (web/dist) into a deployed stack's bucket,
or empty that bucket before the stack is deleted. `make deploy` and `make destroy` run them.

config.json is the stack's own (its custom resource writes the API URLs and key there), so publishing
neither uploads nor deletes it."""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client

CONFIG_KEY = "config.json"
# Vite fingerprints everything under assets/, so those never change; index.html must be re-read
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def stack_outputs(client: CloudFormationClient, stack: str) -> dict[str, str]:
    (described,) = client.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def publish(s3: S3Client, bucket: str, dist: Path) -> tuple[list[str], list[str]]:
    """Upload every file of `dist`, then delete the bucket's objects that the build no longer has.
    Returns (uploaded keys, deleted keys)."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist}/index.html is missing: build the console first (make console)")
    files = {p.relative_to(dist).as_posix(): p for p in sorted(dist.rglob("*")) if p.is_file()}
    files.pop(CONFIG_KEY, None)
    for key, path in files.items():
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(path),
            CacheControl=IMMUTABLE if key.startswith("assets/") else REVALIDATE,
        )
    stale = [key for key in object_keys(s3, bucket) if key not in files and key != CONFIG_KEY]
    delete_keys(s3, bucket, stale)
    return list(files), stale


def object_keys(s3: S3Client, bucket: str) -> list[str]:
    return [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    ]


def delete_keys(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
        chunk = keys[start : start + 1000]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
        if answer.get("Errors"):
            raise RuntimeError(
                f"{bucket}: {len(answer['Errors'])} object(s) not deleted, e.g. {answer['Errors'][0]}"
            )


def empty(s3: S3Client, bucket: str) -> int:
    """Delete every object (config.json included), so that deleting the stack can delete the bucket."""
    keys = object_keys(s3, bucket)
    delete_keys(s3, bucket, keys)
    return len(keys)


def invalidate(cloudfront: CloudFrontClient, distribution_id: str) -> str:
    """Make CloudFront fetch index.html (and anything else cached) again; the invalidation's id."""
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
    )
    return str(answer["Invalidation"]["Id"])
