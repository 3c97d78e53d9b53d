"""The Lambda authorizer (REQUEST) of every method of the five APIs: the caller's access token checked
against the stage's user pool, then the route's rule (`identity.access`) for the caller's groups or
scopes. API Gateway caches the answer per token and route (template.yaml: `PatronAuthorizer`), so the
policy allows the route's resource with any path values (`/customers/*`), not only this request's path."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from patron.core.observability import logger
from patron.identity import access
from patron.identity.tokens import InvalidToken
from patron.identity.wiring import verifier


class Unauthorized(Exception):
    """API Gateway answers 401 {"message": "Unauthorized"} when an authorizer fails with exactly this
    message (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html)."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>` (the scheme in any letter case, RFC 9110 §11.1), or
    of a bare token as API Gateway's Cognito authorizer takes it."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    return token if token and " " not in token else None


def route_resource(resource: str) -> str:
    """`/customers/{id}` → `/customers/*`: the policy's resource for every path of that route."""
    return re.sub(r"\{[^}/]+\}", "*", resource)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = APIGatewayAuthorizerRequestEvent(event)
    token = bearer_token(request.headers.get("Authorization"))  # Powertools: case-insensitive
    if token is None:
        raise Unauthorized()
    try:
        principal = verifier().verify(token)
    except InvalidToken as exc:
        logger.info("token refused", extra={"reason": str(exc)})
        raise Unauthorized() from None
    api = (request.stage_variables or {}).get("service", "")
    rule = access.rule(api, request.http_method, request.resource)
    arn = request.parsed_arn
    response = APIGatewayAuthorizerResponse(
        principal_id=principal.sub,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=(carried := access.context(principal)),
    )
    resource = route_resource(request.resource)
    if rule is not None and rule.allows(principal):
        response.allow_route(request.http_method, resource)
    else:
        # the 403's message (template.yaml's ACCESS_DENIED gateway response reads it)
        response.context = {**carried, "message": _refusal(rule)}
        response.deny_route(request.http_method, resource)
        logger.info("route refused", extra={"principal": principal.describe(), "route": request.resource})
    return response.asdict()


def _refusal(rule: access.Rule | None) -> str:
    if rule is None:
        return "No role may call this route."
    return rule.requirement()
