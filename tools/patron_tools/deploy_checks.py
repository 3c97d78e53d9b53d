"""Checks of the strings AWS parses only at deploy time, which cfn-lint, SAM's translator and moto all
accept: the CloudWatch dashboard body, state-machine definitions after `DefinitionSubstitutions`,
EventBridge and event-source-mapping filter patterns, and inline IAM policy documents. Each check reads
the CloudFormation SAM would deploy (the translated template) and answers a list of problems, one
sentence each, naming the resource; an empty list means the strings are what AWS documents.

Sources (docs/decisions.md, "Deploy-time strings are checked offline"):
- CloudWatch "Dashboard Body Structure and Syntax" (APIReference/CloudWatch-Dashboard-Body-Structure)
- "Amazon States Language" (step-functions/latest/dg/concepts-amazon-states-language)
- EventBridge "Event patterns" and Lambda "event filtering"
- IAM "JSON policy element reference" (IAM/latest/UserGuide/reference_policies_elements)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from patron_tools.local.template import ACCOUNT_ID, REGION, ROOT, Template

# ---------------------------------------------------------------- resolving the translated template


class _Deployed(Template):
    """The translated template with every intrinsic resolved to a value of the shape AWS would give
    (names for Ref, ARNs for Fn::GetAtt ...Arn), also for the types the local cloud never reads."""

    def arn(self, logical_id: str) -> str:
        resource_type = self.resources[logical_id]["Type"]
        physical = self.physical_name(logical_id)
        if resource_type == "AWS::Lambda::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical}"
        try:
            return super().arn(logical_id)
        except KeyError:
            service = resource_type.split("::")[1].lower()
            return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{logical_id}"

    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        if resource["Type"] == "AWS::Lambda::Function":
            return str(self.resolve(resource.get("Properties", {})).get("FunctionName", logical_id))
        return super().physical_name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return super().get_att(logical_id, attribute)
        except ValueError:
            return f"{self.physical_name(logical_id)}-{attribute.lower()}"


def deployed(translated: dict[str, Any], parameters: dict[str, str] | None = None) -> Template:
    """The translated template (samtranslator's output) with intrinsics resolvable as on a deploy."""
    return _Deployed(raw=translated, parameters=parameters)


def problems(translated: dict[str, Any], parameters: dict[str, str] | None = None) -> list[str]:
    """Every problem of every deploy-time string of the translated template (empty when none)."""
    template = deployed(translated, parameters)
    found: list[str] = []
    for logical_id in template.of_type("AWS::CloudWatch::Dashboard"):
        body = template.properties(logical_id)["DashboardBody"]
        found += [f"{logical_id}: {p}" for p in dashboard_problems(body)]
    for logical_id in template.of_type("AWS::StepFunctions::StateMachine"):
        found += [f"{logical_id}: {p}" for p in state_machine_problems(template, logical_id)]
    for logical_id, pattern in event_patterns(template):
        found += [f"{logical_id}: {p}" for p in event_pattern_problems(pattern)]
    for logical_id, document, resource_based in policy_documents(template):
        found += [f"{logical_id}: {p}" for p in policy_problems(document, resource_based=resource_based)]
    return found


# ---------------------------------------------------------------- CloudWatch dashboard body

WIDGET_REQUIRED = {
    "metric": ("metrics", "region"),
    "text": ("markdown",),
    "alarm": ("alarms",),
    "log": ("query", "region"),
}
VIEWS = {"timeSeries", "singleValue", "gauge", "bar", "pie", "table"}
STAT = re.compile(r"^(SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?)$")
METRIC_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")  # MetricDataQuery.Id: letters, digits, _; a lower-case first
RENDERING = {
    "accountId",
    "color",
    "expression",
    "id",
    "label",
    "period",
    "region",
    "stat",
    "visible",
    "yAxis",
}


def dashboard_problems(body: str) -> list[str]:
    """CloudWatch's documented DashboardBody: a JSON object with a `widgets` array (0-500); each widget
    a known `type`, `width` 1-24 and `height` 1-1000 within the 24-column grid, and its type's required
    properties; a metric widget's `metrics` an array of arrays, each either
    `[Namespace, MetricName, (DimensionName, DimensionValue)..., {rendering}]` or `[{"expression", ...}]`,
    with ids unique in the widget."""
    try:
        dashboard = json.loads(body)
    except json.JSONDecodeError as error:
        return [f"the dashboard body is not JSON ({error})"]
    widgets = dashboard.get("widgets") if isinstance(dashboard, dict) else None
    if not isinstance(widgets, list) or len(widgets) > 500:
        return ["the dashboard body needs a `widgets` array of at most 500 widgets"]
    found = []
    for number, widget in enumerate(widgets):
        title = widget.get("properties", {}).get("title", "") if isinstance(widget, dict) else ""
        name = f"widget {number} {title!r}"
        found += [f"{name}: {p}" for p in _widget_problems(widget)]
    return found


def _widget_problems(widget: Any) -> list[str]:
    if not isinstance(widget, dict) or widget.get("type") not in WIDGET_REQUIRED:
        return [f"`type` must be one of {sorted(WIDGET_REQUIRED)}"]
    found = []
    x, width, height = widget.get("x", 0), widget.get("width", 6), widget.get("height", 6)
    if not all(isinstance(v, int) for v in (x, widget.get("y", 0), width, height)):
        found.append("x, y, width and height must be integers")
    elif not (1 <= width <= 24 and 1 <= height <= 1000 and x >= 0 and x + width <= 24):
        found.append("width must be 1-24, height 1-1000, and x + width at most 24")
    properties = widget.get("properties")
    if not isinstance(properties, dict):
        return [*found, "`properties` must be an object"]
    found += [f"`{key}` is required" for key in WIDGET_REQUIRED[widget["type"]] if key not in properties]
    if widget["type"] == "metric":
        found += _metric_properties_problems(properties)
    return found


def _metric_properties_problems(properties: dict[str, Any]) -> list[str]:
    found = []
    if properties.get("view", "timeSeries") not in VIEWS:
        found.append(f"`view` must be one of {sorted(VIEWS)}")
    if "stat" in properties and not STAT.match(str(properties["stat"])):
        found.append(f"`stat` {properties['stat']!r} is not a CloudWatch statistic")
    metrics = properties.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(row, list) and row for row in metrics):
        return [*found, "`metrics` must be an array of non-empty arrays (an expression is `[{...}]`)"]
    ids = []
    for row in metrics:
        *names, last = row
        options = last if isinstance(last, dict) else {}
        names = names if options else row
        if set(options) - RENDERING:
            found.append(f"unknown metric options {sorted(set(options) - RENDERING)}")
        if "expression" in options:
            if names:
                found.append('an expression row is `[{"expression": ...}]`, with nothing before the object')
        elif not all(isinstance(n, str) for n in names) or len(names) < 2 or len(names) % 2:
            found.append(
                f"metric row {row!r} is not [Namespace, MetricName, (DimensionName, DimensionValue)...]"
            )
        if "stat" in options and not STAT.match(str(options["stat"])):
            found.append(f"`stat` {options['stat']!r} is not a CloudWatch statistic")
        if "id" in options:
            if not METRIC_ID.match(str(options["id"])):
                found.append(
                    f"metric id {options['id']!r} must start with a lower-case letter (letters, digits, _)"
                )
            ids.append(options["id"])
    if len(ids) != len(set(ids)):
        found.append("metric ids must be unique in a widget")
    return found


