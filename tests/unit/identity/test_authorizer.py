"""The Lambda authorizer (src/patron/identity/handlers.py): what an access token of the pool is, and the
policy answered for a route. Tokens are signed here with a key of the test's own, as the pool signs them."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from patron.identity import handlers
from patron.identity.tokens import Verifier
from patron_tools.local.lambdas import LambdaContext

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
POOL_KEY = RSAKey.generate_key(2048, private=True)
OTHER_KEY = RSAKey.generate_key(2048, private=True)
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/customers/a-1"


def token(key: Any = POOL_KEY, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "sub": "user-sub",
        "client_id": "console",
        "token_use": "access",
        "username": "ana",
        "scope": "aws.cognito.signin.user.admin",
        "iat": now,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
        "cognito:groups": ["viewer"],
    } | claims
    return str(
        jwt.encode({"alg": alg, "kid": "k1"}, {k: v for k, v in payload.items() if v is not None}, key)
    )


@pytest.fixture(autouse=True)
def pool_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fetched: list[str] = []

    def fetch(url: str) -> KeySet:
        fetched.append(url)
        return KeySet([RSAKey.import_key(POOL_KEY.as_dict(private=False) | {"kid": "k1"})])

    verifier = Verifier(ISSUER, f"{ISSUER}/.well-known/jwks.json", fetch=fetch)
    monkeypatch.setattr(handlers, "verifier", lambda: verifier)
    return fetched


def request(
    authorization: str | None, method: str = "GET", resource: str = "/customers/{id}", service: str = "ids"
) -> dict[str, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return {
        "type": "REQUEST",
        "methodArn": ARN.replace("/GET/", f"/{method}/"),
        "resource": resource,
        "path": "/customers/a-1",
        "httpMethod": method,
        "headers": headers,
        "stageVariables": {"service": service},
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "prod"},
    }


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    return handlers.lambda_handler(event, LambdaContext("AuthorizerFunction", 512, 10))  # type: ignore[arg-type]


def test_a_viewer_may_read_the_route_whatever_its_path_values() -> None:
    answer = authorize(request(f"Bearer {token()}"))

    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    # cached per route: the policy covers every id of GET /customers/{id}
    assert statement["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/customers/*"]
    assert answer["principalId"] == "user-sub"
    assert answer["context"] == {
        "sub": "user-sub",
        "clientId": "console",
        "username": "ana",
        "groups": "viewer",
        "scopes": "",
    }


def test_a_viewer_may_not_write_and_the_refusal_says_what_the_route_needs() -> None:
    answer = authorize(request(f"Bearer {token()}", method="PUT"))

    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert answer["context"]["message"] == (
        "This route needs the role admin or operator, or a client with the scope patron/ids.write."
    )


def test_a_machine_client_is_allowed_by_its_scopes() -> None:
    machine = token(
        sub="client-1",
        client_id="client-1",
        username=None,
        scope="patron/ids.read",
        **{"cognito:groups": None},
    )

    allowed = authorize(request(f"Bearer {machine}"))
    refused = authorize(request(f"Bearer {machine}", method="DELETE"))

    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["context"] == {
        "sub": "client-1",
        "clientId": "client-1",
        "groups": "",
        "scopes": "patron/ids.read",
    }
    assert refused["policyDocument"]["Statement"][0]["Effect"] == "Deny"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-jwt",
        "Basic dXNlcjpwYXNz",
        f"Bearer {token(exp=int(time.time()) - 1)}",  # expired
        f"Bearer {token(iss='https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other')}",  # another pool
        f"Bearer {token(token_use='id')}",  # an ID token
        f"Bearer {token(key=OTHER_KEY)}",  # signed by another key
        f"Bearer {token(key=OctKey.import_key(b'k' * 32), alg='HS256')}",  # another algorithm
        f"Bearer {token(client_id=None)}",
        f"Bearer {token()[:-4]}AAAA",  # a broken signature
    ],
    ids=[
        "none",
        "empty",
        "no-token",
        "malformed",
        "basic",
        "expired",
        "other-pool",
        "id-token",
        "other-key",
        "hs256",
        "no-client-id",
        "bad-signature",
    ],
)
def test_anything_but_a_valid_access_token_of_the_pool_is_unauthorized(authorization: str | None) -> None:
    with pytest.raises(handlers.Unauthorized, match=r"^Unauthorized$"):
        authorize(request(authorization))


def test_an_unsigned_token_is_unauthorized() -> None:
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    body = token().split(".")[1]

    with pytest.raises(handlers.Unauthorized):
        authorize(request(f"Bearer {header}.{body}."))


def test_the_token_may_come_bare_and_the_scheme_in_any_case() -> None:
    assert authorize(request(token()))["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert authorize(request(f"bearer {token()}"))["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_a_route_without_a_rule_is_refused_to_everyone() -> None:
    answer = authorize(request(f"Bearer {token(**{'cognito:groups': ['admin']})}", resource="/nowhere"))

    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert answer["context"]["message"] == "No role may call this route."


def test_the_keys_are_fetched_once_and_again_only_for_an_unknown_key_a_minute_later(
    pool_keys: list[str],
) -> None:
    authorize(request(f"Bearer {token()}"))
    authorize(request(f"Bearer {token()}"))
    with pytest.raises(handlers.Unauthorized):
        authorize(request(f"Bearer {token(key=OTHER_KEY)}"))

    assert pool_keys == [f"{ISSUER}/.well-known/jwks.json"]  # a forged token does not make it fetch again
