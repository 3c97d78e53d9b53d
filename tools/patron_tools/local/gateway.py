"""An API-Gateway-compatible front end. Each template API is served under its base path (/ids,
/crm, ...): the gateway matches the template's resources, enforces the API key, answers CORS
preflights and its own errors the way the template configures API Gateway to, and turns a request
into a REST proxy event (stage `prod`) for the in-process handler."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from patron_tools.local.authorizers import Authorizers, Decision
from patron_tools.local.environments import FunctionError, RequestTooLarge, Throttled
from patron_tools.local.lambdas import Invoker
from patron_tools.local.logs import terminal
from patron_tools.local.template import ACCOUNT_ID, STAGE, Api, Route
from patron_tools.local.usage_plan import UsagePlan

logger = logging.getLogger("patron_tools.local")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's request payload limit
AUTHORIZERS_WAIT_SECONDS = 120.0  # a request in the first moments of `patron dev` waits for the user pool

Endpoint = Callable[[Request], Response]


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def compile_path(path: str) -> re.Pattern[str]:
    r"""`/customers/{id}` → a regex over the raw (still percent-encoded) path; `{proxy+}` spans
    segments. As on API Gateway, a trailing slash reaches the same resource (`/customers/` is
    `/customers`); `\Z` matches the end of the path only (`$` would also match before a final newline)."""
    parts = []
    for segment in path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        single = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif single:
            parts.append(f"(?P<{single.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + r"/?\Z")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


class Gateway:
    def __init__(
        self,
        apis: dict[str, Api],
        routes: list[Route],
        runtime: Invoker,
        api_keys: Callable[[], Mapping[str, str]],
        extra: dict[str, Endpoint] | None = None,
        prefixes: dict[str, Endpoint] | None = None,
        fallback: Endpoint | None = None,
        usage_plan: UsagePlan | None = None,
        posts: dict[str, Endpoint] | None = None,
        authorizers_wait_for: threading.Event | None = None,
    ) -> None:
        self.apis = {api.base_path: api for api in apis.values()}
        self.routes: dict[str, list[CompiledRoute]] = {api.logical_id: [] for api in apis.values()}
        for route in routes:
            self.routes[route.api].append(CompiledRoute(route, compile_path(route.path)))
        self.runtime = runtime
        self.api_keys = api_keys
        self.extra = extra or {}  # exact local paths: /health, /config.json
        self.prefixes = prefixes or {}  # local path trees: /docs
        self.fallback = fallback  # everything else a GET or HEAD asks for: the web console
        # API Gateway's answer to a path no API has carries the gateway-response headers every API shares
        shared = [set(api.gateway_response_headers.items()) for api in apis.values()]
        self.unknown_path_headers = dict(set.intersection(*shared)) if shared else {}
        self.usage_plan = usage_plan  # throttling and quota per API key, across the APIs
        self.authorizers = Authorizers(runtime)
        self.posts = posts or {}  # exact local paths that take a POST: /oauth2/token
        self.authorizers_wait_for = authorizers_wait_for  # what the authorizers need first (the user pool)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw_path = raw_path.split("?", 1)[0]
        first, _, rest = raw_path.lstrip("/").partition("/")
        api = self.apis.get(first)
        if api is not None:
            return self.serve_api(api, "/" + rest, request)
        if request.path in self.posts:  # the token endpoint takes a POST only, as Cognito's does
            if request.method == "POST":
                return self.posts[request.path](request)
            return json_response(405, {"error": "invalid_request", "message": "Use POST."}, {"Allow": "POST"})
        if request.method not in ("GET", "HEAD"):
            # not for an API, and not a read of the console: what API Gateway answers a path it does
            # not know (SPEC §1), so a `POST /seed` without its service prefix is never a 2xx
            return json_response(403, {"message": "Missing Authentication Token"}, self.unknown_path_headers)
        if request.path in self.extra:
            return self.extra[request.path](request)
        for prefix, endpoint in self.prefixes.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return endpoint(request)
        if self.fallback is not None:
            return self.fallback(request)
        return json_response(404, {"message": "Not Found"})

    def serve_api(self, api: Api, raw_path: str, request: Request) -> Response:
        gateway_headers = api.gateway_response_headers
        candidates = [
            (compiled, match)
            for compiled in self.routes[api.logical_id]
            if (match := compiled.pattern.match(raw_path))
        ]
        if request.method == "OPTIONS" and candidates:
            return Response(status=200, headers=api.preflight_headers, content_type="application/json")
        chosen = next(((c, m) for c, m in candidates if c.route.method in (request.method, "ANY")), None)
        if chosen is None:
            # API Gateway's answer for a resource or method it does not have
            return json_response(403, {"message": "Missing Authentication Token"}, gateway_headers)
        compiled, match = chosen
        event = proxy_event(compiled.route, raw_path, match.groupdict(), request, api.stage_variables)
        if api.authorizer is not None:
            # the authorizer before the API key, as API Gateway orders them
            if self.authorizers_wait_for is not None:
                self.authorizers_wait_for.wait(AUTHORIZERS_WAIT_SECONDS)
            decision = self.authorizers.decide(api.authorizer, event)
            if decision.status != 200:
                return self.refused(api, decision)
            event["requestContext"]["authorizer"] = decision.context
        api_key = request.headers.get("x-api-key")
        if api_key is None or api_key not in self.api_keys():
            return json_response(403, {"message": "Forbidden"}, gateway_headers)
        refusal = self.usage_plan.admit(api_key) if self.usage_plan is not None else None
        if refusal is not None:
            return json_response(429, {"message": refusal}, gateway_headers)
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return json_response(413, {"message": "Request Too Long"}, gateway_headers)
        body = request.get_data(cache=False)
        if len(body) > MAX_PAYLOAD_BYTES:
            return json_response(413, {"message": "Request Too Long"}, gateway_headers)
        with_body(event, body)
        # API Gateway tells the function which key was used (requestContext.identity.apiKeyId)
        event["requestContext"]["identity"]["apiKeyId"] = self.api_keys()[api_key]
        started = time.monotonic()
        response = self.invoke(compiled.route, event, gateway_headers)
        # the resource path, never the path: a path can hold an e-mail address
        terminal(
            f"{request.method} /{api.base_path}{compiled.route.path} {response.status_code} "
            f"{compiled.route.function} {(time.monotonic() - started) * 1000:.0f} ms"
        )
        return response

    def refused(self, api: Api, decision: Decision) -> Response:
        """The gateway response of an authorizer's refusal: UNAUTHORIZED (401), ACCESS_DENIED (403, its
        template can read the authorizer's context) or AUTHORIZER_FAILURE (500), with the API's headers."""
        kind, status, default = {
            401: ("UNAUTHORIZED", 401, '{"message":"Unauthorized"}'),
            403: ("ACCESS_DENIED", 403, '{"message":"User is not authorized to access this resource"}'),
        }.get(decision.status, ("AUTHORIZER_FAILURE", 500, '{"message":null}'))
        configured = api.gateway_responses.get(kind)
        fallback = api.gateway_responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
        headers = configured.headers if configured else fallback.headers if fallback else {}
        template = configured.template if configured and configured.template else default
        body = render_gateway_template(template, decision.context)
        return Response(body, status=status, headers=headers, content_type="application/json")

    def invoke(self, route: Route, event: dict[str, Any], gateway_headers: dict[str, str]) -> Response:
        """The Lambda proxy integration: the function's answer, or API Gateway's for a failed call."""
        try:
            result = self.runtime.invoke(route.function, event)
        except RequestTooLarge:
            # the event (an escaped body in JSON) is over Lambda's 6 MB, though the body fits API Gateway's 10 MB
            return json_response(413, {"message": "Request Too Long"}, gateway_headers)
        except Throttled:
            # Lambda refused the invocation (429 TooManyRequestsException): API Gateway answers 500, not 429
            # (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html)
            return json_response(500, {"message": "Internal server error"}, gateway_headers)
        except FunctionError as exc:
            logger.warning("lambda invocation failed: %s", exc.error_type, extra={"function": route.function})
            return json_response(502, {"message": "Internal server error"}, gateway_headers)
        except Exception:
            logger.exception("lambda invocation failed", extra={"function": route.function})
            return json_response(502, {"message": "Internal server error"}, gateway_headers)
        return proxy_response(result, gateway_headers)


def render_gateway_template(template: str, authorizer: dict[str, Any]) -> str:
    """A gateway response's body template: simple substitution of `$context.authorizer.<key>` (no VTL,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html)."""
    return re.sub(
        r"\$context\.authorizer\.(\w+)", lambda match: str(authorizer.get(match.group(1), "")), template
    )


