"""Access tokens of the stage's user pool, checked as API Gateway's Cognito authorizer checks them: the
RS256 signature against the pool's published keys (JWKS), the issuer, the expiry and `token_use`
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
joserfc does the JOSE work; this module only says what a valid token of this pool is."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from patron.identity.access import Principal

JWKS_TIMEOUT_SECONDS = 2
REFETCH_AFTER_SECONDS = 60  # an unknown key id fetches the keys again (rotation), at most once a minute
USER_SCOPE = "aws.cognito.signin.user.admin"  # what every user token of InitiateAuth carries


class InvalidToken(Exception):
    """Not an access token of this pool: API Gateway's 401."""


def fetch_keys(url: str) -> KeySet:
    # the pool's keys are public, served over HTTPS (the URL is ours, from the pool id)
    with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
        return KeySet.import_key_set(json.loads(response.read()))


class Verifier:
    def __init__(
        self,
        issuer: str,
        jwks_url: str,
        fetch: Callable[[str], KeySet] = fetch_keys,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self.fetch = fetch
        self.clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    def keys(self, refresh: bool = False) -> KeySet:
        stale = refresh and self.clock() - self._fetched_at >= REFETCH_AFTER_SECONDS
        if self._keys is None or stale:
            self._keys = self.fetch(self.jwks_url)
            self._fetched_at = self.clock()
        return self._keys

    def verify(self, token: str) -> Principal:
        claims = self.claims(token)
        groups = claims.get("cognito:groups") or []
        scopes = set(str(claims.get("scope", "")).split()) - {USER_SCOPE}
        username = claims.get("username")
        return Principal(
            sub=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            username=str(username) if username is not None else None,
            groups=frozenset(str(group) for group in groups) if isinstance(groups, list) else frozenset(),
            scopes=frozenset(scopes),
        )

    def claims(self, token: str) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(token, self.keys(), algorithms=["RS256"])
            except JoseError:
                decoded = jwt.decode(token, self.keys(refresh=True), algorithms=["RS256"])
            registry = JWTClaimsRegistry(
                now=int(self.clock()),
                iss={"essential": True, "value": self.issuer},
                exp={"essential": True},
                sub={"essential": True},
                client_id={"essential": True},
                token_use={"essential": True, "value": "access"},  # an ID token is refused
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(type(exc).__name__) from None
        return dict(decoded.claims)
