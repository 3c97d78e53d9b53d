"""API Gateway's Lambda REQUEST authorizers, as a REST API runs them: a request without one of the
identity-source headers is 401 before any call; otherwise the authorizer function runs in its own
execution environment with the REQUEST event, and its answer is cached per identity source (token, method,
resource path) for `ReauthorizeEvery` seconds. An `Unauthorized` failure is 401; a policy whose statements
do not allow the method ARN (an explicit Deny wins) is 403 through the ACCESS_DENIED gateway response,
whose template can read the authorizer's context; an allowed request carries the context and
`principalId` on to the function as `requestContext.authorizer`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html)."""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from patron_tools.local.environments import FunctionError
from patron_tools.local.lambdas import Invoker
from patron_tools.local.template import ACCOUNT_ID, REGION, STAGE, Authorizer

CACHE_ENTRIES = 10_000  # a bound on the cache: the oldest answers go first


@dataclass(frozen=True)
class Decision:
    status: int  # 200 (allowed), 401, 403 or 500
    context: dict[str, Any]  # requestContext.authorizer: the authorizer's context and principalId
    expires: float = 0.0
    policy: Any = None  # the answered policy: a cached answer is judged again for each request's ARN


UNAUTHORIZED = Decision(401, {})
FAILED = Decision(500, {})  # AUTHORIZER_FAILURE: the function failed otherwise, or answered no policy


def method_arn(api_id: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{STAGE}/{method}{path}"


@functools.lru_cache(maxsize=4096)  # a policy's few resources, judged again for each request
def _pattern(resource: str) -> re.Pattern[str]:
    """An IAM resource with wildcards: `*` any characters (slashes too), `?` one."""
    parts = re.split(r"([*?])", resource)
    # DOTALL: a path parameter may hold any character, a newline too (`%0A`), and `*` still matches it
    pattern = "".join({"*": ".*", "?": "."}.get(part, re.escape(part)) for part in parts) + r"\Z"
    return re.compile(pattern, re.DOTALL)


def allows(policy: Any, arn: str) -> bool:
    """IAM's evaluation of an authorizer's policy for `execute-api:Invoke` on `arn`: an explicit Deny
    wins, then an Allow, else the implicit deny."""
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_pattern(action).match("execute-api:Invoke") for action in actions):
            continue
        if any(_pattern(resource).match(arn) for resource in resources):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


class Authorizers:
    def __init__(self, runtime: Invoker, clock: Callable[[], float] = time.monotonic) -> None:
        self.runtime = runtime
        self.clock = clock
        self._cache: dict[tuple[Any, ...], Decision] = {}
        self._lock = threading.Lock()

    def decide(self, authorizer: Authorizer, event: dict[str, Any]) -> Decision:
        """`event` is the request's proxy event; the decision for it, from the cache or the function."""
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        sources = [headers.get(name.lower()) for name in authorizer.headers]
        if not all(sources):
            return UNAUTHORIZED  # an empty identity source: API Gateway answers without calling
        context = event["requestContext"]
        key = (
            authorizer.name,
            context["apiId"],
            *sources,
            *(context.get(name) for name in authorizer.context),
        )
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached.expires > now:
            return self._judged(cached, event)
        decision = self._call(authorizer, event)
        if decision.status == 200 and authorizer.ttl_seconds > 0:  # policies are cached, failures not
            with self._lock:
                if len(self._cache) >= CACHE_ENTRIES:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = dataclasses.replace(decision, expires=now + authorizer.ttl_seconds)
        return self._judged(decision, event)

    def _call(self, authorizer: Authorizer, event: dict[str, Any]) -> Decision:
        request = {
            "type": "REQUEST",
            "methodArn": self._arn(event),
            **{key: value for key, value in event.items() if key not in ("body", "isBase64Encoded")},
        }
        try:
            answer = self.runtime.invoke(authorizer.function, request)
        except FunctionError as exc:
            if exc.payload.get("errorMessage") == "Unauthorized":
                return UNAUTHORIZED
            return FAILED
        if not isinstance(answer, dict) or "policyDocument" not in answer or "principalId" not in answer:
            return FAILED
        context = {**(answer.get("context") or {}), "principalId": answer["principalId"]}
        return Decision(200, context, policy=answer["policyDocument"])

    def _arn(self, event: dict[str, Any]) -> str:
        """The method ARN: the resource with this request's path parameters, as API Gateway builds it (a
        trailing slash or the path's own encoding are not part of it)."""
        parameters = event.get("pathParameters") or {}
        path = re.sub(
            r"\{(\w+)\+?\}", lambda match: str(parameters.get(match.group(1), "")), event["resource"]
        )
        return method_arn(event["requestContext"]["apiId"], event["httpMethod"], path)

    def _judged(self, decision: Decision, event: dict[str, Any]) -> Decision:
        if decision.status != 200:
            return decision
        status = 200 if allows(decision.policy or {}, self._arn(event)) else 403
        return Decision(status, decision.context)
