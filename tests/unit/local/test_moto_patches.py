"""Each moto workaround: guarded by the version it was checked against, and effective."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from patron_tools.local import events, moto_patches


def test_the_installed_moto_is_the_checked_one() -> None:
    moto_patches.require_checked_moto()  # raises when the pin moves without a re-check


def test_another_moto_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "version", lambda _: "5.3.0")

    with pytest.raises(moto_patches.MotoVersionError, match=r"5\.3\.0"):
        moto_patches.require_checked_moto()


def test_serialized_conditional_writes_create_each_item_exactly_once(dynamodb: Any) -> None:
    # 48 threads race on each of 30 ids; unpatched moto 5.2.5 lets two of them win now and then
    def insert(index: int) -> bool:
        try:
            dynamodb.put_item(
                TableName="customer_ids",
                Item={"id": {"S": f"id-{index % 30}"}},
                ConditionExpression="attribute_not_exists(id)",
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=48) as pool:
        created = sum(pool.map(insert, range(48 * 30)))

    assert created == 30


def test_a_held_service_answers_once_its_resources_exist(cloud: None) -> None:
    provisioned = threading.Event()
    moto_patches.hold_services(["sns"], provisioned)
    answers: list[list[Any]] = []
    reader = threading.Thread(target=lambda: answers.append(boto3.client("sns").list_topics()["Topics"]))
    reader.start()
    reader.join(0.3)  # the reader's request is held: it has not answered, and the topic does not exist yet
    with moto_patches.unheld():
        boto3.client("sns").create_topic(Name="alerts")  # the provisioning thread's own calls pass
    provisioned.set()
    reader.join()

    assert [topic["TopicArn"].rsplit(":", 1)[1] for topic in answers[0]] == ["alerts"]
    assert boto3.client("sqs").list_queues()  # other services were never held


# ---------------------------------------------------------------- Step Functions, Lambda, EventBridge
PASS_MACHINE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


def test_executions_started_without_a_name_get_distinct_names(cloud: None) -> None:
    client = boto3.client("stepfunctions")
    arn = client.create_state_machine(
        name="unnamed", definition=PASS_MACHINE, roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]

    first = client.start_execution(stateMachineArn=arn)["executionArn"]
    second = client.start_execution(stateMachineArn=arn)["executionArn"]

    names = {first.rsplit(":", 1)[1], second.rsplit(":", 1)[1]}
    assert len(names) == 2
    assert "None" not in names


def test_execution_history_honours_reverse_order_and_pages(cloud: None) -> None:
    client = boto3.client("stepfunctions")
    steps = {
        "StartAt": "One",
        "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Pass", "End": True}},
    }
    arn = client.create_state_machine(
        name="paged", definition=json.dumps(steps), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, name="run")["executionArn"]
    while client.describe_execution(executionArn=execution)["status"] == "RUNNING":
        time.sleep(0.02)
    every = client.get_execution_history(executionArn=execution)["events"]

    newest = client.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=2)
    rest = client.get_execution_history(
        executionArn=execution, reverseOrder=True, maxResults=100, nextToken=newest["nextToken"]
    )

    assert every[0]["type"] == "ExecutionStarted"
    assert [e["type"] for e in newest["events"]] == ["ExecutionSucceeded", "PassStateExited"]
    assert newest["events"] + rest["events"] == every[::-1]
    assert "nextToken" not in rest


def test_lambda_invocations_reach_the_dispatch_and_errors_are_function_errors(cloud: None) -> None:
    calls: list[tuple[str, Any, bool]] = []

    def dispatch(name: str, payload: Any, asynchronous: bool) -> tuple[bytes, bool] | None:
        calls.append((name, json.loads(payload), asynchronous))
        if name == "unknown":
            return None
        if name == "broken":
            return json.dumps({"errorType": "Boom", "errorMessage": "broken"}).encode(), True
        return json.dumps({"answer": 42}).encode(), False

    moto_patches.route_lambda_invocations(dispatch)
    client = boto3.client("lambda")
    try:
        ok = client.invoke(FunctionName="works", Payload=b'{"q": 1}')
        broken = client.invoke(FunctionName="broken", Payload=b"{}")
        queued = client.invoke(FunctionName="works", InvocationType="Event", Payload=b"{}")
        unknown = client.invoke(FunctionName="unknown", Payload=b'{"echo": true}')
    finally:
        moto_patches.route_lambda_invocations(None)
    after = client.invoke(FunctionName="works", Payload=b'{"echo": "moto"}')

    assert json.loads(ok["Payload"].read()) == {"answer": 42}
    assert "FunctionError" not in ok
    assert broken["FunctionError"] == "Unhandled"
    assert json.loads(broken["Payload"].read()) == {"errorType": "Boom", "errorMessage": "broken"}
    assert queued["StatusCode"] == 202
    assert json.loads(unknown["Payload"].read()) == {"echo": True}  # moto's own behaviour
    assert json.loads(after["Payload"].read()) == {"echo": "moto"}  # unregistered
    assert calls == [
        ("works", {"q": 1}, False),
        ("broken", {}, False),
        ("works", {}, True),
        ("unknown", {"echo": True}, False),
    ]


def test_put_events_delivers_only_through_enabled_rules_with_a_pattern(cloud: None) -> None:
    delivered: list[tuple[str, str]] = []
    moto_patches.route_event_targets(
        lambda target, event: delivered.append((target["Id"], event["detail"]["n"]))
    )
    client = boto3.client("events")
    pattern = json.dumps({"source": ["t"]})
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    client.put_rule(Name="on", EventPattern=pattern)
    client.put_rule(Name="off", EventPattern=pattern, State="DISABLED")
    client.put_rule(Name="schedule", ScheduleExpression="rate(1 minute)")
    for name in ("on", "off", "schedule"):
        client.put_targets(Rule=name, Targets=[{"Id": name, "Arn": machine}])

    try:
        answer = client.put_events(
            Entries=[{"Source": "t", "DetailType": "d", "Detail": json.dumps({"n": 1})}]
        )
    finally:
        moto_patches.route_event_targets(events.deliver)

    assert answer["FailedEntryCount"] == 0  # moto alone fails a Step Functions target with a 500
    assert delivered == [("on", 1)]


@pytest.mark.parametrize(
    "apply",
    [
        lambda: moto_patches.route_lambda_invocations(None),
        moto_patches.name_executions,
        moto_patches.page_execution_history,
        lambda: moto_patches.route_event_targets(events.deliver),
    ],
    ids=["lambda invocations", "execution names", "execution history", "event targets"],
)
def test_each_workflow_patch_refuses_another_moto(monkeypatch: pytest.MonkeyPatch, apply: Any) -> None:
    monkeypatch.setattr(moto_patches, "version", lambda _: "5.3.0")

    with pytest.raises(moto_patches.MotoVersionError):
        apply()


def _machine(client: Any, definition: dict[str, Any]) -> str:
    arn: str = client.create_state_machine(
        name="limits", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    return arn


def test_start_execution_refuses_an_input_over_256_kb_as_step_functions_does(cloud: None) -> None:
    moto_patches.limit_execution_input()
    client = boto3.client("stepfunctions")
    machine = _machine(client, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    fits = json.dumps({"data": "x" * (moto_patches.EXECUTION_INPUT_BYTES - 20)})

    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        client.start_execution(stateMachineArn=machine, input=json.dumps({"data": "x" * 262_144}))
    started = client.start_execution(stateMachineArn=machine, input=fits)

    assert started["executionArn"].endswith(started["executionArn"].rsplit(":", 1)[1])


@pytest.mark.parametrize("bad_input", ["not json", '{"a":'])
def test_start_execution_refuses_an_input_that_is_not_json_as_step_functions_does(
    cloud: None, bad_input: str
) -> None:
    moto_patches.limit_execution_input()
    client = boto3.client("stepfunctions")
    machine = _machine(client, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    with pytest.raises(client.exceptions.InvalidExecutionInput):
        client.start_execution(stateMachineArn=machine, input=bad_input)

    assert client.list_executions(stateMachineArn=machine)["executions"] == []


def test_a_task_result_over_256_kb_fails_the_execution_with_data_limit_exceeded(cloud: None) -> None:
    # moto's interpreter applies the states' limit itself: this proves it still does
    moto_patches.route_lambda_invocations(
        lambda name, payload, asynchronous: (json.dumps("x" * 300_000).encode(), False)
    )
    client = boto3.client("stepfunctions")
    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:big", "End": True}
    machine = _machine(client, {"StartAt": "T", "States": {"T": task}})

    try:
        arn = client.start_execution(stateMachineArn=machine, name="big", input="{}")["executionArn"]
        for _ in range(100):
            described = client.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
    finally:
        moto_patches.route_lambda_invocations(None)

    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"


def test_put_events_refuses_entries_of_256_kb_as_eventbridge_does(cloud: None) -> None:
    moto_patches.limit_put_events()
    client = boto3.client("events")
    entry = {"Source": "s", "DetailType": "d"}
    too_large = json.dumps({"data": "x" * moto_patches.PUT_EVENTS_BYTES})

    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        client.put_events(Entries=[{**entry, "Detail": too_large}])
    fits = client.put_events(Entries=[{**entry, "Detail": json.dumps({"data": "x" * 200_000})}])

    assert fits["FailedEntryCount"] == 0


# ---------------------------------------------------------------- canaries: moto's own code still has the gap
# Each fails once moto fixes the gap upstream: then drop the workaround (and this canary). The DynamoDB
# race of serialize_dynamodb_requests shows only now and then, so its canary is the version guard.
def test_canary_moto_still_names_every_unnamed_execution_none(cloud: None) -> None:
    moto_patches.name_executions()
    client = boto3.client("stepfunctions")
    arn = client.create_state_machine(
        name="canary", definition=PASS_MACHINE, roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]

    with moto_patches.unpatched("name_executions"):
        first = client.start_execution(stateMachineArn=arn)
        try:
            second = client.start_execution(stateMachineArn=arn)["executionArn"]
        except client.exceptions.ExecutionAlreadyExists as exc:
            second = str(exc).rsplit("'", 2)[-2]  # the first has ended: its name is taken

    # both named "None": one ARN for two runs (returned again while the first runs, refused once it ended)
    assert first["executionArn"].endswith(":None")
    assert second == first["executionArn"]


def test_canary_moto_still_echoes_a_lambda_invocations_payload(cloud: None) -> None:
    moto_patches.route_lambda_invocations(lambda name, payload, asynchronous: (b'{"from": "patron"}', False))
    client = boto3.client("lambda")
    try:
        with moto_patches.unpatched("route_lambda_invocations"):
            echoed = client.invoke(FunctionName="canary", Payload=b'{"q": 1}')
    finally:
        moto_patches.route_lambda_invocations(None)

    assert json.loads(echoed["Payload"].read()) == {"q": 1}


def test_canary_moto_still_fails_put_events_for_a_step_functions_target(cloud: None) -> None:
    moto_patches.route_event_targets(events.deliver)
    client = boto3.client("events")
    client.put_rule(Name="canary", EventPattern=json.dumps({"source": ["t"]}))
    client.put_targets(
        Rule="canary",
        Targets=[{"Id": "m", "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"}],
    )

    with moto_patches.unpatched("route_event_targets"), pytest.raises(NotImplementedError):
        client.put_events(Entries=[{"Source": "t", "DetailType": "d", "Detail": "{}"}])


def test_canary_moto_still_leaves_a_bare_string_placeholder_unquoted() -> None:
    # why the CustomerCreated rule's InputTemplate writes "<id>" (EventBridge would quote a bare <id>)
    event = {"detail": {"id": "c-1"}, "ingestion-time": 0}

    with pytest.raises(json.JSONDecodeError):
        moto_patches.render_input_template('{"id": <id>}', {"id": "$.detail.id"}, event)
    assert moto_patches.render_input_template('{"id": "<id>"}', {"id": "$.detail.id"}, event) == {"id": "c-1"}


def _log_group_of_two_functions(client: Any) -> None:
    client.create_log_group(logGroupName="/aws/lambda/patron")
    for function in ("PutCustomerIdFunction", "PutCustomerIdFunctionTwin", "InsertIdFunction"):
        stream = f"2026/11/30/{function}[$LATEST]0123"
        client.create_log_stream(logGroupName="/aws/lambda/patron", logStreamName=stream)
        client.put_log_events(
            logGroupName="/aws/lambda/patron",
            logStreamName=stream,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": f"a line of {function}"}],
        )


def test_filter_log_events_reads_only_the_streams_with_the_prefix(cloud: None) -> None:
    moto_patches.filter_log_streams_by_prefix()
    client = boto3.client("logs")
    _log_group_of_two_functions(client)

    # what `aws logs tail /aws/lambda/patron --log-stream-name-prefix ...` sends
    def tail(prefix: str) -> list[str]:
        pages = client.get_paginator("filter_log_events").paginate(
            logGroupName="/aws/lambda/patron", logStreamNamePrefix=prefix, interleaved=True, startTime=0
        )
        return [event["message"] for page in pages for event in page["events"]]

    assert tail("2026/11/30/InsertIdFunction") == ["a line of InsertIdFunction"]
    assert sorted(tail("2026/11/30/PutCustomerId")) == [
        "a line of PutCustomerIdFunction",
        "a line of PutCustomerIdFunctionTwin",
    ]
    assert tail("2026/11/29/") == []
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.filter_log_events(
            logGroupName="/aws/lambda/patron", logStreamNamePrefix="2026", logStreamNames=["x"]
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.filter_log_events(logGroupName="/aws/lambda/nothing", logStreamNamePrefix="2026")


def test_canary_moto_still_ignores_a_log_stream_name_prefix(cloud: None) -> None:
    moto_patches.filter_log_streams_by_prefix()
    client = boto3.client("logs")
    _log_group_of_two_functions(client)

    with moto_patches.unpatched("filter_log_streams_by_prefix"):
        events = client.filter_log_events(
            logGroupName="/aws/lambda/patron", logStreamNamePrefix="2026/11/30/InsertIdFunction"
        )["events"]

    assert len(events) == 3  # every stream's line, not only InsertIdFunction's
