"""The template's identity resources in the local Cognito (local/identity.py): provisioned from the
template with the same ids at each start, signed with the state directory's key, the first admin, the
client-credentials token endpoint, and users and secrets kept across restarts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey
from moto import mock_aws
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from patron.identity.tokens import Verifier
from patron_tools.local import identity, moto_patches, state
from patron_tools.local.template import Template


@pytest.fixture
def local_pool(aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    for name, value in identity.ID_STRATEGY.items():
        monkeypatch.setenv(name, value)
    moto_patches.sign_cognito_tokens(identity.signing_key(tmp_path))
    with mock_aws():
        template = Template()
        identity.create_identity(template)
        yield template


def provisioned(template: Template) -> identity.Identity:
    created = identity.create_identity(template)
    assert created is not None
    return created


def test_the_pool_groups_scopes_and_clients_come_from_the_template(aws_env: None, tmp_path: Path) -> None:
    with mock_aws():
        template = Template()
        pool = provisioned(template)
        cognito = boto3.client("cognito-idp")
        described = cognito.describe_user_pool(UserPoolId=pool.user_pool_id)["UserPool"]
        groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool.user_pool_id)["Groups"]}
        server = cognito.describe_resource_server(UserPoolId=pool.user_pool_id, Identifier="patron")
        console = cognito.describe_user_pool_client(
            UserPoolId=pool.user_pool_id, ClientId=pool.console_client_id
        )

    assert described["Name"] == "patron"
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self-sign-up
    assert groups == {"admin", "operator", "viewer", "privacy"}
    assert len(server["ResourceServer"]["Scopes"]) == 9
    assert "ClientSecret" not in console["UserPoolClient"]
    # Ref resolves to the assigned ids: the authorizer's environment names this pool
    assert template.functions()["AuthorizerFunction"].environment["USER_POOL_ID"] == pool.user_pool_id


def test_a_restart_gives_the_same_pool_and_client_ids(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in identity.ID_STRATEGY.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        first = provisioned(Template())
    with mock_aws():
        second = provisioned(Template())

    assert first == second


def test_tokens_are_signed_with_the_state_directorys_key_not_motos(
    local_pool: Template, tmp_path: Path
) -> None:
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse
    from moto.utilities.utils import load_resource

    pool = provisioned_ids(local_pool)
    identity.ensure_admin(pool, identity.admin_password(tmp_path))
    token = sign_in(pool, "admin", identity.admin_password(tmp_path))
    _, _, body = CognitoIdpJsonWebKeyResponse.serve_json_web_key()
    published = KeySet.import_key_set(json.loads(body))
    shipped = KeySet.import_key_set(load_resource("cognitoidp/resources/jwks-public.json"))

    claims = jwt.decode(token, published, algorithms=["RS256"]).claims
    assert (claims["username"], claims["cognito:groups"]) == ("admin", ["admin"])
    assert published.keys[0].as_dict() == RSAKey.import_key(identity.signing_key(tmp_path)).as_dict(
        private=False
    ) | {"kid": "dummy", "alg": "RS256", "use": "sig"}
    with pytest.raises(BadSignatureError):  # moto's shipped key, which every moto has, does not verify it
        jwt.decode(token, shipped, algorithms=["RS256"])


def provisioned_ids(template: Template) -> identity.Identity:
    pool_id = template.assigned["UserPool"]
    clients = {lid: template.assigned[lid] for lid in template.of_type("AWS::Cognito::UserPoolClient")}
    return identity.Identity(pool_id, clients, clients["ConsoleClient"])


def sign_in(pool: identity.Identity, username: str, password: str) -> str:
    result = boto3.client("cognito-idp").initiate_auth(
        ClientId=pool.console_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token


def test_the_first_admin_is_created_once_with_a_kept_password(local_pool: Template, tmp_path: Path) -> None:
    pool = provisioned_ids(local_pool)

    first = identity.admin_password(tmp_path)
    identity.ensure_admin(pool, first)
    again = identity.admin_password(tmp_path)
    identity.ensure_admin(pool, again)  # already there: nothing changes

    assert first == again
    assert (tmp_path / "admin-password").stat().st_mode & 0o077 == 0  # the owner's alone
    assert len(first) >= 12
    assert sign_in(pool, "admin", first)


def token_request(body: dict[str, str], basic: tuple[str, str] | None = None) -> Request:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
    builder = EnvironBuilder(method="POST", path="/oauth2/token", data=body, headers=headers)
    return Request(builder.get_environ())


def integration(pool: identity.Identity) -> tuple[str, str]:
    client_id = pool.clients["IntegrationClient"]
    secret = moto_patches.cognito_app_clients(pool.user_pool_id)[client_id].secret
    assert secret is not None
    return client_id, secret


def verify(pool: identity.Identity, tmp_path: Path, token: str) -> Any:
    """The principal of `token` as the authorizer sees it, with the keys the pool publishes."""
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    _, _, body = CognitoIdpJsonWebKeyResponse.serve_json_web_key()
    keys = KeySet.import_key_set(json.loads(body))
    return Verifier(pool.issuer, "unused", fetch=lambda url: keys).verify(token)


def test_a_machine_client_gets_an_access_token_with_its_scopes(local_pool: Template, tmp_path: Path) -> None:
    pool = provisioned_ids(local_pool)
    endpoint = identity.TokenEndpoint(pool)

    response = endpoint(token_request({"grant_type": "client_credentials"}, basic=integration(pool)))

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    principal = verify(pool, tmp_path, body["access_token"])
    assert principal.client_id == principal.sub == pool.clients["IntegrationClient"]
    assert principal.username is None
    assert principal.scopes == {"patron/marketing.read", "patron/marketing.write"}


def test_a_client_may_ask_for_fewer_scopes_and_credentials_in_the_body(
    local_pool: Template, tmp_path: Path
) -> None:
    pool = provisioned_ids(local_pool)
    client_id, secret = integration(pool)

    response = identity.TokenEndpoint(pool)(
        token_request(
            {
                "grant_type": "client_credentials",
                "scope": "patron/marketing.read",
                "client_id": client_id,
                "client_secret": secret,
            }
        )
    )

    assert verify(pool, tmp_path, response.get_json()["access_token"]).scopes == {"patron/marketing.read"}


@pytest.mark.parametrize(
    ("body", "credentials", "error"),
    [
        ({"grant_type": "client_credentials"}, ("integration", "wrong-secret"), "invalid_client"),
        ({"grant_type": "client_credentials"}, None, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("console", ""), "invalid_client"),  # a public client
        (
            {"grant_type": "client_credentials", "scope": "patron/privacy.request"},
            ("integration", ""),
            "invalid_scope",
        ),
        (
            {"grant_type": "password", "username": "a", "password": "b"},
            ("integration", ""),
            "unsupported_grant_type",
        ),
    ],
)
def test_a_bad_token_request_is_a_400_with_the_oauth_error(
    local_pool: Template, body: dict[str, str], credentials: tuple[str, str] | None, error: str
) -> None:
    pool = provisioned_ids(local_pool)
    client_id, secret = integration(pool)
    if credentials is not None:
        name, given = credentials
        credentials = (client_id if name == "integration" else pool.console_client_id, given or secret)

    response = identity.TokenEndpoint(pool)(token_request(body, basic=credentials))

    assert response.status_code == 400
    assert response.get_json()["error"] == error


def test_users_and_client_secrets_survive_a_restart(
    local_pool: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = provisioned_ids(local_pool)
    password = identity.admin_password(tmp_path)
    identity.ensure_admin(pool, password)
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool.user_pool_id,
        Username="vera",
        TemporaryPassword="Temporary-123",
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(UserPoolId=pool.user_pool_id, Username="vera", GroupName="viewer")
    before = {u["username"]: u for u in moto_patches.cognito_users(pool.user_pool_id)}
    client_id, secret = integration(pool)
    state.save_identity(tmp_path, pool.user_pool_id)

    with mock_aws():  # the next start: a new moto, the template provisioned again, then the saved state
        again = provisioned(Template())
        restored = state.load_identity(tmp_path, again.user_pool_id)
        after = {u["username"]: u for u in moto_patches.cognito_users(again.user_pool_id)}
        token = sign_in(again, "admin", password)
        restored_secret = integration(again)[1]
        # a temporary password stays temporary: the first sign-in still has to choose a new one
        challenge = boto3.client("cognito-idp").initiate_auth(
            ClientId=again.console_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "vera", "PASSWORD": "Temporary-123"},
        )

    assert again.user_pool_id == pool.user_pool_id
    assert restored == 2
    assert after == before  # sub, password, status and groups
    assert after["vera"]["status"] == "FORCE_CHANGE_PASSWORD"
    assert token
    assert (again.clients["IntegrationClient"], restored_secret) == (client_id, secret)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in challenge


def test_a_query_string_or_an_oversized_body_is_refused_with_an_oauth_error(local_pool: Template) -> None:
    pool = provisioned_ids(local_pool)
    endpoint = identity.TokenEndpoint(pool)
    query = Request(
        EnvironBuilder(method="POST", path="/oauth2/token", query_string="grant_type=x").get_environ()
    )
    large = token_request({"grant_type": "client_credentials", "pad": "x" * 100_000}, basic=integration(pool))

    assert (endpoint(query).status_code, endpoint(query).get_json()["error"]) == (400, "invalid_request")
    assert (endpoint(large).status_code, endpoint(large).get_json()["error"]) == (413, "invalid_request")
