"""The usage plan, as the local gateway enforces it: token bucket and quota per API key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import Client

from patron_tools.local.environments import FunctionError, RequestTooLarge, Throttled
from patron_tools.local.gateway import Gateway
from patron_tools.local.template import Template
from patron_tools.local.usage_plan import QUOTA_EXCEEDED, THROTTLED, UsagePlan, usage_plan

DAY = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_the_burst_is_served_then_requests_are_throttled_until_tokens_refill() -> None:
    plan = UsagePlan(rate=2, burst=3)

    burst = [plan.admit("k", now=0.0, today=DAY) for _ in range(4)]

    assert burst == [None, None, None, THROTTLED]
    assert plan.admit("k", now=0.4, today=DAY) == THROTTLED  # 0.8 of a token
    assert plan.admit("k", now=0.5, today=DAY) is None  # one token after 0.5 s at 2 per second
    assert plan.admit("other", now=0.5, today=DAY) is None  # each key has its own bucket


def test_the_quota_is_counted_per_period_and_renews_with_the_next() -> None:
    plan = UsagePlan(rate=1000, burst=1000, quota=2, period="DAY")

    answers = [plan.admit("k", now=float(i), today=DAY) for i in range(3)]

    assert answers == [None, None, QUOTA_EXCEEDED]
    assert plan.admit("k", now=4.0, today=datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_the_plan_comes_from_the_template_parameters() -> None:
    plan = usage_plan(Template(parameters={"ThrottleRateLimit": "7", "ThrottleBurstLimit": "9"}))

    assert plan is not None
    assert (plan.rate, plan.burst, plan.quota, plan.period) == (7.0, 9, 1_000_000, "DAY")


class FakeRuntime:
    def __init__(self, outcome: Any) -> None:
        self.functions: dict[str, Any] = {}
        self.outcome = outcome

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any:
        if logical_id == "AuthorizerFunction":  # every caller allowed: these tests are about what follows
            statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
            return {"principalId": "p", "policyDocument": {"Statement": [statement]}, "context": {}}
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def gateway(outcome: Any, plan: UsagePlan | None = None) -> Client:
    template = Template()
    app = Gateway(
        template.apis(),
        template.routes(),
        FakeRuntime(outcome),
        api_keys=lambda: {"key-0123456789abcdefghij": "key-id"},
        usage_plan=plan,
    )
    return Client(app)


def test_a_throttled_key_gets_api_gateways_429_with_cors_headers() -> None:
    client = gateway({"statusCode": 200, "body": "{}"}, UsagePlan(rate=0.001, burst=1))
    headers = {"x-api-key": "key-0123456789abcdefghij", "Authorization": "Bearer t"}

    first = client.get("/ids/customers/a", headers=headers)
    second = client.get("/ids/customers/a", headers=headers)
    other_api = client.get("/crm/customers", headers=headers)  # one plan across the APIs

    assert first.status_code == 200
    assert (second.status_code, second.json) == (429, {"message": "Too Many Requests"})
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert other_api.status_code == 429


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [
        (
            FunctionError({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}),
            502,
            "Internal server error",
        ),
        (RequestTooLarge("over 6 MB"), 413, "Request Too Long"),
        (Throttled("reserved concurrency"), 500, "Internal server error"),
        ({"no": "statusCode"}, 502, "Internal server error"),
    ],
    ids=["function error or timeout", "event over 6 MB", "function throttled", "malformed answer"],
)
def test_a_failed_invocation_gets_api_gateways_answer(outcome: Any, status: int, message: str) -> None:
    headers = {"x-api-key": "key-0123456789abcdefghij", "Authorization": "Bearer t"}
    response = gateway(outcome).get("/ids/customers/a", headers=headers)

    assert (response.status_code, response.json) == (status, {"message": message})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
