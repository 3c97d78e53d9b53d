"""Reads template.yaml, the one source of truth, and resolves it for the local cloud: parameters,
intrinsic functions and the local physical names of resources (the explicit name, else the logical
id). Everything the local cloud provisions or serves comes from here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from patron_tools.local.parameters import check_parameters

# The region everything is provisioned in (`patron dev --region`, which sets PATRON_REGION before the local
# cloud is imported): a brief's `aws --region eu-central-1 ...` commands then find the resources.
DEFAULT_REGION = "us-east-1"
REGION = os.environ.get("PATRON_REGION") or DEFAULT_REGION
ACCOUNT_ID = "123456789012"
STACK_NAME = "patron"
STAGE = "prod"
ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_PATH = ROOT / "template.yaml"


# libyaml's parser when PyYAML has it (7x faster); the same constructors either way
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):
    """YAML loader that turns CloudFormation short-form tags (!Ref, !Sub, !GetAtt ...) into their
    long form ({"Ref": ...}, {"Fn::Sub": ...}). libyaml's parser when PyYAML has it (7x faster)."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open() as stream:
        loaded: dict[str, Any] = yaml.load(stream, _CfnLoader)  # noqa: S506 - a CSafeLoader subclass  # nosec B506
    return loaded


@dataclass(frozen=True)
class Route:
    api: str  # logical id of the AWS::Serverless::Api
    method: str  # upper case
    path: str  # the API Gateway resource path, e.g. /customers/{id}
    function: str  # logical id of the function


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    handler: str
    environment: dict[str, str]
    timeout: int
    memory: int
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions
    log_group: str = ""  # LoggingConfig.LogGroup, else Lambda's /aws/lambda/<name>


@dataclass(frozen=True)
class Authorizer:
    """A Lambda REQUEST authorizer of an API (`Auth.Authorizers`): its function, the request values its
    answer is cached by (`identitySource`) and for how long."""

    name: str
    function: str  # logical id
    headers: tuple[str, ...]  # identity source headers: a request without one is 401 without a call
    context: tuple[str, ...]  # identity source $context variables (httpMethod, resourcePath)
    ttl_seconds: int


@dataclass(frozen=True)
class GatewayResponse:
    """A gateway response type's headers and body template (`GatewayResponses`)."""

    headers: dict[str, str]
    template: str | None = None


@dataclass(frozen=True)
class Api:
    logical_id: str
    base_path: str  # "ids" for IdsApi: the local base URL is /ids
    preflight_headers: dict[str, str]
    gateway_response_headers: dict[str, str]
    stage_variables: dict[str, str] = field(default_factory=dict)
    authorizer: Authorizer | None = None  # the default authorizer of every method
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)  # by type (ACCESS_DENIED)


