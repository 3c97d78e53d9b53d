"""`patron console publish`: put the built web console (web/dist) into a deployed stack's bucket and
make CloudFront serve it. `make deploy` runs it.

config.json is the stack's own (its custom resource writes the API URLs and key there), so publishing
neither uploads nor deletes it."""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from typing import TYPE_CHECKING

from patron_tools.stack import delete_keys, object_keys

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client

CONFIG_KEY = "config.json"
# Vite fingerprints everything under assets/, so those never change; index.html must be re-read
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


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


def invalidate(cloudfront: CloudFrontClient, distribution_id: str) -> str:
    """Make CloudFront fetch index.html (and anything else cached) again; the invalidation's id."""
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
    )
    return str(answer["Invalidation"]["Id"])
