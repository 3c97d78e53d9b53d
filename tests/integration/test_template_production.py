"""template.yaml is production-grade: every function, API, state machine and dead-letter queue alarms
to `alerts` (SPEC §1.1); everything logs to a group with retention and is traced; data is encrypted at
rest; roles hold no account-wide grant where a narrower one exists; the usage plan throttles and caps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from patron_tools.local.template import Template

# SAM attaches these for stream and queue events; their actions apply to every stream / queue of the account
ACCOUNT_WIDE_POLICIES = ("AWSLambdaDynamoDBExecutionRole", "AWSLambdaSQSQueueExecutionRole")
BUCKET_SETTINGS = {"s3:PutLifecycleConfiguration", "s3:PutObjectAcl", "s3:PutBucketPolicy", "s3:DeleteBucket"}
# actions that take no resource-level permission (Step Functions' log delivery)
UNSCOPABLE_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def of_type(resources: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: r.get("Properties", {}) for k, r in resources.items() if r["Type"] == resource_type}


def alarmed(template: Template, namespace: str, metric: str) -> set[Any]:
    alarms = [template.properties(a) for a in template.of_type("AWS::CloudWatch::Alarm")]
    for alarm in alarms:
        assert alarm["AlarmActions"] == [template.ref("AlertsTopic")]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    return {
        alarm["Dimensions"][0]["Value"]
        for alarm in alarms
        if (alarm["Namespace"], alarm["MetricName"]) == (namespace, metric)
    }


def test_every_function_api_state_machine_and_dead_letter_queue_alarms(template: Template) -> None:
    # the authorizer's refusals (401) are Lambda errors by design; its real failures are the APIs' 5XX
    assert alarmed(template, "AWS/Lambda", "Errors") == {
        template.physical_name(f) for f in template.functions() if f != "AuthorizerFunction"
    }
    assert alarmed(template, "AWS/ApiGateway", "5XXError") == {
        template.properties(api)["Name"] for api in template.apis()
    }
    assert alarmed(template, "AWS/States", "ExecutionsFailed") == {
        template.ref(sm) for sm in template.of_type("AWS::Serverless::StateMachine")
    }
    # the queues where failures land, as `patron dlq` finds them (tests/unit/test_dlq.py lists them)
    assert alarmed(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible") == {
        template.physical_name(q) for q in template.dead_letter_queues()
    }


def test_functions_apis_and_state_machines_log_with_retention_and_are_traced(
    translated: dict[str, Any],
) -> None:
    resources = translated["Resources"]
    log_groups = of_type(resources, "AWS::Logs::LogGroup")
    assert all(group["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in log_groups.values())

    functions = of_type(resources, "AWS::Lambda::Function")
    assert functions
    for name, function in functions.items():
        assert function["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogs"}, name
    assert all(
        f["TracingConfig"] == {"Mode": "Active"} for n, f in functions.items() if n != "ConsoleConfigFunction"
    )

    stages = of_type(resources, "AWS::ApiGateway::Stage")
    assert len(stages) == 5
    for stage in stages.values():
        assert stage["TracingEnabled"] is True
        assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}

    machines = of_type(resources, "AWS::StepFunctions::StateMachine")
    assert len(machines) == 3
    for machine in machines.values():
        assert machine["TracingConfiguration"] == {"Enabled": True}
        assert machine["LoggingConfiguration"]["Level"] == "ERROR"
        (destination,) = machine["LoggingConfiguration"]["Destinations"]
        group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
        assert group in log_groups


def test_access_logs_hold_neither_the_path_nor_the_api_key(template: Template) -> None:
    log_format = template.with_globals("Api", "IdsApi")["AccessLogSetting"]["Format"]
    fields = json.loads(log_format.replace("$context.", ""))

    assert fields["resourcePath"] == "resourcePath"  # /preferences/{email}, not the e-mail itself
    assert "$context.path" not in log_format
    assert "$context.identity.apiKey" not in log_format.replace("$context.identity.apiKeyId", "")


def test_data_is_encrypted_at_rest_and_tables_are_recoverable(template: Template) -> None:
    resources = template.raw["Resources"]
    tables = of_type(resources, "AWS::DynamoDB::Table")
    # Idempotency-Key records live 24 hours (TTL) and only replay recent answers: no backup, not retained
    keys = tables.pop("IdempotencyTable")
    assert keys["SSESpecification"] == {"SSEEnabled": True}
    assert keys["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    # the privacy erasure records live 7 days (TTL) and guard in-flight marketing batches only: the same
    erasures = tables.pop("PrivacyErasuresTable")
    assert erasures["SSESpecification"] == {"SSEEnabled": True}
    assert erasures["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert len(tables) == 7
    for name, table in tables.items():
        assert table["SSESpecification"] == {"SSEEnabled": True}, name
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert table["DeletionProtectionEnabled"] == {"Ref": "DeletionProtection"}, name
        assert resources[name]["DeletionPolicy"] == "Retain", name
    assert all(q["SqsManagedSseEnabled"] is True for q in of_type(resources, "AWS::SQS::Queue").values())
    for bucket in of_type(resources, "AWS::S3::Bucket").values():
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert template.properties("AlertsTopic")["KmsMasterKeyId"] == template.ref("AlertsKey")
    assert template.properties("AlertsKey")["EnableKeyRotation"] is True


@pytest.mark.parametrize(("value", "expected"), [({}, "true"), ({"DeletionProtection": "false"}, "false")])
def test_deletion_protection_is_a_parameter_defaulting_to_on(value: dict[str, str], expected: str) -> None:
    assert Template(parameters=value).properties("CustomersTable")["DeletionProtectionEnabled"] == expected


def test_roles_grant_nothing_account_wide_that_could_be_narrower(translated: dict[str, Any]) -> None:
    roles = of_type(translated["Resources"], "AWS::IAM::Role")
    for name, role in roles.items():
        managed = json.dumps(role.get("ManagedPolicyArns", []))
        assert not any(policy in managed for policy in ACCOUNT_WIDE_POLICIES), name
        for policy in role.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                if statement["Resource"] == "*":
                    assert set(actions) <= UNSCOPABLE_ACTIONS, (name, actions)
                assert not any(action.endswith(":*") or action == "*" for action in actions), (name, actions)
                assert not set(actions) & BUCKET_SETTINGS, (
                    name,
                    actions,
                )  # data only, never the bucket's rules


def test_the_usage_plan_throttles_and_caps_requests(translated: dict[str, Any]) -> None:
    (plan,) = of_type(translated["Resources"], "AWS::ApiGateway::UsagePlan").values()

    assert plan["Throttle"] == {
        "RateLimit": {"Ref": "ThrottleRateLimit"},
        "BurstLimit": {"Ref": "ThrottleBurstLimit"},
    }
    assert plan["Quota"] == {"Limit": {"Ref": "QuotaLimit"}, "Period": {"Ref": "QuotaPeriod"}}


def test_the_dashboard_is_json_and_shows_every_api_queue_and_state_machine(template: Template) -> None:
    body = template.properties("Dashboard")["DashboardBody"]
    widgets = json.loads(body)["widgets"]
    shown = json.dumps(widgets)

    assert len(widgets) == 10
    for api in template.apis():
        assert f'"{template.properties(api)["Name"]}"' in shown
    for queue in ("EnrollmentQueue", "EnrollmentDeadLetterQueue", "EnrollmentDispatchFailedQueue"):
        assert f'"{template.physical_name(queue)}"' in shown
    for machine in template.of_type("AWS::Serverless::StateMachine"):
        assert f'"{template.ref(machine)}"' in shown
    assert "{Patron,service}" in shown  # the business metrics
