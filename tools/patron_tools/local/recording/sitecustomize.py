"""Loaded by Python at start-up in an execution environment of `patron dev` when the environment variable
PATRON_RECORD_AWS_CALLS names a file (the e2e suite sets it; see `environments.reserved_variables`): every
AWS call the function makes through botocore is appended to that file as one JSON line — the function, the
service's signing name, the operation and the parameters that name resources — so a test can check each
call against the function's IAM role in the translated template (tests/iam.py)."""

from __future__ import annotations

import json
import os
from typing import Any

RESOURCE_PARAMETERS = (
    "TableName",
    "IndexName",
    "QueueUrl",
    "Bucket",
    "Key",
    "stateMachineArn",
    "executionArn",
    "TopicArn",
    "logGroupName",
    "SecretId",
)


def _resource_parameters(params: dict[str, Any]) -> dict[str, Any]:
    named: dict[str, Any] = {key: params[key] for key in RESOURCE_PARAMETERS if key in params}
    if "RequestItems" in params:  # BatchWriteItem, BatchGetItem
        named["RequestItems"] = sorted(params["RequestItems"])
    if "TransactItems" in params:  # [(Put|Update|Delete|ConditionCheck|Get, table)]
        named["TransactItems"] = [
            [kind, body.get("TableName")] for item in params["TransactItems"] for kind, body in item.items()
        ]
    if "Delete" in params:  # S3 DeleteObjects: the keys (never personal data: request ids)
        named["Delete"] = {"Objects": [{"Key": item["Key"]} for item in params["Delete"].get("Objects", [])]}
    if "Entries" in params and isinstance(params["Entries"], list):  # PutEvents
        named["EventBusNames"] = sorted({entry.get("EventBusName", "default") for entry in params["Entries"]})
    return named


def _install(path: str) -> None:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        record = {
            "function": function,
            "service": self.meta.service_model.signing_name,
            "operation": operation_name,
            "params": _resource_parameters(api_params),
        }
        with open(path, "a", encoding="utf-8") as stream:  # one write per line: appends do not interleave
            stream.write(json.dumps(record) + "\n")
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = _make_api_call


if os.environ.get("PATRON_RECORD_AWS_CALLS"):
    _install(os.environ["PATRON_RECORD_AWS_CALLS"])
