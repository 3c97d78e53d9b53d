"""`patron dev` as a program: state across restarts, --reset, clean shutdown, docs, ports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.devserver import DevServer
from tests.marketing import make_record
from tests.workflow import WORKFLOW_ARN

from patron_tools.local.template import Template

pytestmark = pytest.mark.e2e


def test_data_survives_a_restart_and_reset_empties_it(fresh_dev: DevServer) -> None:
    url = f"{fresh_dev.url}/ids/customers/kept-across-restarts"
    fresh_dev.start()
    assert requests.put(url, headers=fresh_dev.headers, timeout=5).status_code == 201
    assert fresh_dev.stop() == 0

    fresh_dev.start()
    assert requests.get(url, headers=fresh_dev.headers, timeout=5).json()["exists"] is True
    assert fresh_dev.stop(signal.SIGTERM) == 0

    fresh_dev.start("--reset")
    assert requests.get(url, headers=fresh_dev.headers, timeout=5).json()["exists"] is False


def test_step_functions_executions_survive_a_restart_and_reset_empties_them(fresh_dev: DevServer) -> None:
    # Given one run of each state machine, finished before patron dev stops
    fresh_dev.start()
    customer_id = f"restart-{uuid.uuid4().hex[:8]}"
    submitted = requests.post(
        f"{fresh_dev.url}/ids/workflow/submit",
        headers=fresh_dev.headers,
        json={"id": customer_id},
        timeout=10,
    ).json()
    preferences = requests.post(
        f"{fresh_dev.url}/marketing/preferences", headers=fresh_dev.headers, json=[make_record(0)], timeout=10
    ).json()
    privacy = requests.post(
        f"{fresh_dev.url}/privacy/requests",
        headers=fresh_dev.headers,
        json={"type": "export", "id": customer_id},
        timeout=10,
    ).json()
    routes = {
        "ids": f"{fresh_dev.url}/ids/workflow/executions/{submitted['executionName']}",
        "marketing": f"{fresh_dev.url}/marketing/executions/{preferences['executionName']}",
        "privacy": f"{fresh_dev.url}/privacy/requests/{privacy['request_id']}",
    }
    arns = [
        submitted["executionArn"],
        preferences["executionArn"],
        execution_arn("privacy-requests", privacy["request_id"]),
    ]
    before = ended(fresh_dev, routes)
    sfn = fresh_dev.aws("stepfunctions")
    described = [without_metadata(sfn.describe_execution(executionArn=arn)) for arn in arns]
    histories = [sfn.get_execution_history(executionArn=arn)["events"] for arn in arns]
    assert fresh_dev.stop() == 0

    # When it starts again on the same state directory
    fresh_dev.start()
    sfn = fresh_dev.aws("stepfunctions")

    # Then the AWS endpoint and the status routes answer as before the restart
    assert [without_metadata(sfn.describe_execution(executionArn=arn)) for arn in arns] == described
    assert [sfn.get_execution_history(executionArn=arn)["events"] for arn in arns] == histories
    after = {
        name: requests.get(url, headers=fresh_dev.headers, timeout=10).json() for name, url in routes.items()
    }
    assert after["privacy"].pop("export_url")
    assert before["privacy"].pop("export_url")
    assert after == before
    assert before["ids"] == {"status": "SUCCEEDED", "id": customer_id, "result": "Inserted", "error": None}
    assert before["marketing"]["output"]["stored"] == 1
    assert before["privacy"]["status"] == "SUCCEEDED"
    workflow = sfn.list_executions(stateMachineArn=WORKFLOW_ARN)["executions"]
    assert [e["name"] for e in workflow] == [submitted["executionName"]]
    assert fresh_dev.stop() == 0

    # and --reset starts with none
    fresh_dev.start("--reset")
    assert fresh_dev.aws("stepfunctions").list_executions(stateMachineArn=WORKFLOW_ARN)["executions"] == []
    missing = requests.get(routes["ids"], headers=fresh_dev.headers, timeout=10)
    assert missing.status_code == 404


def execution_arn(machine: str, name: str) -> str:
    return f"arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}"


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def ended(dev: DevServer, routes: dict[str, str], timeout: float = 60) -> dict[str, Any]:
    """Each status route's answer once its execution ended."""
    deadline = time.monotonic() + timeout
    while True:
        answers = {
            name: requests.get(url, headers=dev.headers, timeout=10).json() for name, url in routes.items()
        }
        if all(answer["status"] != "RUNNING" for answer in answers.values()):
            return answers
        assert time.monotonic() < deadline, answers
        time.sleep(0.1)


