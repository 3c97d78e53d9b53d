"""The template's identity resources in the local Cognito (moto): the user pool, its groups, resource
server, domain and app clients, provisioned from template.yaml; the first admin; the signing key; and
the OAuth 2.0 token endpoint of machine clients (client-credentials grant), which moto lacks.

moto assigns ids from a hash of each resource's definition (`MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY`):
the same template gives the same pool and client ids at every start, so tokens and the console's
configuration survive a restart; the users and the clients' secrets are kept in the state directory
(`state.save_identity`)."""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from joserfc import jwt
from joserfc.jwk import RSAKey
from oauthlib.oauth2 import BackendApplicationServer, OAuth2Error, RequestValidator
from werkzeug.wrappers import Request, Response

from patron_tools.credentials import strong_password
from patron_tools.local import moto_patches
from patron_tools.local.template import REGION, Template

ADMIN = "admin"  # the first user, in the group admin (SPEC §1.7)
SERVICE = "cognito-idp"  # moto's name of the service: its requests wait until the pool exists
ADMIN_PASSWORD_FILE = "admin-password"  # noqa: S105  # nosec B105 - a file name
SIGNING_KEY_FILE = "cognito-signing-key.json"
ID_STRATEGY = {
    "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
    "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH",
}

POOL_PROPERTIES = (  # CloudFormation's AWS::Cognito::UserPool properties that CreateUserPool takes as they are
    "Policies",
    "AdminCreateUserConfig",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
    "MfaConfiguration",
    "UserPoolTier",
)
CLIENT_PROPERTIES = (  # AWS::Cognito::UserPoolClient → CreateUserPoolClient
    "ClientName",
    "GenerateSecret",
    "ExplicitAuthFlows",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
)


@dataclass(frozen=True)
class Identity:
    """What the local cloud provisioned: the ids clients and the console need."""

    user_pool_id: str
    clients: dict[str, str]  # logical id → client id
    console_client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.user_pool_id}"


def create_identity(template: Template) -> Identity | None:
    """Every AWS::Cognito resource of the template, in moto; their ids go to `template.assigned` so that
    `Ref` resolves them (the authorizer's USER_POOL_ID). None when the template has no user pool."""
    pools = template.of_type("AWS::Cognito::UserPool")
    if not pools:
        return None
    (pool_logical_id,) = pools
    client = boto3.client("cognito-idp")
    properties = template.properties(pool_logical_id)
    pool_id = client.create_user_pool(
        PoolName=properties["UserPoolName"],
        **{name: properties[name] for name in POOL_PROPERTIES if name in properties},
    )["UserPool"]["Id"]
    template.assigned[pool_logical_id] = pool_id
    for logical_id in template.of_type("AWS::Cognito::UserPoolGroup"):
        group = template.properties(logical_id)
        client.create_group(
            UserPoolId=pool_id,
            GroupName=group["GroupName"],
            **{name: group[name] for name in ("Description", "Precedence") if name in group},
        )
        template.assigned[logical_id] = group["GroupName"]
    for logical_id in template.of_type("AWS::Cognito::UserPoolResourceServer"):
        server = template.properties(logical_id)
        client.create_resource_server(
            UserPoolId=pool_id, Identifier=server["Identifier"], Name=server["Name"], Scopes=server["Scopes"]
        )
        template.assigned[logical_id] = server["Identifier"]
    for logical_id in template.of_type("AWS::Cognito::UserPoolDomain"):
        domain = template.properties(logical_id)["Domain"]
        client.create_user_pool_domain(UserPoolId=pool_id, Domain=domain)
        template.assigned[logical_id] = domain
    clients = {}
    for logical_id in template.of_type("AWS::Cognito::UserPoolClient"):
        spec = template.properties(logical_id)
        created = client.create_user_pool_client(
            UserPoolId=pool_id, **{name: spec[name] for name in CLIENT_PROPERTIES if name in spec}
        )["UserPoolClient"]
        clients[logical_id] = template.assigned[logical_id] = created["ClientId"]
    console = next(
        (
            clients[lid]
            for lid, spec in template.of_type("AWS::Cognito::UserPoolClient").items()
            if not spec["Properties"].get("GenerateSecret")
        ),
        "",
    )
    return Identity(user_pool_id=pool_id, clients=clients, console_client_id=console)


def admin_password(state_dir: Path) -> str:
    """The first admin's password: random, made on the first start and kept in the state directory (the
    ready banner prints it, as it prints the API key)."""
    path = state_dir / ADMIN_PASSWORD_FILE
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(strong_password() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_admin(identity: Identity, password: str) -> None:
    """The user `admin` in the group admin with `password`: created on the first start, again if it was
    removed."""
    client = boto3.client("cognito-idp")
    try:
        client.admin_get_user(UserPoolId=identity.user_pool_id, Username=ADMIN)
    except client.exceptions.UserNotFoundException:
        client.admin_create_user(UserPoolId=identity.user_pool_id, Username=ADMIN, MessageAction="SUPPRESS")
        client.admin_set_user_password(
            UserPoolId=identity.user_pool_id, Username=ADMIN, Password=password, Permanent=True
        )
        client.admin_add_user_to_group(UserPoolId=identity.user_pool_id, Username=ADMIN, GroupName=ADMIN)


def signing_key(state_dir: Path) -> dict[str, Any]:
    """The RSA key the local pool signs its tokens with (its private JWK), made on the first start and
    kept in the state directory: not moto's key, which every moto installation shares."""
    path = state_dir / SIGNING_KEY_FILE
    if path.exists():
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded
    key = RSAKey.generate_key(2048, private=True).as_dict(private=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key))
    path.chmod(0o600)
    return key


