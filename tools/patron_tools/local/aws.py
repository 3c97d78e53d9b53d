"""The embedded AWS: moto in-process (the handlers' boto3 calls never leave the process) and the
same state served over HTTP on the AWS port for the aws CLI and boto3 users. Provisioning reads
only the template."""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws
from werkzeug.serving import BaseWSGIServer, make_server

from patron_tools.local import moto_patches, origins
from patron_tools.local.template import REGION, Template

MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


@dataclass
class EmbeddedAws:
    mock: Any
    server: BaseWSGIServer | None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.mock.stop()


def fake_credentials() -> None:
    """The local cloud's credentials in this process's environment. The endpoint verifies presigned S3
    URLs with this secret key (`moto_patches.local_secret_key`), the one every local client is given."""
    fake = "patron-local"  # moto accepts any credentials in an Authorization header
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


def start_aws(host: str, port: int | None, console: set[str] | None = None) -> EmbeddedAws:
    """Start moto; `port=None` keeps it in-process only (tests). Its HTTP server answers only its own names
    and grants CORS only to the `console` origins (`origins.LocalOnly`). The Cognito workarounds come with
    the user pool (`LocalCloud._provision_identity`)."""
    moto_patches.apply_all(cognito=False)
    mock = mock_aws(config=MOTO_CONFIG)
    mock.start()
    fake_credentials()  # after mock_aws, which swaps in its own keys: presigned URLs are verified with ours
    server = None
    if port is not None:
        os.environ["MOTO_PORT"] = str(port)  # moto's ASL interpreter calls services on this port
        app, handler = moto_patches.moto_server_app()
        local_only = origins.LocalOnly(app, host, port, origins=console or set())
        server = make_server(host, port, local_only, threaded=True, request_handler=handler)
        threading.Thread(target=server.serve_forever, name="aws-endpoint", daemon=True).start()
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


CORS_RULE_FIELDS = {  # CloudFormation's CorsRule → S3's CORSRule
    "Id": "ID",
    "AllowedMethods": "AllowedMethods",
    "AllowedOrigins": "AllowedOrigins",
    "AllowedHeaders": "AllowedHeaders",
    "ExposedHeaders": "ExposeHeaders",
    "MaxAge": "MaxAgeSeconds",
}


def create_buckets(template: Template) -> None:
    """Buckets with their CORS rules (a browser PUTs to a presigned URL on the AWS endpoint)."""
    s3 = boto3.client("s3")
    # as on AWS: outside us-east-1 a bucket names its region
    location: Any = (
        {} if REGION == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    )
    for logical_id in template.of_type("AWS::S3::Bucket"):
        bucket = template.physical_name(logical_id)
        s3.create_bucket(Bucket=bucket, **location)
        rules = template.properties(logical_id).get("CorsConfiguration", {}).get("CorsRules", [])
        if rules:
            cors = [
                {CORS_RULE_FIELDS[k]: v for k, v in rule.items() if k in CORS_RULE_FIELDS} for rule in rules
            ]
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": cors})


ALARM_PROPERTIES = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Unit",
    "Metrics",
)


def create_monitoring(template: Template) -> None:
    """The template's SNS topics, log groups (with their retention) and CloudWatch alarms, so that
    `aws sns list-topics`, `aws logs describe-log-groups` and `aws cloudwatch describe-alarms` show them."""
    sns = boto3.client("sns")
    for logical_id in template.of_type("AWS::SNS::Topic"):
        sns.create_topic(Name=template.physical_name(logical_id))
    logs = boto3.client("logs")
    for logical_id in template.of_type("AWS::Logs::LogGroup"):
        properties = template.properties(logical_id)
        logs.create_log_group(logGroupName=properties["LogGroupName"])
        if "RetentionInDays" in properties:
            logs.put_retention_policy(
                logGroupName=properties["LogGroupName"], retentionInDays=int(properties["RetentionInDays"])
            )
    cloudwatch = boto3.client("cloudwatch")
    for logical_id in template.of_type("AWS::CloudWatch::Alarm"):
        properties = template.properties(logical_id)
        request = {name: properties[name] for name in ALARM_PROPERTIES if name in properties}
        for number in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if number in request:
                request[number] = int(request[number])
        request["Threshold"] = float(request["Threshold"])
        cloudwatch.put_metric_alarm(**request)


def create_functions(template: Template) -> None:
    """Each function of the template in the Lambda API (name, handler, runtime, memory, timeout,
    environment), so that `aws lambda list-functions` / `get-function` show them. Invocations never run
    this placeholder code: moto routes them to Patron's own runtime (`moto_patches`)."""
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="patron-local-functions",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            }
        ),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(
            "README.txt", "patron dev runs this function from src/ (see patron_tools.local.invoke)"
        )
    client = boto3.client("lambda")
    runtime = str(template.raw.get("Globals", {}).get("Function", {}).get("Runtime", "python3.11"))
    for function in template.functions().values():
        client.create_function(
            FunctionName=function.name,
            Runtime=runtime,
            Role=role,
            Handler=function.handler,
            Code={"ZipFile": code.getvalue()},
            Timeout=function.timeout,
            MemorySize=function.memory,
            Environment={"Variables": function.environment},
        )


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


# moto's names of the services whose resources `provision_later` creates
LATER_SERVICES = ("sns", "logs", "cloudwatch", "awslambda", "iam")


def create_stores(template: Template) -> None:
    """What the handlers' data lives in: the template's tables, queues, buckets and secrets (the unit and
    integration tests' moto holds these alone)."""
    create_tables(template)
    create_queues(template)
    create_buckets(template)
    create_secrets(template)


def provision(template: Template, api_key: str) -> None:
    """What a request can need at once: the stores and the API key (the state machines and rules follow in
    `LocalCloud.start`, the rest in `provision_later`)."""
    create_stores(template)
    boto3.client("apigateway").create_api_key(name="patron-local", value=api_key, enabled=True)


def provision_later(template: Template) -> None:
    """What only a client of the AWS endpoint reads (the services of LATER_SERVICES): `patron dev`
    creates it once it answers, while requests to those services wait (`moto_patches.hold_services`)."""
    create_monitoring(template)
    create_functions(template)


def api_keys() -> dict[str, str]:
    """The enabled API keys: value → key id (API Gateway puts the id in `requestContext.identity.apiKeyId`)."""
    keys = boto3.client("apigateway").get_api_keys(includeValues=True)["items"]
    return {key["value"]: key["id"] for key in keys if key.get("enabled")}
