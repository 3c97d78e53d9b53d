"""docs/architecture.md, generated from template.yaml (`patron architecture`; a test fails on drift).

The flows are read from the references between resources: API events, stream and queue event sources,
environment variables naming a resource, state machines' task substitutions, rule targets, redrive
policies, failure destinations, alarms, origins. Each resource is put in the service of the API (or the
console distribution) it is connected to; what is connected to none is "shared"."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patron_tools.local.template import ROOT, load_template

DOCUMENT = ROOT / "docs" / "architecture.md"

EVENT_BUS = "AWS::Events::EventBus"  # the stage's bus; the default one (schedules) is drawn as one too

# what the diagram draws; every other resource (roles, policies, log groups, ...) is in the table only
DRAWN = {
    "AWS::Serverless::Api": "api",
    "AWS::Serverless::Function": "function",
    "AWS::Lambda::Function": "function",
    "AWS::DynamoDB::Table": "table",
    "AWS::SQS::Queue": "queue",
    "AWS::Serverless::StateMachine": "machine",
    "AWS::Events::Rule": "rule",
    "AWS::SNS::Topic": "topic",
    "AWS::S3::Bucket": "bucket",
    "AWS::CloudFront::Distribution": "cdn",
    "AWS::CloudWatch::Dashboard": "dashboard",
    "Custom::ConsoleConfig": "custom",
    EVENT_BUS: "bus",
}
SHAPES = {
    "api": ("[/", "/]"),
    "function": ("(", ")"),
    "table": ("[(", ")]"),
    "queue": ("[[", "]]"),
    "machine": ("{{", "}}"),
    "rule": (">", "]"),
    "topic": ("([", "])"),
    "bucket": ("[(", ")]"),
    "cdn": ("[/", "\\]"),
    "dashboard": ("[", "]"),
    "custom": ("(", ")"),
    "bus": ("((", "))"),
}
# resources that many services use: they neither join nor link services when grouping
HUBS = {"AWS::SNS::Topic", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "Custom::ConsoleConfig"}


def is_hub(resource: dict[str, Any]) -> bool:
    """A resource of a hub type, or one the template marks `Metadata: {Patron: {Shared: true}}` (a table that
    several services use, such as the Idempotency-Key records)."""
    shared = resource.get("Metadata", {}).get("Patron", {}).get("Shared") is True
    return shared or resource["Type"] in HUBS


SEEDS = {"AWS::Serverless::Api", "AWS::CloudFront::Distribution"}
SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}")


@dataclass(frozen=True, order=True)
class Flow:
    source: str
    target: str
    label: str


def references(value: Any, resources: dict[str, Any]) -> list[str]:
    """Logical ids of the resources that `value` refers to (Ref, GetAtt, ${X} in Sub), in order."""
    found: list[str] = []
    if isinstance(value, list):
        for item in value:
            found += references(item, resources)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and arg in resources:
                found.append(arg)
            elif key == "Fn::GetAtt":
                name = arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
                found += [name] if name in resources else []
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                found += [n for n in SUB_REFERENCE.findall(text) if n in resources]
                found += references(arg[1] if isinstance(arg, list) else {}, resources)
            else:
                found += references(arg, resources)
    return found


def with_event_bus(template: dict[str, Any]) -> dict[str, Any]:
    """The template's resources plus `DefaultEventBus`, through which publishers reach the rules."""
    return {**template["Resources"], "DefaultEventBus": {"Type": EVENT_BUS}}


def flows(template: dict[str, Any]) -> list[Flow]:
    resources = with_event_bus(template)
    found: set[Flow] = set()

    def link(source: str, targets: list[str], label: str) -> None:
        found.update(Flow(source, target, label) for target in targets if target != source)

    for name, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Serverless::Function":
            for event in props.get("Events", {}).values():
                event_props = event.get("Properties", {})
                if event["Type"] == "Api":
                    api = references(event_props.get("RestApiId"), resources)[0]
                    found.add(Flow(api, name, f"{event_props['Method'].upper()} {event_props['Path']}"))
                elif event["Type"] in ("DynamoDB", "SQS", "Kinesis"):
                    (source,) = references(event_props.get("Stream") or event_props.get("Queue"), resources)
                    found.add(Flow(source, name, "stream" if event["Type"] != "SQS" else "messages"))
                    failure = event_props.get("DestinationConfig", {}).get("OnFailure", {})
                    link(name, references(failure, resources), "on failure")
            used = references(props.get("Environment", {}), resources)
            buses = [r for r in used if resources[r]["Type"] == EVENT_BUS]
            link(name, [r for r in used if r not in buses], "uses")
            roles = [resources[r].get("Properties", {}) for r in references(props.get("Role"), resources)]
            if "PutEvents" in str([props.get("Policies"), roles]):  # its own policies, or its role's
                link(name, buses or ["DefaultEventBus"], "puts events")
        elif kind == "AWS::Serverless::StateMachine":
            link(name, references(props.get("DefinitionSubstitutions", {}), resources), "task")
        elif kind == "AWS::Events::Rule":
            pattern = props.get("EventPattern", {}).get("detail-type")
            (bus,) = references(props.get("EventBusName"), resources) or ["DefaultEventBus"]
            found.add(Flow(bus, name, " / ".join(pattern) if pattern else "schedule"))
            for target in props.get("Targets", []):
                link(
                    name,
                    references(target.get("Arn"), resources),
                    "starts" if "Input" in str(target) else "targets",
                )
        elif kind == "AWS::SQS::Queue":
            link(name, references(props.get("RedrivePolicy", {}), resources), "dead letters")
        elif kind == "AWS::CloudWatch::Alarm":
            link(name, references(props.get("Dimensions", []), resources), "watches")
            link(name, references(props.get("AlarmActions", []), resources), "notifies")
        elif kind == "AWS::CloudFront::Distribution":
            link(
                name, references(props.get("DistributionConfig", {}).get("Origins", []), resources), "origin"
            )
        elif kind.startswith("Custom::"):
            link(name, references(props, resources), "configures")
    return sorted(found)


