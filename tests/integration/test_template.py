"""template.yaml is valid, translates offline, and is the only source of the local cloud's routes,
handlers and settings."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from patron.core.settings import Settings
from patron_tools.local.template import ROOT, Template


def test_cfn_lint_passes() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_local_routes_equal_the_translated_api_gateway_routes(
    template: Template, translated: dict[str, Any]
) -> None:
    deployed = set()
    for logical_id, resource in translated["Resources"].items():
        if resource["Type"] != "AWS::ApiGateway::RestApi":
            continue
        for path, methods in resource["Properties"]["Body"]["paths"].items():
            for method in methods:
                if method != "options":  # CORS preflight: a mock integration, answered by the gateway
                    deployed.add((logical_id, method.upper(), path))

    local = {(route.api, route.method, route.path) for route in template.routes()}

    assert local == deployed
    assert local  # the template has routes at all


def test_every_route_requires_the_api_key_except_preflight(translated: dict[str, Any]) -> None:
    for resource in translated["Resources"].values():
        if resource["Type"] != "AWS::ApiGateway::RestApi":
            continue
        for methods in resource["Properties"]["Body"]["paths"].values():
            for method, operation in methods.items():
                secured = {"api_key": []} in operation.get("security", [])
                assert secured == (method != "options"), method


def test_apis_have_a_usage_plan_with_throttling(translated: dict[str, Any]) -> None:
    plans = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::UsagePlan"]

    assert len(plans) == 1
    assert set(plans[0]["Properties"]["Throttle"]) == {"RateLimit", "BurstLimit"}
    apis = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert len(plans[0]["Properties"]["ApiStages"]) == len(apis)


def test_functions_run_the_python_that_the_tests_and_the_build_use(translated: dict[str, Any]) -> None:
    # sam build needs the runtime's interpreter; deploying 3.11 deploys what the suite runs on
    runtimes = {
        r["Properties"]["Runtime"]
        for r in translated["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }

    assert runtimes == {"python3.11"}


def test_every_handler_is_importable(template: Template) -> None:
    for function in template.functions().values():
        module_name, attribute = function.handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module_name), attribute)), function.logical_id


def test_settings_fields_are_exactly_the_templates_service_variables(template: Template) -> None:
    variables = {name for f in template.functions().values() for name in f.environment}
    service_variables = {name for name in variables if not name.startswith("POWERTOOLS_")}

    assert set(Settings.model_fields) == service_variables


def test_each_api_announces_its_own_methods_in_cors(template: Template) -> None:
    functions = template.functions()
    for api in template.apis().values():
        methods = {route.method for route in template.routes() if route.api == api.logical_id}
        expected = ",".join([*sorted(methods), "OPTIONS"])
        assert api.preflight_headers["Access-Control-Allow-Methods"] == expected
        assert api.gateway_response_headers["Access-Control-Allow-Methods"] == expected
        for route in template.routes():
            if route.api == api.logical_id:
                module = importlib.import_module(functions[route.function].handler.rsplit(".", 1)[0])
                assert module.app.cors_methods == expected


# ---------------------------------------------------------------- enrollment
def _statements(translated: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = translated["Resources"][f"{function}Role"]["Properties"]
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(translated: dict[str, Any], function: str) -> set[str]:
    actions: set[str] = set()
    for statement in _statements(translated, function):
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def test_the_enrollment_processor_reads_its_queue_with_partial_batch_failures(
    translated: dict[str, Any],
) -> None:
    (mapping,) = [
        r["Properties"]
        for r in translated["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "EnrollmentProcessorFunction"}
    ]
    queue = translated["Resources"]["EnrollmentQueue"]["Properties"]

    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["EnrollmentQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 10
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 3


def test_every_queue_source_waits_six_function_timeouts_before_redelivery(translated: dict[str, Any]) -> None:
    # Lambda: the source queue's visibility timeout at least 6x the function's timeout (plus the batching
    # window), or a batch still being retried by Lambda's poller comes back and runs twice
    resources = translated["Resources"]
    checked = []
    for mapping in (
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ):
        source = mapping["EventSourceArn"].get("Fn::GetAtt", [None])[0]
        if source not in resources or resources[source]["Type"] != "AWS::SQS::Queue":
            continue
        timeout = resources[mapping["FunctionName"]["Ref"]]["Properties"]["Timeout"]
        window = mapping.get("MaximumBatchingWindowInSeconds", 0)
        assert resources[source]["Properties"]["VisibilityTimeout"] >= 6 * timeout + window, source
        checked.append(source)

    assert checked == ["EnrollmentQueue"]


def test_custom_resources_time_out_before_cloudformations_hour(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    customs = {n: r["Properties"] for n, r in resources.items() if r["Type"].startswith("Custom::")}

    assert customs
    for name, properties in customs.items():
        function = properties["ServiceToken"]["Fn::GetAtt"][0]
        assert resources[function]["Properties"]["Timeout"] < properties["ServiceTimeout"] <= 600, name


def test_only_the_dispatcher_sends_to_the_enrollment_queue(translated: dict[str, Any]) -> None:
    functions = [
        "CreateAgeGroupFunction",
        "ListAgeGroupsFunction",
        "DeleteAgeGroupFunction",
        "CreateEnrollmentFunction",
        "GetEnrollmentFunction",
        "EnrollmentProcessorFunction",
        "EnrollmentDispatcherFunction",
    ]
    senders = {f for f in functions if any(a.startswith("sqs:SendMessage") for a in _actions(translated, f))}

    assert senders == {"EnrollmentDispatcherFunction"}
    assert _actions(translated, "CreateEnrollmentFunction") == {
        "dynamodb:Scan",
        "dynamodb:PutItem",
        *IDEMPOTENCY,
    }
    assert _actions(translated, "GetEnrollmentFunction") == {"dynamodb:GetItem"}
    assert _actions(translated, "EnrollmentProcessorFunction") == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_each_stage_has_its_own_event_bus_for_rule_publisher_and_iam(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    bus, arn = {"Ref": "EventBus"}, {"Fn::GetAtt": ["EventBus", "Arn"]}
    publisher = resources["PublishCustomerCreatedFunction"]["Properties"]
    (role,) = resources["PublishCustomerCreatedFunctionRole"]["Properties"]["Policies"]
    put_events = [s for s in role["PolicyDocument"]["Statement"] if s["Action"] == "events:PutEvents"]
    pattern_rules = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    }

    assert resources["EventBus"]["Properties"]["Name"] == {"Fn::Sub": "${NamePrefix}patron"}
    assert Template(parameters={"NamePrefix": "staging-"}).ref("EventBus") == "staging-patron"
    assert publisher["Environment"]["Variables"]["EVENT_BUS_NAME"] == bus
    assert [s["Resource"] for s in put_events] == [arn]
    assert {name: rule["EventBusName"] for name, rule in pattern_rules.items()} == {
        "CustomerCreatedRule": bus
    }
    assert "event-bus/default" not in json.dumps(translated)


def test_each_api_has_only_its_prod_stage(translated: dict[str, Any]) -> None:
    resources = translated["Resources"].values()
    deployments = [r["Properties"] for r in resources if r["Type"] == "AWS::ApiGateway::Deployment"]
    stages = [r["Properties"]["StageName"] for r in resources if r["Type"] == "AWS::ApiGateway::Stage"]

    assert len(deployments) == 5
    assert [d.get("StageName") for d in deployments] == [None] * 5  # SAM's extra "Stage" stage
    assert stages == ["prod"] * 5


IDEMPOTENCY = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def test_only_the_create_routes_reach_the_idempotency_table_and_only_for_its_records(
    translated: dict[str, Any],
) -> None:
    table = {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    functions = [
        logical_id
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and f"{logical_id}Role" in translated["Resources"]
    ]
    users = {
        f: statement
        for f in functions
        for statement in _statements(translated, f)
        if table
        in ([statement["Resource"]] if isinstance(statement["Resource"], dict) else statement["Resource"])
    }

    assert set(users) == {"CreateCustomerFunction", "CreateAgeGroupFunction", "CreateEnrollmentFunction"}
    for statement in users.values():
        assert statement["Resource"] == table  # a statement of its own: these actions on no other table
        assert set(statement["Action"]) == IDEMPOTENCY