def with_body(event: dict[str, Any], body: bytes) -> None:
    """The body of a proxy event: text, or base64 for bytes that are not UTF-8."""
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    event["body"] = text if body else None
    event["isBase64Encoded"] = is_base64


def proxy_event(
    route: Route,
    raw_path: str,
    raw_params: dict[str, str],
    request: Request,
    stage_variables: dict[str, str] | None = None,
    body: bytes = b"",
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy integration event, as API Gateway builds it: `path` keeps the
    client's percent-encoding, `pathParameters` are decoded once."""
    path = raw_path
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query_pairs = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    request_id = str(uuid.uuid4())
    event = {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {name: unquote(value) for name, value in raw_params.items()} or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": route.api.lower(),
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "domainName": request.host,
            "identity": {
                "sourceIp": request.remote_addr,
                "userAgent": request.headers.get("User-Agent"),
                "apiKey": request.headers.get("x-api-key"),
            },
        },
    }
    with_body(event, body)
    return event


def proxy_response(result: Any, gateway_headers: dict[str, str]) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        # API Gateway's reaction to a malformed proxy response
        return json_response(502, {"message": "Internal server error"}, gateway_headers)
    response = Response(status=int(result["statusCode"]))
    response.headers.clear()
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        response.headers.remove(name)
        for value in values:
            response.headers.add(name, str(value))
    body = result.get("body") or ""
    response.set_data(base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8"))
    return response