def test_ready_banner_lists_every_url_and_the_key(fresh_dev: DevServer) -> None:
    fresh_dev.start()
    assert fresh_dev.stop() == 0

    assert fresh_dev.log is not None
    output = fresh_dev.log.read_text()
    assert f"{fresh_dev.url}/ids" in output
    assert f"{fresh_dev.url}/docs" in output
    assert f"http://127.0.0.1:{fresh_dev.aws_port}" in output
    assert fresh_dev.api_key in output
    assert "patron dev: stopped." in output


def test_a_busy_port_is_a_clear_error(dev: DevServer, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "patron_tools.cli",
        "dev",
        "--port",
        str(dev.port),
        "--state-dir",
        str(tmp_path),
    ]

    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 1
    assert f"port {dev.port} on 127.0.0.1 is already in use" in result.stderr


def test_docs_serve_swagger_ui_and_the_openapi_documents_offline(dev: DevServer) -> None:
    page = requests.get(f"{dev.url}/docs", timeout=5)
    script = requests.get(f"{dev.url}/docs/assets/swagger-ui-bundle.js", timeout=5)
    document = requests.get(f"{dev.url}/docs/openapi/ids.json", timeout=5)

    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "/docs/openapi/ids.json" in page.text
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert document.json()["paths"]["/customers/{id}"]["put"]["summary"] == "Register a customer id"


def test_the_aws_endpoint_shows_the_templates_alarms_topic_functions_and_log_groups(dev: DevServer) -> None:
    alarms = dev.aws("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]
    topics = dev.aws("sns").list_topics()["Topics"]
    functions = [f["FunctionName"] for f in dev.aws("lambda").list_functions(MaxItems=50)["Functions"]]
    groups = [g["logGroupName"] for g in dev.aws("logs").describe_log_groups()["logGroups"]]

    assert "ids-customers-workflow-failed" in {a["AlarmName"] for a in alarms}
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in topics] == ["alerts"]
    assert "PutCustomerIdFunction" in functions
    assert dev.aws("lambda").get_function(FunctionName="PutCustomerIdFunction")["Configuration"][
        "Handler"
    ] == ("patron.ids.handlers.lambda_handler")
    assert "/aws/lambda/patron" in groups


def test_right_after_ready_the_aws_endpoint_already_shows_every_function_and_alarm(
    fresh_dev: DevServer,
) -> None:
    """The functions' Lambda records and the alarms are created once the gateway answers: a client that
    asks at once waits for them rather than missing them (SPEC §2: ready once everything is provisioned)."""
    fresh_dev.start("--reset")

    functions = fresh_dev.aws("lambda").list_functions(MaxItems=50)["Functions"]
    alarms = fresh_dev.aws("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]

    expected = {function.name for function in Template().functions().values()}
    assert {function["FunctionName"] for function in functions} == expected
    assert "ids-customers-workflow-failed" in {alarm["AlarmName"] for alarm in alarms}


def test_region_provisions_everything_where_a_briefs_commands_look(fresh_dev: DevServer) -> None:
    fresh_dev.start("--region", "eu-central-1")
    put = requests.put(f"{fresh_dev.url}/ids/customers/in-frankfurt", headers=fresh_dev.headers, timeout=10)

    dynamodb = fresh_dev.aws("dynamodb", region="eu-central-1")
    item = dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "in-frankfurt"}}).get("Item")
    machines = fresh_dev.aws("stepfunctions", region="eu-central-1").list_state_machines()["stateMachines"]
    elsewhere = fresh_dev.aws("dynamodb").list_tables()["TableNames"]  # us-east-1
    assert fresh_dev.stop() == 0

    assert put.status_code == 201
    assert item is not None
    assert machines
    assert all(":eu-central-1:" in m["stateMachineArn"] for m in machines)
    assert elsewhere == []


def test_a_region_that_is_not_one_is_refused_in_one_line(fresh_dev: DevServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "patron_tools.cli", "dev", "--region", "Frankfurt"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "patron dev: --region 'Frankfurt' is not an AWS region name (e.g. eu-central-1)"
    ]


def test_the_usage_plan_throttles_a_key_with_api_gateways_429(fresh_dev: DevServer) -> None:
    fresh_dev.start("--parameter", "ThrottleRateLimit=1", "--parameter", "ThrottleBurstLimit=2")
    url = f"{fresh_dev.url}/ids/customers/throttled"

    statuses = [requests.get(url, headers=fresh_dev.headers, timeout=30) for _ in range(4)]

    assert [r.status_code for r in statuses[:2]] == [200, 200]
    throttled = statuses[-1]
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    assert throttled.headers["Access-Control-Allow-Origin"] == "*"