def services(template: dict[str, Any], all_flows: list[Flow]) -> dict[str, str]:
    """Each resource's service: the API or console it is connected to, else "shared"."""
    resources = with_event_bus(template)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for flow in all_flows:
        if not any(is_hub(resources[end]) for end in (flow.source, flow.target)):
            neighbours[flow.source].add(flow.target)
            neighbours[flow.target].add(flow.source)
    owner: dict[str, str] = {}
    # breadth-first from every seed at once: a resource belongs to the nearest API (privacy's tasks
    # reach every service's tables, which still belong to their own service's API)
    queue: deque[tuple[str, str]] = deque()
    for seed in sorted(n for n, r in resources.items() if r["Type"] in SEEDS):
        service = "web console" if resources[seed]["Type"] == "AWS::CloudFront::Distribution" else seed
        queue.append((seed, service.removesuffix("Api").lower()))
    while queue:
        node, service = queue.popleft()
        if node in owner:
            continue
        owner[node] = service
        queue.extend((neighbour, service) for neighbour in sorted(neighbours[node] - owner.keys()))
    # roles, policies, log groups and alarms go where the resource they serve is
    for name, resource in resources.items():
        if name not in owner:
            served = [owner[r] for r in references(resource.get("Properties", {}), resources) if r in owner]
            owner[name] = served[0] if served and not is_hub(resource) else "shared"
    return owner


def mermaid(template: dict[str, Any], all_flows: list[Flow], owner: dict[str, str]) -> str:
    resources = with_event_bus(template)
    drawn = {n for n, r in resources.items() if r["Type"] in DRAWN}
    # an API's route functions are drawn as one node: their flows are the union of theirs
    routes: dict[str, list[str]] = defaultdict(list)
    for flow in all_flows:
        if resources[flow.source]["Type"] == "AWS::Serverless::Api" and flow.label != "uses":
            routes[flow.source].append(flow.target)
    merged = {function: f"{api}Routes" for api, functions in routes.items() for function in functions}
    edges: set[tuple[str, str, str]] = set()
    alarms: dict[str, int] = defaultdict(int)
    for flow in all_flows:
        if resources[flow.source]["Type"] == "AWS::CloudWatch::Alarm":
            if flow.label == "notifies":
                alarms[flow.target] += 1
            continue
        source, target = merged.get(flow.source, flow.source), merged.get(flow.target, flow.target)
        if (
            source in drawn | set(merged.values())
            and target in drawn | set(merged.values())
            and source != target
        ):
            label = "routes" if source in routes and target == f"{source}Routes" else flow.label
            edges.add((source, target, label))
    lines = ["flowchart LR"]
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(drawn - merged.keys()):
        kind = DRAWN[resources[name]["Type"]]
        opening, closing = SHAPES[kind]
        groups[owner[name]].append(
            f'    {name}{opening}"{name}<br/><small>{resources[name]["Type"]}</small>"{closing}'
        )
    for api, functions in sorted(routes.items()):
        paths = len(functions)
        groups[owner[api]].append(
            f'    {api}Routes("{paths} route functions<br/><small>one per route</small>")'
        )
    for service in sorted(groups):
        lines.append(f'  subgraph {re.sub(r"[^a-z]", "_", service)}["{service}"]')
        lines += groups[service]
        lines.append("  end")
    for topic, count in sorted(alarms.items()):
        lines.append(f'  Alarms(["{count} CloudWatch alarms"]) -- notifies --> {topic}')
    for source, target, label in sorted(edges):
        lines.append(f"  {source} -- {label} --> {target}")
    return "\n".join(lines)


def render(template: dict[str, Any] | None = None) -> str:
    template = template or load_template()
    all_flows = flows(template)
    owner = services(template, all_flows)
    resources = template["Resources"]
    table = ["| resource | type | service |", "|---|---|---|"]
    table += [
        f"| `{name}` | `{resource['Type']}` | {owner[name]} |"
        for name, resource in sorted(resources.items(), key=lambda item: (owner[item[0]], item[0]))
    ]
    flow_lines = [f"| `{f.source}` | {f.label} | `{f.target}` |" for f in all_flows]
    return "\n".join(
        [
            "# Architecture",
            "",
            "<!-- generated from template.yaml by `patron architecture`; a test fails when it drifts -->",
            "",
            f"Every resource of `template.yaml` ({len(resources)}) and every flow between them "
            f"({len(all_flows)}), read from the template. The same template runs on AWS (`make deploy`) "
            "and locally (`patron dev`, on moto). An API's route functions, one per route, are drawn as "
            "one node; alarms as one.",
            "",
            "```mermaid",
            mermaid(template, all_flows, owner),
            "```",
            "",
            "## Resources",
            "",
            *table,
            "",
            "## Flows",
            "",
            "| from | how | to |",
            "|---|---|---|",
            *flow_lines,
            "",
        ]
    )


def is_current(path: Path = DOCUMENT) -> bool:
    return path.exists() and path.read_text() == render()