class Template:
    def __init__(self, raw: dict[str, Any] | None = None, parameters: dict[str, str] | None = None) -> None:
        self.raw = raw if raw is not None else load_template()
        self.resources: dict[str, dict[str, Any]] = self.raw.get("Resources", {})
        declared = self.raw.get("Parameters", {})
        check_parameters(declared, parameters or {})  # as CloudFormation refuses a bad value: before anything
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        self.parameters.update(parameters or {})
        self.conditions = {
            name: self.resolve(value) for name, value in self.raw.get("Conditions", {}).items()
        }
        # the ids AWS assigns on creation (a user pool's, an app client's), by logical id: filled by the
        # local cloud as it provisions them (`aws.create_identity`), read by `Ref`
        self.assigned: dict[str, str] = {}

    # ----------------------------------------------------------------- resources by type
    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type and self._condition_holds(resource)
        }

    def properties(self, logical_id: str) -> dict[str, Any]:
        resolved: dict[str, Any] = self.resolve(self.resources[logical_id].get("Properties", {}))
        return resolved

    def with_globals(self, kind: str, logical_id: str) -> dict[str, Any]:
        """A resource's properties merged over the template's Globals for its kind, as SAM merges them:
        maps key by key, recursively; anything else the resource's own value wins."""
        defaults = self.resolve(self.raw.get("Globals", {}).get(kind, {}))
        merged: dict[str, Any] = merge_globals(defaults, self.properties(logical_id))
        return merged

    def functions(self) -> dict[str, Function]:
        functions = {}
        for logical_id in self.of_type("AWS::Serverless::Function"):
            props = self.with_globals("Function", logical_id)
            environment = props.get("Environment", {}).get("Variables", {})
            name = self.physical_name(logical_id)
            reserved = props.get("ReservedConcurrentExecutions")
            functions[logical_id] = Function(
                logical_id=logical_id,
                name=name,
                handler=props["Handler"],
                environment={key: str(value) for key, value in environment.items()},
                timeout=int(props.get("Timeout", 3)),
                memory=int(props.get("MemorySize", 128)),
                events=props.get("Events", {}),
                reserved_concurrency=int(reserved) if reserved is not None else None,
                log_group=str(props.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}"),
            )
        return functions

    def dead_letter_queues(self) -> list[str]:
        """Logical ids of the queues where failures land: a queue's `RedrivePolicy` target, a rule
        target's `DeadLetterConfig`, an event source's `DestinationConfig.OnFailure`."""
        arns: set[str] = set()
        # (the mapping's key, the key of the queue's ARN inside it); None: the key holds the ARN itself
        places = {"deadLetterTargetArn": None, "DeadLetterConfig": "Arn", "OnFailure": "Destination"}

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    if key in places:
                        arn = inner if places[key] is None else (inner or {}).get(places[key])
                        arns.add(str(self.resolve(arn)))
                    walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        for resource in self.resources.values():
            if self._condition_holds(resource):
                walk(resource.get("Properties", {}))  # raw: only the ARNs found are resolved
        return sorted(q for q in self.of_type("AWS::SQS::Queue") if self.arn(q) in arns)

    def apis(self) -> dict[str, Api]:
        apis = {}
        by_name = {function.name: logical_id for logical_id, function in self.functions().items()}
        for logical_id in self.of_type("AWS::Serverless::Api"):
            props = self.with_globals("Api", logical_id)
            cors = props.get("Cors", {})
            preflight = {
                "Access-Control-Allow-Origin": _unquote(cors.get("AllowOrigin", "'*'")),
                "Access-Control-Allow-Methods": _unquote(cors.get("AllowMethods", "'OPTIONS'")),
                "Access-Control-Allow-Headers": _unquote(cors.get("AllowHeaders", "''")),
            }
            responses = {
                kind: GatewayResponse(
                    headers={
                        name: _unquote(value)
                        for name, value in response.get("ResponseParameters", {}).get("Headers", {}).items()
                    },
                    template=response.get("ResponseTemplates", {}).get("application/json"),
                )
                for kind, response in props.get("GatewayResponses", {}).items()
            }
            default = responses.get("DEFAULT_4XX", GatewayResponse({}))
            apis[logical_id] = Api(
                logical_id=logical_id,
                base_path=logical_id.removesuffix("Api").lower(),
                preflight_headers=preflight,
                gateway_response_headers=default.headers,
                stage_variables={name: str(value) for name, value in props.get("Variables", {}).items()},
                authorizer=_authorizer(props.get("Auth", {}), by_name),
                gateway_responses=responses,
            )
        return apis

    def event_sources(self, kind: str) -> list[tuple[Function, dict[str, Any]]]:
        """(function, event `Properties`) for every function event of type `kind` ("Api", "SQS",
        "DynamoDB", …), in template order: the one walk over the functions' `Events`."""
        return [
            (function, event["Properties"])
            for function in self.functions().values()
            for event in function.events.values()
            if event["Type"] == kind
        ]

    def routes(self) -> list[Route]:
        routes = [
            # RestApiId is already resolved to the Api's logical id
            Route(props["RestApiId"], props["Method"].upper(), props["Path"], function.logical_id)
            for function, props in self.event_sources("Api")
        ]
        return sorted(routes, key=lambda route: (route.api, route.path, route.method))

    # ----------------------------------------------------------------- names and intrinsics
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        name_property = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Serverless::StateMachine": "Name",
            "AWS::Events::Rule": "Name",
            "AWS::Events::EventBus": "Name",
            "AWS::S3::Bucket": "BucketName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::IAM::Role": "RoleName",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::SecretsManager::Secret": "Name",
        }.get(resource["Type"])
        # only the name property is resolved: resolving every property here made each Ref a walk of
        # the resource, and the template's resolution quadratic
        name = self.resolve(resource.get("Properties", {}).get(name_property)) if name_property else None
        return logical_id if name is None else str(name)

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": STACK_NAME,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.assigned:
            return self.assigned[name]
        resource_type = self.resources[name]["Type"]
        physical = self.physical_name(name)
        if resource_type == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{physical}"
        if resource_type in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            return self.arn(name)
        if resource_type in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self.arn(name)  # a secret's Ref is its ARN too
        return physical  # tables, functions, buckets, rules: the name; APIs: the logical id

    def arn(self, logical_id: str) -> str:
        physical = self.physical_name(logical_id)
        bus = self.resolve(self.resources[logical_id].get("Properties", {}).get("EventBusName", "default"))
        arns = {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{physical}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{physical}",
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical}",
            "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}",
            "AWS::Events::Rule": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/"
            + (physical if bus == "default" else f"{bus}/{physical}"),
            "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{physical}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{physical}",
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{physical}",
            # Secrets Manager appends six random characters; the ARN without them names the secret too
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{physical}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{physical}:*",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}",
            "AWS::StepFunctions::StateMachine": (
                f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}"
            ),
        }
        return arns[self.resources[logical_id]["Type"]]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("QueueName", "Name"):
            return self.physical_name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute == "StreamArn":
            return f"{self.arn(logical_id)}/stream/local"
        raise ValueError(f"the local cloud does not resolve Fn::GetAtt {logical_id}.{attribute}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(item) for item in value) if item is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(arg[0], arg[1])
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return str(arg[0]).join(str(part) for part in self.resolve(arg[1]))
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.conditions[name] else when_false)
            if key == "Fn::Equals":
                left, right = self.resolve(arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(arg[0])]
            if key == "Condition":
                return self.conditions[arg]
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not None}

    def _sub(self, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def _condition_holds(self, resource: dict[str, Any]) -> bool:
        name = resource.get("Condition")
        return bool(self.conditions[name]) if name else True


def _authorizer(auth: dict[str, Any], functions_by_name: dict[str, str]) -> Authorizer | None:
    name = auth.get("DefaultAuthorizer")
    if not name:
        return None
    spec = auth["Authorizers"][name]
    if spec.get("FunctionPayloadType") != "REQUEST":
        raise ValueError(f"the local cloud runs REQUEST Lambda authorizers only, not {name}")
    arn = str(spec["FunctionArn"])  # resolved: arn:aws:lambda:<region>:<account>:function:<name>
    identity = spec.get("Identity", {})
    return Authorizer(
        name=name,
        function=functions_by_name[arn.rsplit(":", 1)[-1]],
        headers=tuple(identity.get("Headers", [])),
        context=tuple(identity.get("Context", [])),
        ttl_seconds=int(identity.get("ReauthorizeEvery", 300)),
    )


def merge_globals(defaults: Any, own: Any) -> Any:
    if isinstance(defaults, dict) and isinstance(own, dict):
        merged = dict(defaults)
        for key, value in own.items():
            merged[key] = merge_globals(defaults.get(key), value) if key in defaults else value
        return merged
    return own


def _unquote(value: str) -> str:
    """API Gateway header mappings are quoted literals ("'*'")."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