def test_each_function_logs_to_the_state_dir_and_cloudwatch_logs_with_its_request_ids(dev: DevServer) -> None:
    name = f"logged-{uuid.uuid4().hex[:8]}"
    assert requests.put(f"{dev.url}/ids/customers/{name}", headers=dev.headers, timeout=30).status_code == 201

    # the state directory: one JSON object per line, tagged with its own function and request id
    records = [
        json.loads(line)
        for line in (dev.state_dir / "logs" / "PutCustomerIdFunction.log").read_text().splitlines()
    ]
    business = [
        r for r in records if isinstance(r["message"], dict) and r["message"].get("customer_id") == name
    ]
    assert len(business) == 1
    assert business[0]["function"] == "PutCustomerIdFunction"
    assert business[0]["message"]["function_request_id"] == business[0]["request_id"]
    # CloudWatch Logs on the AWS endpoint (what `aws logs tail /aws/lambda/patron` reads)
    logs = dev.aws("logs")
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName="/aws/lambda/patron", filterPattern=f'"{name}"')[
            "events"
        ]
        found = [e for e in events if "PutCustomerIdFunction[$LATEST]" in e["logStreamName"]]
        time.sleep(0.2)
    assert found, "the function's log line never reached CloudWatch Logs"


@pytest.mark.local_only
def test_aws_logs_tail_of_one_function_shows_that_functions_lines_only(dev: DevServer) -> None:
    # every function ran at least once (the session's warm-up invokes each): each has its streams in the
    # template's one log group, and what `aws logs tail /aws/lambda/patron --log-stream-name-prefix
    # <date>/<Function>` sends (FilterLogEvents with the prefix) answers that function's lines alone
    logs = dev.aws("logs")
    functions = [function.name for function in Template().functions().values()]
    deadline = time.monotonic() + 15  # lines are shipped to CloudWatch Logs in batches
    while True:
        streams = [
            stream["logStreamName"]
            for page in logs.get_paginator("describe_log_streams").paginate(logGroupName="/aws/lambda/patron")
            for stream in page["logStreams"]
        ]
        logged = {name.split("/")[-1].split("[")[0] for name in streams}
        if set(functions) <= logged or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(functions) - logged == set(), "functions without a stream in /aws/lambda/patron"
    for function in functions:
        mine = [name for name in streams if name.split("/")[-1].startswith(f"{function}[$LATEST]")]
        prefix = mine[0].split("[")[0] + "["  # <date>/<Function>[
        events = [
            event
            for page in logs.get_paginator("filter_log_events").paginate(
                logGroupName="/aws/lambda/patron", logStreamNamePrefix=prefix, interleaved=True
            )
            for event in page["events"]
        ]
        assert {event["logStreamName"].split("[")[0] + "[" for event in events} == {prefix}, function
        assert any(event["message"].startswith("START RequestId: ") for event in events), function


@pytest.mark.local_only
@pytest.mark.parametrize("host", ["evil.example", "attacker.test:80", "127.0.0.1.nip.io"])
def test_both_ports_answer_only_their_own_names(dev: DevServer, host: str) -> None:
    # Given a page whose name a DNS rebinding pointed at 127.0.0.1: its requests carry its own Host
    config = requests.get(f"{dev.url}/config.json", headers={"Host": host}, timeout=10)
    api = requests.get(f"{dev.url}/ids/customers/x", headers={**dev.headers, "Host": host}, timeout=10)
    aws = requests.post(
        f"http://127.0.0.1:{dev.aws_port}/",
        headers={"Host": host, "X-Amz-Target": "DynamoDB_20120810.ListTables"},
        data="{}",
        timeout=10,
    )

    assert [config.status_code, api.status_code, aws.status_code] == [403, 403, 403]
    assert "apiKey" not in config.text
    assert "TableNames" not in aws.text
    assert config.headers["Access-Control-Allow-Origin"] == "*"  # a JSON error with CORS, as every error


@pytest.mark.local_only
def test_the_aws_endpoint_grants_cors_to_the_console_alone(dev: DevServer) -> None:
    aws = f"http://127.0.0.1:{dev.aws_port}/"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"}
    scan = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}

    foreign = requests.options(aws, headers={"Origin": "https://evil.example", **preflight}, timeout=10)
    console = requests.options(aws, headers={"Origin": dev.url, **preflight}, timeout=10)
    read = requests.post(aws, headers={"Origin": "https://evil.example", **scan}, data="{}", timeout=10)

    assert foreign.status_code == 403
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert console.status_code == 200
    assert console.headers["Access-Control-Allow-Origin"] == dev.url
    assert "Access-Control-Allow-Origin" not in read.headers  # a browser would not show the page the answer
