"""`make smoke`'s path, offline: a stack's outputs (on the local cloud's CloudFormation) name the APIs
and the key; requests to the forwarder reach those APIs (here `patron dev`'s own) and come back as the
APIs answered, status, CORS headers and body."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest
import requests
from tests.deployed import DeployedStage
from tests.devserver import DevServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def stage(dev: DevServer, aws_env: None) -> Iterator[DeployedStage]:
    keys = dev.aws("apigateway").get_api_keys(includeValues=True)["items"]
    (key,) = [k for k in keys if k["value"] == dev.api_key]  # the template's PatronApiKey
    outputs = {f"{s.capitalize()}ApiUrl": f"{dev.url}/{s}" for s in ("ids", "crm", "enrollment", "marketing")}
    auth = dev.config()["auth"]
    outputs |= {"ApiKeyId": key["id"], "AlertsTopicArn": "not an API"}
    outputs |= {"UserPoolId": auth["userPoolId"], "ConsoleClientId": auth["clientId"]}
    name = f"patron-smoke-{uuid.uuid4().hex[:8]}"
    dev.aws("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(
            {
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items()},
            }
        ),
    )
    deployed = DeployedStage(
        name, endpoint_url=f"http://127.0.0.1:{dev.aws_port}", username="admin", password=dev.admin_password
    )
    deployed.start()
    yield deployed
    deployed.stop()


def test_the_stack_outputs_give_every_api_and_the_key(stage: DeployedStage, dev: DevServer) -> None:
    assert stage.endpoints is not None
    assert stage.endpoints.apis == {s: f"{dev.url}/{s}" for s in ("ids", "crm", "enrollment", "marketing")}
    assert stage.api_key == dev.api_key
    assert stage.endpoints.console is None


def test_requests_reach_the_stacks_apis_and_come_back_as_answered(stage: DeployedStage) -> None:
    url = f"{stage.url}/ids/customers/smoke-{uuid.uuid4().hex[:8]}"

    created = requests.put(url, headers=stage.headers, json={}, timeout=10)
    found = requests.get(url, headers=stage.headers, timeout=10)
    refused = requests.get(
        url, headers={**stage.headers, "x-api-key": "wrong-key-0123456789abcdef"}, timeout=10
    )
    preflight = requests.options(url, timeout=10)
    nowhere = requests.get(f"{stage.url}/nowhere/x", headers=stage.headers, timeout=10)

    assert (created.status_code, created.json()["created"]) == (201, True)
    assert found.json()["exists"] is True
    assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE,GET,POST,PUT,OPTIONS"
    assert nowhere.status_code == 404


def test_local_only_tests_skip_against_a_deployed_stage() -> None:
    stage = DeployedStage("patron-any")

    with pytest.raises(pytest.skip.Exception):
        stage.aws("sqs")
    assert "PATRON_SMOKE_STACK" not in os.environ  # this run drives patron dev