# ---------------------------------------------------------------- Step Functions definitions

STATE_TYPES = {"Task", "Choice", "Pass", "Wait", "Succeed", "Fail", "Parallel", "Map"}
SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")


def state_machine_problems(template: Template, logical_id: str) -> list[str]:
    """The definition Step Functions receives (the file of `DefinitionUri` or the inline definition,
    after `DefinitionSubstitutions`): valid JSON, every `${...}` substituted and every substitution used,
    and the States Language basics of `states_problems`."""
    properties = template.resources[logical_id]["Properties"]
    substitutions = template.resolve(properties.get("DefinitionSubstitutions", {}))
    if "DefinitionS3Location" in properties:
        key = template.resolve(properties["DefinitionS3Location"])["Key"]
        text = (ROOT / Path(key)).read_text()
    elif "DefinitionString" in properties:
        text = str(template.resolve(properties["DefinitionString"]))
    else:
        text = json.dumps(properties.get("Definition"))
    found = []
    placeholders = set(SUBSTITUTION.findall(text))
    found += [
        f"`${{{name}}}` has no DefinitionSubstitutions entry"
        for name in sorted(placeholders - set(substitutions))
    ]
    found += [
        f"DefinitionSubstitutions {name!r} is never used"
        for name in sorted(set(substitutions) - placeholders)
    ]
    text = SUBSTITUTION.sub(lambda m: str(substitutions.get(m.group(1), m.group(0))), text)
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        return [*found, f"the definition is not JSON after substitution ({error})"]
    return found + states_problems(definition)