# ---------------------------------------------------------------- the token endpoint (client credentials)
ACCESS_TOKEN_SECONDS_DEFAULT = 3600


class _ClientCredentials(RequestValidator):  # type: ignore[misc]
    """oauthlib's questions about a client-credentials request, answered from the pool's app clients
    (moto's): a client with a secret, the `client_credentials` flow and the asked scopes allowed."""

    def __init__(self, pool_id: str) -> None:
        self.pool_id = pool_id

    def _client(self, client_id: str) -> moto_patches.AppClient | None:
        return moto_patches.cognito_app_clients(self.pool_id).get(client_id)

    def client_authentication_required(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        return True

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        client_id, client_secret = request.client_id, request.client_secret
        if request.headers.get("Authorization"):  # HTTP Basic, as Cognito's token endpoint documents
            basic = Request({"HTTP_AUTHORIZATION": request.headers["Authorization"]}).authorization
            if basic is None or basic.type != "basic":
                return False
            client_id, client_secret = basic.username, basic.password
        client = self._client(client_id or "")
        if (
            client is None
            or not client.secret
            or not secrets.compare_digest(str(client.secret), str(client_secret or ""))
        ):
            return False
        request.client = client
        request.client_id = client_id
        return True

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *a: Any, **k: Any
    ) -> bool:
        flows = client.config.get("AllowedOAuthFlows") or []
        return grant_type == "client_credentials" and "client_credentials" in flows

    def _allowed(self, client: Any) -> list[str]:
        return list(client.config.get("AllowedOAuthScopes") or [])

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        return self._allowed(request.client)

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *a: Any, **k: Any
    ) -> bool:
        return set(scopes) <= set(self._allowed(client))

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        pass  # a JWT is its own record: nothing to keep


class TokenEndpoint:
    """`POST /oauth2/token` (grant_type=client_credentials): an access token as Cognito's managed endpoint
    issues it (claims `sub` = `client_id`, `token_use` access, `scope`, the pool's issuer), signed with the
    pool's key (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html)."""

    def __init__(self, identity: Identity, clock: Callable[[], float] = time.time) -> None:
        self.identity = identity
        self.clock = clock
        self.server = BackendApplicationServer(
            _ClientCredentials(identity.user_pool_id),
            token_generator=self._access_token,
            token_expires_in=self._expires_in,
        )

    def _expires_in(self, request: Any) -> int:
        config = request.client.config
        validity = int(config.get("AccessTokenValidity") or ACCESS_TOKEN_SECONDS_DEFAULT)
        unit = (config.get("TokenValidityUnits") or {}).get(
            "AccessToken", "hours" if validity <= 24 else "seconds"
        )
        return validity * {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[unit]

    def _access_token(self, request: Any) -> str:
        now = int(self.clock())
        claims = {
            "sub": request.client_id,
            "token_use": "access",  # nosec B105 - a claim's value, not a password
            "scope": " ".join(request.scopes),
            "auth_time": now,
            "iss": self.identity.issuer,
            "exp": now + self._expires_in(request),
            "iat": now,
            "version": 2,
            "jti": str(uuid.uuid4()),
            "client_id": request.client_id,
        }
        key = moto_patches.cognito_signing_key(self.identity.user_pool_id)
        return str(jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key))

    def __call__(self, request: Request) -> Response:
        # a token request is a few hundred bytes: a larger body is refused before it is buffered
        body = request.stream.read(MAX_REQUEST_BYTES + 1)
        if len(body) > MAX_REQUEST_BYTES or (request.content_length or 0) > MAX_REQUEST_BYTES:
            return _error(413, "invalid_request", "The request is too large.")
        # oauthlib refuses plain HTTP unless told: the local endpoint is HTTP on loopback (Cognito's is HTTPS)
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            headers, text, status = self.server.create_token_response(
                request.url,
                http_method=request.method,
                body=body.decode("utf-8", errors="replace"),
                headers=dict(request.headers),
            )
        except OAuth2Error as exc:  # what oauthlib refuses before a grant runs (a query string, ...)
            return _error(400, exc.error, exc.description)
        if status == 401:
            status = 400  # Cognito answers every token-endpoint error 400 (invalid_client included)
        return Response(text, status=status, headers=headers, content_type="application/json")


MAX_REQUEST_BYTES = 64 * 1024


def _error(status: int, error: str, description: str) -> Response:
    body = json.dumps({"error": error, "error_description": description})
    return Response(body, status=status, content_type="application/json")
