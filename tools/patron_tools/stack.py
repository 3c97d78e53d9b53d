"""A deployed stack as the deployment commands see it: its outputs; its buckets, which
`patron stack empty` (run by `make destroy`) empties because CloudFormation deletes only empty buckets;
and the tables a deleted stack of the same stage left behind (`DeletionPolicy: Retain`), which
`patron stack check` (run by `make deploy`) reports before CloudFormation would fail on their names, and
`patron stack delete-data` (`make destroy DELETE_DATA=yes`) deletes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from patron_tools.local.template import Template

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client


def stack_outputs(client: CloudFormationClient, stack: str) -> dict[str, str]:
    (described,) = client.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@dataclass(frozen=True)
class Endpoints:
    """What a client of a deployed stage needs: each API's base URL by service (`ids`: the `IdsApiUrl`
    output), the API key's value, and the console's URL (None without a `ConsoleUrl` output)."""

    apis: dict[str, str]
    api_key: str
    console: str | None
    user_pool_id: str | None = None  # the stage's users (output UserPoolId)
    console_client_id: str | None = None  # the console's app client: USER_PASSWORD_AUTH for scripts


def endpoints(cloudformation: CloudFormationClient, apigateway: APIGatewayClient, stack: str) -> Endpoints:
    """The stack's endpoints (`make smoke`), from its outputs and the key of output `ApiKeyId`."""
    outputs = stack_outputs(cloudformation, stack)
    apis = {
        key.removesuffix("ApiUrl").lower(): value.rstrip("/")
        for key, value in outputs.items()
        if key.endswith("ApiUrl")
    }
    key = apigateway.get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
    return Endpoints(
        apis=apis,
        api_key=key,
        console=outputs.get("ConsoleUrl"),
        user_pool_id=outputs.get("UserPoolId"),
        console_client_id=outputs.get("ConsoleClientId"),
    )


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


def stack_exists(client: CloudFormationClient, stack: str) -> bool:
    """Whether a stack of that name exists (in any state but DELETE_COMPLETE)."""
    return any(
        summary["StackName"] == stack and summary["StackStatus"] != "DELETE_COMPLETE"
        for page in client.get_paginator("list_stacks").paginate()
        for summary in page["StackSummaries"]
    )


def retained_tables(name_prefix: str, template: Template | None = None) -> list[str]:
    """The names of the tables the template retains when its stack is deleted, for a `NamePrefix`."""
    template = template or Template(parameters={"NamePrefix": name_prefix})
    return sorted(
        template.physical_name(logical_id)
        for logical_id, resource in template.resources.items()
        if resource["Type"] == "AWS::DynamoDB::Table" and resource.get("DeletionPolicy") == "Retain"
    )


def leftover_tables(dynamodb: DynamoDBClient, names: list[str]) -> list[str]:
    """Those of `names` that exist in the account and region."""
    existing = {
        name for page in dynamodb.get_paginator("list_tables").paginate() for name in page["TableNames"]
    }
    return [name for name in names if name in existing]


def delete_tables(dynamodb: DynamoDBClient, names: list[str]) -> None:
    """Delete the tables, their deletion protection first, and wait until they are gone. Their data is
    lost (a point-in-time recovery backup is not kept after a table is deleted)."""
    for name in names:
        dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
        dynamodb.delete_table(TableName=name)
    for name in names:
        dynamodb.get_waiter("table_not_exists").wait(TableName=name)