def states_problems(machine: dict[str, Any], where: str = "") -> list[str]:
    """Amazon States Language basics: `StartAt` names a state; every state has a known `Type`; every
    `Next`, `Default` and `Catch` target exists; a non-terminal state has `Next` or `End`; a Task's
    `Resource` is an ARN and its `FunctionName`/`StateMachineArn` parameters are ARNs or paths; Parallel
    branches and Map iterators are machines themselves."""
    states = machine.get("States")
    if not isinstance(states, dict) or not states:
        return [f"{where}`States` must be a non-empty object"]
    found = [] if machine.get("StartAt") in states else [f"{where}`StartAt` must name a state"]
    for name, state in states.items():
        at = f"{where}state {name!r}: "
        kind = state.get("Type")
        if kind not in STATE_TYPES:
            found.append(f"{at}`Type` must be one of {sorted(STATE_TYPES)}")
            continue
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])]
        found += [f"{at}`{t}` is not a state" for t in targets if t is not None and t not in states]
        if kind not in ("Choice", "Succeed", "Fail") and ("Next" in state) == bool(state.get("End")):
            found.append(f"{at}needs exactly one of `Next` and `End: true`")
        if kind == "Choice" and not state.get("Choices"):
            found.append(f"{at}a Choice needs `Choices`")
        if kind == "Task":
            found += [f"{at}{p}" for p in _task_problems(state)]
        for branch in state.get("Branches", []):
            found += states_problems(branch, at)
        if kind == "Map":
            found += states_problems(state.get("ItemProcessor") or state.get("Iterator") or {}, at)
    return found


def _task_problems(state: dict[str, Any]) -> list[str]:
    found = []
    if not str(state.get("Resource", "")).startswith("arn:"):
        found.append(f"`Resource` {state.get('Resource')!r} is not an ARN")
    for key in ("FunctionName", "StateMachineArn", "QueueUrl", "TableName"):
        value = state.get("Parameters", {}).get(key)
        if value is not None and (not isinstance(value, str) or not value or "${" in value):
            found.append(f"`Parameters.{key}` {value!r} is not a resolved name or ARN")
    return found


# ---------------------------------------------------------------- event patterns

MATCHERS = {
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "equals-ignore-case",
    "cidr",
    "wildcard",
}


def event_patterns(template: Template) -> list[tuple[str, Any]]:
    """Every pattern AWS parses: rules' `EventPattern` and event source mappings' filter patterns."""
    patterns: list[tuple[str, Any]] = []
    for logical_id in template.of_type("AWS::Events::Rule"):
        pattern = template.properties(logical_id).get("EventPattern")
        if pattern is not None:
            patterns.append((logical_id, pattern))
    for logical_id in template.of_type("AWS::Lambda::EventSourceMapping"):
        for flt in template.properties(logical_id).get("FilterCriteria", {}).get("Filters", []):
            patterns.append((logical_id, flt.get("Pattern")))
    return patterns


