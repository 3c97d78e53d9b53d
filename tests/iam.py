"""Recorded AWS calls checked against each function's IAM role in the translated template (SPEC §3,
"a recorded run of every function whose AWS calls are all allowed by its role"). `patron dev` records
the calls when PATRON_RECORD_AWS_CALLS names a file (tools/patron_tools/local/recording/sitecustomize.py); moto
cannot enforce resource-scoped policies itself (/work/shared/notes: it checks every resource as "*").

Evaluation: Allow statements of the role's inline policies (SAM policy templates arrive expanded by
samtranslator) with `*`/`?` wildcards in actions and resources; conditions are not evaluated. Managed
policies are known by name only: AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess grant logs and
X-Ray actions, nothing a handler calls through boto3."""

from __future__ import annotations

import copy
import fnmatch
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from patron_tools.local.template import ACCOUNT_ID, REGION, Template, load_template

# IAM actions whose name is not the API operation's (S3's object listing, batch and transaction calls)
ACTION_OF = {
    ("s3", "HeadObject"): ["GetObject"],
    ("s3", "ListObjectsV2"): ["ListBucket"],
    ("s3", "HeadBucket"): ["ListBucket"],
    ("s3", "DeleteObjects"): ["DeleteObject"],
    ("sqs", "SendMessageBatch"): ["SendMessage"],
    ("sqs", "DeleteMessageBatch"): ["DeleteMessage"],
    ("sqs", "ChangeMessageVisibilityBatch"): ["ChangeMessageVisibility"],
}
TRANSACT_ACTION = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "Get": "GetItem"}
TRANSACT_ACTION["ConditionCheck"] = "ConditionCheckItem"


@dataclass(frozen=True)
class Need:
    """One permission a recorded call needed: an IAM action on a resource ARN."""

    function: str
    action: str
    resource: str


def needs(record: dict[str, Any]) -> list[Need]:
    """The (action, resource) pairs one recorded call needs, as IAM authorizes that API operation."""
    service, operation, params = record["service"], record["operation"], record["params"]
    function = record["function"]
    if service == "dynamodb":
        table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/"
        if "TransactItems" in params:
            return [
                Need(function, f"dynamodb:{TRANSACT_ACTION[kind]}", table + name)
                for kind, name in params["TransactItems"]
            ]
        if "RequestItems" in params:
            return [Need(function, f"dynamodb:{operation}", table + name) for name in params["RequestItems"]]
        resource = table + params.get("TableName", "*")
        if "IndexName" in params:
            resource += "/index/" + params["IndexName"]
        return [Need(function, f"dynamodb:{operation}", resource)]
    actions = [f"{service}:{action}" for action in ACTION_OF.get((service, operation), [operation])]
    if service == "sqs" and "QueueUrl" in params:
        resource = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{params['QueueUrl'].rstrip('/').rsplit('/', 1)[1]}"
    elif service == "s3" and "Delete" in params:  # DeleteObjects: s3:DeleteObject on each object
        return [
            Need(function, action, f"arn:aws:s3:::{params['Bucket']}/{item['Key']}")
            for action in actions
            for item in params["Delete"]["Objects"]
        ]
    elif service == "s3" and "Bucket" in params:
        resource = f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")
    elif service == "secretsmanager" and "SecretId" in params:
        secret = params["SecretId"]
        resource = (
            secret
            if secret.startswith("arn:")
            else f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{secret}"
        )
    elif service == "states":
        resource = params.get("stateMachineArn") or params.get("executionArn") or "*"
    elif service == "events" and "EventBusNames" in params:
        return [
            Need(
                function,
                action,
                name if name.startswith("arn:") else f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}",
            )
            for action in actions
            for name in params["EventBusNames"]
        ]
    else:
        resource = params.get("TopicArn") or "*"
    return [Need(function, action, resource) for action in actions]


def translated_template() -> dict[str, Any]:
    """The CloudFormation SAM deploys (local CodeUri/DefinitionUri rewritten to S3, as `sam package` would)."""
    raw = copy.deepcopy(load_template())
    raw["Globals"]["Function"]["CodeUri"] = "s3://patron-artifacts/code.zip"
    for resource in raw["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            properties["DefinitionUri"] = "s3://patron-artifacts/" + properties["DefinitionUri"]
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=REGION))
    output: dict[str, Any] = translator.translate(raw, parameter_values={}, get_managed_policy_map=lambda: {})
    return output


def role_statements(translated: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Function name → the Allow statements of its role's inline policies, intrinsics resolved."""
    template = Template(raw=translated)
    statements: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in translated["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        name = str(template.resolve(resource["Properties"].get("FunctionName", logical_id)))
        policies = template.resolve(translated["Resources"][role]["Properties"].get("Policies", []))
        statements[name] = [
            statement
            for policy in policies
            for statement in _as_list(policy["PolicyDocument"]["Statement"])
            if statement.get("Effect") == "Allow"
        ]
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allows(statement: dict[str, Any], need: Need) -> bool:
    actions = _as_list(statement.get("Action", []))
    resources = _as_list(statement.get("Resource", []))
    return any(fnmatch.fnmatchcase(need.action.lower(), a.lower()) for a in actions) and any(
        fnmatch.fnmatchcase(need.resource, r) for r in resources
    )


@dataclass
class Report:
    missing: list[Need]  # calls the role does not allow: a deployment would fail there
    unused: list[tuple[str, str]]  # (function, statement) granted but never needed in the recorded run

    def text(self) -> str:
        lines = [f"IAM: {len(self.missing)} recorded call(s) the role does not allow"]
        lines += [f"  MISSING {n.function}: {n.action} on {n.resource}" for n in self.missing]
        lines.append(f"IAM: {len(self.unused)} granted statement(s) no recorded call used")
        lines += [f"  unused  {function}: {statement}" for function, statement in self.unused]
        return "\n".join(lines)


def check(records: list[dict[str, Any]], statements: dict[str, list[dict[str, Any]]]) -> Report:
    """Every recorded call against its function's role; the missing grants and the unused statements."""
    missing: list[Need] = []
    used: dict[str, set[int]] = defaultdict(set)
    for need in {need for record in records for need in needs(record)}:
        granted = [i for i, s in enumerate(statements.get(need.function, [])) if allows(s, need)]
        if not granted:
            missing.append(need)
        used[need.function].update(granted)
    called = {record["function"] for record in records}
    unused = [
        (function, json.dumps({"Action": s.get("Action"), "Resource": s.get("Resource")}))
        for function in sorted(called)
        for i, s in enumerate(statements.get(function, []))
        if i not in used[function]
    ]
    return Report(sorted(missing, key=lambda n: (n.function, n.action, n.resource)), unused)


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
