"""The root fixture: fake credentials, the functions' environment read from template.yaml, moto,
and every table created from the template (the key schemas live only there)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from patron.core.aws import reset as reset_wiring
from patron_tools.local import aws
from patron_tools.local.cloud import function_environment
from patron_tools.local.lambdas import LambdaContext
from patron_tools.local.template import Template

# Powertools reads these when patron.core.observability is first imported, which may be at collection
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "patron")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Patron")


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    """Metrics are disabled in tests; Powertools then keeps them, so each test starts empty."""
    yield
    from patron.core.observability import metrics

    metrics.clear_metrics()


@pytest.fixture(scope="session")
def template() -> Template:
    return Template()


@pytest.fixture
def aws_env(template: Template, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        **function_environment(template),
    }.items():
        monkeypatch.setenv(name, value)
    reset_wiring()
    yield
    reset_wiring()


# botocore's data loader (service models, endpoints, partitions: JSON parsed on first use) shared by the
# fresh session moto gives each test, which would otherwise parse them all again: a third of `cloud`'s time
DATA_LOADER = botocore.session.get_session().get_component("data_loader")


@pytest.fixture
def cloud(aws_env: None, template: Template) -> Iterator[None]:
    """moto with every table of the template; repositories built fresh for each test."""
    aws.moto_patches.apply_all()
    with mock_aws(config=aws.MOTO_CONFIG):
        # a fresh session per test, as moto's reset gives (credentials, config), with the shared loader
        session = botocore.session.Session()
        session.register_component("data_loader", DATA_LOADER)
        boto3.setup_default_session(botocore_session=session)
        aws.create_stores(template)
        reset_wiring()
        yield
        reset_wiring()


@pytest.fixture
def dynamodb(cloud: None) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext(function_name="test-function", memory_limit_in_mb=512, timeout_seconds=10)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # a test that forgets moto must fail on credentials, never reach a real account
    if "AWS_ACCESS_KEY_ID" not in os.environ:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


# ---------------------------------------------------------------- ids workflow and events (issue 5)
@pytest.fixture
def workflow_cloud(cloud: None, template: Template) -> Iterator[None]:
    """`cloud` plus the template's state machines and EventBridge rules, with Lambda tasks and targets
    dispatched to the in-process handlers, as `patron dev` runs them."""
    from patron_tools.local import events, invoke, stepfunctions
    from patron_tools.local.lambdas import LambdaRuntime

    invoke.serve(LambdaRuntime(template.functions()))
    stepfunctions.create_state_machines(template)
    events.create_rules(template)
    yield
    # moto runs executions on threads of their own: let them finish before the next test's fresh
    # backends, or a run started here (by an event, say) writes into the next test's tables
    client = boto3.client("stepfunctions")
    deadline = time.monotonic() + 60
    for machine in client.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        while client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            assert time.monotonic() < deadline, f"{arn}: executions still running after the test"
            time.sleep(0.05)
    aws.moto_patches.route_lambda_invocations(None)
