"""The embedded AWS: moto in-process (the handlers' boto3 calls never leave the process) and the
same state served over HTTP on the AWS port for the aws CLI and boto3 users. Provisioning reads
only the template."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws
from moto.server import ThreadedMotoServer

from patron.local import moto_patches
from patron.local.template import REGION, Template

MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


@dataclass
class EmbeddedAws:
    mock: Any
    server: ThreadedMotoServer | None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.mock.stop()


def fake_credentials() -> None:
    fake = "patron-local"  # moto accepts any credentials
    for name, value in {
        "AWS_ACCESS_KEY_ID": fake,
        "AWS_SECRET_ACCESS_KEY": fake,
        "AWS_SESSION_TOKEN": fake,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def start_aws(host: str, port: int | None) -> EmbeddedAws:
    """Start moto; `port=None` keeps it in-process only (tests)."""
    moto_patches.apply_all()
    fake_credentials()
    mock = mock_aws(config=MOTO_CONFIG)
    mock.start()
    server = None
    if port is not None:
        os.environ["MOTO_PORT"] = str(port)  # moto's ASL interpreter calls services on this port
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        server.start()
    return EmbeddedAws(mock, server)


def table_request(properties: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation AWS::DynamoDB::Table properties → DynamoDB CreateTable parameters."""
    request: dict[str, Any] = {
        key: properties[key]
        for key in (
            "TableName",
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
        )
        if key in properties
    }
    if "StreamSpecification" in properties:
        view = properties["StreamSpecification"]["StreamViewType"]
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    if "ProvisionedThroughput" in properties:
        request["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    return request


def create_tables(template: Template) -> None:
    dynamodb = boto3.client("dynamodb")
    for logical_id in template.of_type("AWS::DynamoDB::Table"):
        properties = template.properties(logical_id)
        dynamodb.create_table(**table_request(properties))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=properties["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )


QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def create_queues(template: Template) -> None:
    """Queues with their attributes and redrive policies; dead-letter queues first, since a redrive
    policy names an existing queue."""
    sqs = boto3.client("sqs")
    queues = template.of_type("AWS::SQS::Queue")
    for logical_id in sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {})):
        properties = template.properties(logical_id)
        attributes = {
            name: str(properties[name]).lower()
            if isinstance(properties[name], bool)
            else str(properties[name])
            for name in QUEUE_ATTRIBUTES
            if name in properties
        }
        if "RedrivePolicy" in properties:
            attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
        sqs.create_queue(QueueName=template.physical_name(logical_id), Attributes=attributes)


def create_buckets(template: Template) -> None:
    s3 = boto3.client("s3")
    for logical_id in template.of_type("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=template.physical_name(logical_id))


SECRET_STRING_OPTIONS = (  # GenerateSecretString properties that GetRandomPassword takes as they are
    "PasswordLength",
    "ExcludeCharacters",
    "ExcludeLowercase",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


def create_secrets(template: Template) -> None:
    """Secrets with a value generated as CloudFormation generates it (GenerateSecretString: Secrets
    Manager's GetRandomPassword with the same options), or their SecretString."""
    client = boto3.client("secretsmanager")
    for logical_id in template.of_type("AWS::SecretsManager::Secret"):
        properties = template.properties(logical_id)
        value = properties.get("SecretString")
        if value is None:
            options = properties.get("GenerateSecretString", {})
            value = client.get_random_password(
                **{name: options[name] for name in SECRET_STRING_OPTIONS if name in options}
            )["RandomPassword"]
        client.create_secret(Name=template.physical_name(logical_id), SecretString=value)


def provision(template: Template, api_key: str) -> None:
    create_tables(template)
    create_queues(template)
    create_buckets(template)
    create_secrets(template)
    boto3.client("apigateway").create_api_key(name="patron-local", value=api_key, enabled=True)


def api_keys() -> dict[str, str]:
    """The enabled API keys: value → key id (API Gateway puts the id in `requestContext.identity.apiKeyId`)."""
    keys = boto3.client("apigateway").get_api_keys(includeValues=True)["items"]
    return {key["value"]: key["id"] for key in keys if key.get("enabled")}
