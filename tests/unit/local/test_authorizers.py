"""API Gateway's Lambda REQUEST authorizer as `patron dev` runs it (local/authorizers.py): the identity
sources, the cache, IAM's evaluation of the answered policy."""

from __future__ import annotations

from typing import Any

import pytest

from patron_tools.local.authorizers import Authorizers, allows, method_arn
from patron_tools.local.environments import FunctionError
from patron_tools.local.template import Authorizer

AUTHORIZER = Authorizer(
    "PatronAuthorizer", "AuthorizerFunction", ("Authorization",), ("httpMethod", "resourcePath"), 300
)
ARN = method_arn("idsapi", "GET", "/customers/a-1")


class FakeRuntime:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.events: list[dict[str, Any]] = []

    def invoke(self, logical_id: str, event: Any, asynchronous: bool = False) -> Any:
        self.events.append(event)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def event(
    path: str = "/customers/a-1",
    token: str | None = "t1",  # noqa: S107 - a fake bearer token
    method: str = "GET",
) -> dict[str, Any]:
    return {
        "resource": "/customers/{id}",
        "path": path,
        "pathParameters": {"id": path.strip("/").rsplit("/", 1)[-1]},
        "httpMethod": method,
        "headers": {"authorization": token} if token is not None else {},
        "stageVariables": {"service": "ids"},
        "body": "secret body",
        "isBase64Encoded": False,
        "requestContext": {"apiId": "idsapi", "resourcePath": "/customers/{id}", "httpMethod": method},
    }


def policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "principalId": "sub-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": [resource]}],
        },
        "context": {"sub": "sub-1", "message": "needs operator"},
    }


WILDCARD = "arn:aws:execute-api:us-east-1:123456789012:idsapi/prod/GET/customers/*"


def test_an_allowed_request_carries_the_context_and_principal_id() -> None:
    runtime = FakeRuntime(policy("Allow", WILDCARD))

    decision = Authorizers(runtime).decide(AUTHORIZER, event())

    assert decision.status == 200
    assert decision.context == {"sub": "sub-1", "message": "needs operator", "principalId": "sub-1"}
    (sent,) = runtime.events
    assert sent["type"] == "REQUEST"
    assert sent["methodArn"] == ARN
    assert "body" not in sent  # a REQUEST authorizer never sees the body


def test_without_the_identity_header_the_answer_is_401_without_a_call() -> None:
    runtime = FakeRuntime(policy("Allow", WILDCARD))

    assert Authorizers(runtime).decide(AUTHORIZER, event(token=None)).status == 401
    assert Authorizers(runtime).decide(AUTHORIZER, event(token="")).status == 401
    assert runtime.events == []


def test_an_unauthorized_failure_is_401_and_any_other_failure_500() -> None:
    unauthorized = FakeRuntime(FunctionError({"errorType": "Unauthorized", "errorMessage": "Unauthorized"}))
    crashed = FakeRuntime(FunctionError({"errorType": "KeyError", "errorMessage": "'x'"}))

    assert Authorizers(unauthorized).decide(AUTHORIZER, event()).status == 401
    assert Authorizers(crashed).decide(AUTHORIZER, event()).status == 500
    assert Authorizers(FakeRuntime({"no": "policy"})).decide(AUTHORIZER, event()).status == 500


def test_a_deny_or_a_policy_that_misses_the_method_is_403() -> None:
    denied = Authorizers(FakeRuntime(policy("Deny", WILDCARD))).decide(AUTHORIZER, event())
    elsewhere = Authorizers(FakeRuntime(policy("Allow", WILDCARD.replace("GET", "PUT")))).decide(
        AUTHORIZER, event()
    )

    assert (denied.status, denied.context["message"]) == (403, "needs operator")
    assert elsewhere.status == 403


def test_the_answer_is_cached_per_token_and_route_and_judged_again_for_each_path() -> None:
    runtime = FakeRuntime(policy("Allow", ARN))  # this path only: a mistake the cache makes visible
    authorizers = Authorizers(runtime)

    first = authorizers.decide(AUTHORIZER, event("/customers/a-1"))
    other_path = authorizers.decide(AUTHORIZER, event("/customers/b-2"))
    other_token = authorizers.decide(AUTHORIZER, event("/customers/a-1", token="t2"))

    assert (first.status, other_path.status, other_token.status) == (200, 403, 200)
    assert len(runtime.events) == 2  # t1 once (cached for its route), t2 once


def test_a_cached_answer_expires_after_its_ttl() -> None:
    now = [1000.0]
    runtime = FakeRuntime(policy("Allow", WILDCARD))
    authorizers = Authorizers(runtime, clock=lambda: now[0])

    authorizers.decide(AUTHORIZER, event())
    now[0] += 299
    authorizers.decide(AUTHORIZER, event())
    now[0] += 2
    authorizers.decide(AUTHORIZER, event())

    assert len(runtime.events) == 2


def test_unauthorized_answers_are_not_cached() -> None:
    runtime = FakeRuntime(FunctionError({"errorMessage": "Unauthorized"}))
    authorizers = Authorizers(runtime)

    authorizers.decide(AUTHORIZER, event())
    authorizers.decide(AUTHORIZER, event())

    assert len(runtime.events) == 2


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([("Allow", "*")], True),
        ([("Allow", "arn:aws:execute-api:*:*:idsapi/prod/*/*")], True),
        ([("Allow", "arn:aws:execute-api:us-east-1:123456789012:idsapi/prod/GET/customers/a-?")], True),
        ([("Allow", "arn:aws:execute-api:us-east-1:123456789012:idsapi/prod/GET/customers")], False),
        ([("Allow", "*"), ("Deny", WILDCARD)], False),  # an explicit deny wins
        ([], False),
    ],
)
def test_policies_are_evaluated_as_iam_evaluates_them(
    statements: list[tuple[str, str]], allowed: bool
) -> None:
    document = {"Statement": [{"Effect": e, "Action": "execute-api:*", "Resource": r} for e, r in statements]}

    assert allows(document, ARN) is allowed


def test_a_statement_for_another_action_allows_nothing() -> None:
    document = {
        "Statement": [{"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"}]
    }

    assert allows(document, ARN) is False


def test_the_method_arn_is_the_resource_with_its_parameters_whatever_the_paths_spelling() -> None:
    runtime = FakeRuntime(policy("Allow", ARN))

    slash = Authorizers(runtime).decide(AUTHORIZER, event("/customers/a-1/"))

    assert slash.status == 200
    assert runtime.events[0]["methodArn"] == ARN
