"""Lambda events as AWS sends them (the REST API proxy integration shape of the API Gateway
developer guide), built independently of the local gateway so handler tests check the real contract."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote


def api_event(
    method: str,
    resource: str,
    path_parameters: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    # `path` keeps the percent-encoding a client sends (encodeURIComponent), `pathParameters` are
    # decoded: what a REST API's proxy integration delivers
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe="-_.!~*'()"))
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Accept": "application/json", "x-api-key": "test-key", **(headers or {})}
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "1234567890",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": 1795300000000,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "apiKey": "test-key", "userAgent": "pytest"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def header(response: dict[str, Any], name: str) -> str | None:
    multi = response.get("multiValueHeaders") or {}
    if name in multi:
        return str(multi[name][0])
    single: dict[str, str] = response.get("headers") or {}
    return single.get(name)


def sqs_record(body: str, queue_arn: str, receive_count: int = 1) -> dict[str, Any]:
    """A record of an SQS Lambda event, as the Lambda developer guide shows it."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEB" + uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1795300000000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1795300000001",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


def stream_record(
    keys: dict[str, Any], sequence: str, stream_arn: str, event_name: str = "INSERT"
) -> dict[str, Any]:
    """A record of a DynamoDB Streams Lambda event (KEYS_ONLY)."""
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795300000,
            "Keys": keys,
            "SequenceNumber": sequence,
            "SizeBytes": 60,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": stream_arn,
    }
