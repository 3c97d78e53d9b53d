"""Who the CLI is when it calls an API (SPEC §1.7), and the users of a stage's pool.

An access token comes from, in this order: `$PATRON_TOKEN`; a machine client's id and secret
(`--client-id`/`--client-secret` or `$PATRON_CLIENT_ID`/`$PATRON_CLIENT_SECRET`: the client-credentials grant
at the pool's token endpoint); a user's name and password (`--username`/`--password` or
`$PATRON_USERNAME`/`$PATRON_PASSWORD`: Cognito's USER_PASSWORD_AUTH with the console's app client); else the
local admin of a `patron dev` (its password in the state directory). Where the pool is comes from the
console's `config.json` (`auth`), locally at `http://127.0.0.1:3000/config.json`, on AWS at the console's URL."""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import requests
from botocore import UNSIGNED
from botocore.config import Config

LOCAL_CONSOLE = "http://127.0.0.1:3000"
TIMEOUT_SECONDS = 10


class NoCredentials(Exception):
    """Nothing to sign in with, or the pool refused it: one line for the user."""


@dataclass(frozen=True)
class Pool:
    """The console's `auth` block: the stage's user pool and the console's app client."""

    region: str
    user_pool_id: str
    client_id: str
    token_endpoint: str
    endpoint: str | None = None  # Cognito's API: the local AWS endpoint, or None for AWS's own

    @classmethod
    def of(cls, console_url: str) -> Pool:
        url = console_url.rstrip("/") + "/config.json"
        try:
            config = requests.get(url, timeout=TIMEOUT_SECONDS).json()
        except requests.RequestException as exc:
            raise NoCredentials(
                f"cannot read {url} ({type(exc).__name__}); is `patron dev` running?"
            ) from None
        auth = config.get("auth") if isinstance(config, dict) else None
        if not isinstance(auth, dict):
            raise NoCredentials(f"{url} has no `auth` block: is this a Patron console of before identity?")
        return cls(
            region=auth["region"],
            user_pool_id=auth["userPoolId"],
            client_id=auth["clientId"],
            token_endpoint=auth["tokenEndpoint"],
            endpoint=auth.get("endpoint"),
        )

    @property
    def is_local(self) -> bool:
        return self.endpoint is not None and urlparse(self.endpoint).hostname in (
            "127.0.0.1",
            "localhost",
            "::1",
        )

    def cognito(self, signed: bool = False) -> Any:
        """A Cognito client of the pool: unsigned for sign-in (public), signed for the admin calls
        (your AWS credentials on AWS; any locally)."""
        local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # nosec B105 - moto takes any
        credentials = local if self.is_local else {}
        config = None if signed else Config(signature_version=UNSIGNED)
        return boto3.client(
            "cognito-idp", region_name=self.region, endpoint_url=self.endpoint, config=config, **credentials
        )


def user_token(pool: Pool, username: str, password: str) -> str:
    client = pool.cognito()
    try:
        result = client.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except (client.exceptions.NotAuthorizedException, client.exceptions.UserNotFoundException):
        raise NoCredentials(f"the pool refused {username}: incorrect username or password") from None
    if "AuthenticationResult" not in result:
        raise NoCredentials(
            f"{username} must answer {result.get('ChallengeName')} first: sign in to the console once "
            "(a new user chooses a password there)"
        )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token


def client_token(pool: Pool, client_id: str, secret: str, scopes: list[str] | None = None) -> str:
    """The client-credentials grant (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html)."""
    form = {"grant_type": "client_credentials"} | ({"scope": " ".join(scopes)} if scopes else {})
    response = requests.post(
        pool.token_endpoint, data=form, auth=(client_id, secret), timeout=TIMEOUT_SECONDS
    )
    if response.status_code != 200:
        raise NoCredentials(f"the token endpoint refused client {client_id}: {response.text[:200]}")
    token: str = response.json()["access_token"]
    return token


@dataclass(frozen=True)
class Credentials:
    """What the user gave (flags, else the environment)."""

    console_url: str = LOCAL_CONSOLE
    state_dir: Path = Path(".patron")
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] = ()

    def access_token(self) -> str:
        if token := os.environ.get("PATRON_TOKEN"):
            return token
        client_id = self.client_id or os.environ.get("PATRON_CLIENT_ID")
        if client_id:
            secret = self.client_secret or os.environ.get("PATRON_CLIENT_SECRET")
            if not secret:
                raise NoCredentials(
                    f"client {client_id} needs its secret: --client-secret or $PATRON_CLIENT_SECRET"
                )
            return client_token(Pool.of(self.console_url), client_id, secret, list(self.scopes))
        username = self.username or os.environ.get("PATRON_USERNAME")
        password = self.password or os.environ.get("PATRON_PASSWORD")
        if username:
            if not password:
                raise NoCredentials(f"{username} needs a password: --password or $PATRON_PASSWORD")
            return user_token(Pool.of(self.console_url), username, password)
        local = self.state_dir / "admin-password"
        if not local.exists():
            raise NoCredentials(
                f"no credentials: give --username/--password or --client-id/--client-secret (or set "
                f"PATRON_TOKEN); a local `patron dev` keeps its admin's password in {local}, which is missing"
            )
        return user_token(Pool.of(self.console_url), "admin", local.read_text().strip())


# ---------------------------------------------------------------- users (patron users add|list|remove)
def add_user(pool: Pool, username: str, groups: list[str], password: str | None) -> str | None:
    """A user in `groups`. With `password`, it is permanent; else Cognito's temporary password is
    generated and returned, and the first sign-in asks for a new one. No e-mail is sent."""
    cognito = pool.cognito(signed=True)
    temporary = None if password else strong_password()
    # the pool checks the password against its policy as it creates the user: a refused password leaves
    # no user behind (a permanent one is first given as the temporary one)
    cognito.admin_create_user(
        UserPoolId=pool.user_pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=password or temporary,
    )
    if password:
        try:
            cognito.admin_set_user_password(
                UserPoolId=pool.user_pool_id, Username=username, Password=password, Permanent=True
            )
        except cognito.exceptions.InvalidPasswordException:
            cognito.admin_delete_user(UserPoolId=pool.user_pool_id, Username=username)  # nothing half-made
            raise
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool.user_pool_id, Username=username, GroupName=group)
    return temporary


def list_users(pool: Pool) -> list[dict[str, Any]]:
    cognito = pool.cognito(signed=True)
    users = [
        user
        for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool.user_pool_id)
        for user in page["Users"]
    ]
    return [
        {
            "username": user["Username"],
            "status": user["UserStatus"],
            "enabled": user["Enabled"],
            "groups": sorted(
                group["GroupName"]
                for group in cognito.admin_list_groups_for_user(
                    UserPoolId=pool.user_pool_id, Username=user["Username"]
                )["Groups"]
            ),
        }
        for user in users
    ]


def remove_user(pool: Pool, username: str) -> None:
    pool.cognito(signed=True).admin_delete_user(UserPoolId=pool.user_pool_id, Username=username)


def strong_password() -> str:
    """A random password that meets the template's password policy (12+ characters, upper and lower
    case, digits)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(20))
        kinds = (str.islower, str.isupper, str.isdigit)
        if all(any(kind(c) for c in password) for kind in kinds):
            return password