def event_pattern_problems(pattern: Any) -> list[str]:
    """An EventBridge / Lambda filter pattern: a JSON object whose leaves are non-empty arrays of
    strings, numbers, booleans, null or one-key matcher objects (`prefix`, `anything-but`, ...)."""
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except json.JSONDecodeError as error:
            return [f"the pattern is not JSON ({error})"]
    if not isinstance(pattern, dict) or not pattern:
        return ["a pattern must be a non-empty JSON object"]
    found = []
    for key, value in pattern.items():
        if key == "$or":
            alternatives = value if isinstance(value, list) and value else [None]
            found += [p for alternative in alternatives for p in event_pattern_problems(alternative)]
        elif isinstance(value, dict):
            found += [f"{key}.{p}" for p in event_pattern_problems(value)]
        elif not isinstance(value, list) or not value:
            found.append(f"{key}: a leaf must be a non-empty array of values")
        else:
            for item in value:
                if isinstance(item, dict) and (len(item) != 1 or next(iter(item)) not in MATCHERS):
                    found.append(f"{key}: {item!r} is not a matcher ({sorted(MATCHERS)})")
                elif isinstance(item, list):
                    found.append(f"{key}: arrays do not nest")
    return found


# ---------------------------------------------------------------- IAM policy documents

IDENTITY_POLICIES = {
    "AWS::IAM::Role": "Policies",
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
}
RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
}
ACTION = re.compile(r"^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$")


def policy_documents(template: Template) -> list[tuple[str, Any, bool]]:
    """(logical id, document, resource-based?) for every inline policy document of the template."""
    documents: list[tuple[str, Any, bool]] = []
    for resource_type, key in {**IDENTITY_POLICIES, **RESOURCE_POLICIES}.items():
        for logical_id in template.of_type(resource_type):
            properties = template.properties(logical_id)
            if resource_type == "AWS::IAM::Role":
                if "AssumeRolePolicyDocument" in properties:
                    documents.append((logical_id, properties["AssumeRolePolicyDocument"], True))
                documents += [(logical_id, p["PolicyDocument"], False) for p in properties.get(key, [])]
            elif key in properties:
                documents.append((logical_id, properties[key], resource_type in RESOURCE_POLICIES))
    return documents


def policy_problems(document: Any, resource_based: bool) -> list[str]:
    """IAM's JSON policy grammar: `Version` "2012-10-17" or "2008-10-17" (the default when absent, which
    has no policy variables); statements with `Effect` Allow/Deny, `Action` or `NotAction` of
    `service:Action`s; identity policies name a `Resource`, resource-based ones a `Principal`; every
    resource an ARN (or `*`)."""
    if isinstance(document, str):
        document = json.loads(document)
    if not isinstance(document, dict):
        return ["a policy document must be a JSON object"]
    version = document.get("Version", "2008-10-17")
    found = (
        [] if version in ("2012-10-17", "2008-10-17") else [f"`Version` {version!r} is not an IAM version"]
    )
    if version != "2012-10-17" and "${aws:" in json.dumps(document):
        found.append('policy variables need `Version` "2012-10-17"')
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not statements:
        return [*found, "`Statement` must be a non-empty array"]
    for number, statement in enumerate(statements):
        at = f"statement {statement.get('Sid', number)}: "
        if statement.get("Effect") not in ("Allow", "Deny"):
            found.append(f"{at}`Effect` must be Allow or Deny")
        actions = statement.get("Action", statement.get("NotAction"))
        actions = [actions] if isinstance(actions, str) else actions
        if not actions or not all(isinstance(a, str) and ACTION.match(a) for a in actions):
            found.append(f"{at}`Action` must be service:Action names, got {actions!r}")
        principal = "Principal" in statement or "NotPrincipal" in statement
        if resource_based != principal:
            found.append(
                f"{at}{'a resource-based' if resource_based else 'an identity'} policy "
                f"{'needs' if resource_based else 'takes no'} `Principal`"
            )
        resources = statement.get("Resource", statement.get("NotResource"))
        if resources is None and not (resource_based and "sts:AssumeRole" in (actions or [])):
            if not resource_based:
                found.append(f"{at}`Resource` is required")
            continue
        resources = [resources] if isinstance(resources, str) else resources or []
        for resource in resources:
            if not (isinstance(resource, str) and (resource == "*" or resource.startswith("arn:"))):
                found.append(f"{at}resource {resource!r} is not an ARN")
    return found
