"""A deployed stack as the deployment commands see it: its outputs, and its buckets, which
`patron stack empty` (run by `make destroy`) empties because CloudFormation deletes only empty buckets."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_s3 import S3Client


def stack_outputs(client: CloudFormationClient, stack: str) -> dict[str, str]:
    (described,) = client.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def stack_buckets(client: CloudFormationClient, stack: str) -> list[str]:
    """The names of the stack's S3 buckets (the console's, the marketing batches')."""
    return [
        resource["PhysicalResourceId"]
        for page in client.get_paginator("list_stack_resources").paginate(StackName=stack)
        for resource in page["StackResourceSummaries"]
        if resource["ResourceType"] == "AWS::S3::Bucket" and resource.get("PhysicalResourceId")
    ]


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


def empty_bucket(s3: S3Client, bucket: str) -> int:
    """Delete every object of the bucket; how many there were."""
    keys = object_keys(s3, bucket)
    delete_keys(s3, bucket, keys)
    return len(keys)
