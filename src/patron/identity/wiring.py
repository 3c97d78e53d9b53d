"""The identity service's cached builder: the user pool's token verifier (core.aws.reset() clears it)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.identity.tokens import Verifier


@aws.wired
def verifier() -> Verifier:
    # the pool's keys live at its Cognito endpoint (https://cognito-idp.<region>.amazonaws.com/<pool>/...
    # on AWS, the local AWS endpoint under `patron dev`): the client resolves it as every client does
    cognito = aws.client("cognito-idp")
    pool = settings().USER_POOL_ID
    issuer = f"https://cognito-idp.{cognito.meta.region_name}.amazonaws.com/{pool}"
    return Verifier(issuer, f"{cognito.meta.endpoint_url.rstrip('/')}/{pool}/.well-known/jwks.json")
