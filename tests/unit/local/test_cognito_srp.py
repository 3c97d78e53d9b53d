"""The local Cognito checks the password of an SRP sign-in as Cognito does (cognito_srp,
moto_patches.verify_srp); the client is pycognito's, the one amazon-cognito-identity-js mirrors."""

from __future__ import annotations

import base64
import json
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from pycognito.aws_srp import AWSSRP

from patron_tools.local import cognito_srp, moto_patches

PASSWORD = "Correct-horse-1!"
TEMPORARY = "Temporary-pass-2!"
TIMESTAMP = "Thu Dec 3 18:00:00 UTC 2026"


@dataclass
class Pool:
    client: Any
    pool_id: str
    client_id: str

    def srp(self, username: str, password: str) -> AWSSRP:
        return AWSSRP(username, password, self.pool_id, self.client_id, client=self.client)

    def challenge(self, srp: AWSSRP) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.initiate_auth(
            ClientId=self.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
        )
        return answer

    def answer(self, challenge: dict[str, Any], responses: dict[str, str]) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=challenge["Session"],
            ChallengeResponses=responses,
        )
        return answer

    def prove(self, username: str, password: str) -> tuple[dict[str, Any], dict[str, str]]:
        """A USER_SRP_AUTH challenge and pycognito's answer (its USERNAME: the challenge's USERNAME)."""
        srp = self.srp(username, password)
        challenge = self.challenge(srp)
        return challenge, srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """USER_SRP_AUTH, answered as amazon-cognito-identity-js answers: USERNAME = USER_ID_FOR_SRP."""
        challenge, responses = self.prove(username, password)
        user_id_for_srp = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
        return self.answer(challenge, {**responses, "USERNAME": user_id_for_srp})


@pytest.fixture
def pool(cloud: None) -> Pool:
    client = boto3.client("cognito-idp")
    pool_id = client.create_user_pool(PoolName="console")["UserPool"]["Id"]
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    for username in ("alice", "bob"):
        client.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY)
        client.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
        )
    client.admin_create_user(UserPoolId=pool_id, Username="carol", TemporaryPassword=TEMPORARY)
    return Pool(client, pool_id, client_id)


def refused(pool: Pool) -> AbstractContextManager[Any]:
    """Cognito's answer to a wrong password."""
    message = re.escape("Incorrect username or password.")
    return pytest.raises(pool.client.exceptions.NotAuthorizedException, match=message)


def signed_in_as(answer: dict[str, Any]) -> str:
    payload = answer["AuthenticationResult"]["AccessToken"].split(".")[1]
    username: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["username"]
    return username


def test_the_right_password_signs_in_whichever_username_the_client_answers_with(pool: Pool) -> None:
    # pycognito answers with the challenge's USERNAME, amazon-cognito-identity-js with USER_ID_FOR_SRP
    tokens = pool.srp("alice", PASSWORD).authenticate_user()
    challenge = pool.challenge(pool.srp("alice", PASSWORD))
    answered = pool.sign_in("alice", PASSWORD)

    assert signed_in_as(tokens) == "alice"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == "alice"  # the username, as Cognito sends it
    assert signed_in_as(answered) == "alice"


def test_a_wrong_password_is_refused_and_its_challenge_is_gone(pool: Pool) -> None:
    srp = pool.srp("alice", "Wrong-horse-1!")
    challenge = pool.challenge(srp)
    wrong = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())
    srp.password = PASSWORD
    right = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())

    with refused(pool):
        pool.answer(challenge, wrong)
    with pytest.raises(pool.client.exceptions.ResourceNotFoundException):
        pool.answer(challenge, right)  # no second guess on one challenge


def test_a_temporary_password_is_proven_before_new_password_required(pool: Pool) -> None:
    with refused(pool):
        pool.answer(*pool.prove("carol", "Wrong-pass-2!"))
    required = pool.answer(*pool.prove("carol", TEMPORARY))
    changed = pool.client.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=required["Session"],
        ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": "Brand-new-pass-3!"},
    )

    assert required["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    # what amazon-cognito-identity-js parses (JSON.parse) before it calls newPasswordRequired
    parameters = required["ChallengeParameters"]
    assert json.loads(parameters["requiredAttributes"]) == []
    assert "sub" not in json.loads(parameters["userAttributes"])
    assert parameters["USER_ID_FOR_SRP"] == "carol"
    assert signed_in_as(changed) == "carol"
    assert signed_in_as(pool.sign_in("carol", "Brand-new-pass-3!")) == "carol"


@pytest.mark.parametrize("signed", ["SECRET_BLOCK", "TIMESTAMP"])
def test_a_signature_over_another_secret_block_or_timestamp_is_refused(pool: Pool, signed: str) -> None:
    srp = pool.srp("alice", PASSWORD)
    challenge = pool.challenge(srp)
    parameters = challenge["ChallengeParameters"]
    if signed == "SECRET_BLOCK":  # signed over a block one byte off, the genuine block sent back
        tampered = bytearray(base64.b64decode(parameters["SECRET_BLOCK"]))
        tampered[0] ^= 1
        responses = srp.process_challenge(
            {**parameters, "SECRET_BLOCK": base64.b64encode(tampered).decode()}, srp.get_auth_params()
        )
        responses["PASSWORD_CLAIM_SECRET_BLOCK"] = parameters["SECRET_BLOCK"]
    else:  # signed at one time, sent with another
        responses = {**srp.process_challenge(parameters, srp.get_auth_params()), "TIMESTAMP": TIMESTAMP}

    with refused(pool):
        pool.answer(challenge, responses)


def test_a_proof_answered_for_another_user_is_refused(pool: Pool) -> None:
    challenge, responses = pool.prove("alice", PASSWORD)

    with refused(pool):
        pool.answer(challenge, {**responses, "USERNAME": "bob"})


def test_an_srp_a_of_zero_mod_n_is_refused(pool: Pool) -> None:
    with pytest.raises(pool.client.exceptions.InvalidParameterException):
        pool.client.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": "alice", "SRP_A": cognito_srp.long_to_hex(cognito_srp.N * 2)},
        )


def test_the_signature_is_the_one_amazon_cognito_identity_js_computes() -> None:
    # computed by amazon-cognito-identity-js 6.3.21 (AuthenticationHelper with small a = 0x6d6d…,
    # getPasswordAuthenticationKey, then its HMAC over pool name | user | SECRET_BLOCK | TIMESTAMP)
    salt = int("9f3c" * 8, 16)
    small_b = int("e1" * 128, 16) % cognito_srp.N
    verifier = cognito_srp.password_verifier("AbCdEf123", "alice", PASSWORD, salt)
    big_a = pow(cognito_srp.G, int("6d" * 64, 16), cognito_srp.N)

    signature = cognito_srp.signature(
        "AbCdEf123",
        "alice",
        verifier,
        small_b,
        big_a,
        cognito_srp.server_public(verifier, small_b),
        bytes(range(48)),
        TIMESTAMP,
    )

    assert signature == b"orAIV23q+Lh2bqITOhIA1Djrxw1TK8oWd0XcVTnYVmM="


def test_verify_srp_refuses_another_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "version", lambda _: "5.3.0")

    with pytest.raises(moto_patches.MotoVersionError):
        moto_patches.verify_srp()


def test_canary_moto_still_signs_in_a_wrong_srp_password(pool: Pool) -> None:
    # fails once moto checks SRP itself, or sends the username as USER_ID_FOR_SRP (then re-check
    # verify_srp and cognito_srp)
    with (
        moto_patches.unpatched("verify_srp.initiate_auth"),
        moto_patches.unpatched("verify_srp.respond_to_auth_challenge"),
    ):
        challenge, responses = pool.prove("alice", "Wrong-horse-1!")
        answered = pool.answer(challenge, responses)

    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] != "alice"  # moto sends the user's sub
    assert signed_in_as(answered) == "alice"


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_an_unknown_user_is_a_wrong_password_where_the_client_prevents_user_existence_errors(
    pool: Pool, flow: str
) -> None:
    quiet = pool.client.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="console",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    parameters = {
        "USERNAME": "nobody",
        "PASSWORD": PASSWORD,
        "SRP_A": pool.srp("nobody", PASSWORD).get_auth_params()["SRP_A"],
    }

    with refused(pool):
        pool.client.initiate_auth(ClientId=quiet, AuthFlow=flow, AuthParameters=parameters)
    with pytest.raises(pool.client.exceptions.UserNotFoundException):  # a client that does not prevent them
        pool.client.initiate_auth(ClientId=pool.client_id, AuthFlow=flow, AuthParameters=parameters)


def test_a_disabled_or_deleted_users_refresh_token_is_refused(pool: Pool) -> None:
    def refresh_token(username: str) -> str:
        token: str = pool.sign_in(username, PASSWORD)["AuthenticationResult"]["RefreshToken"]
        return token

    def refresh(token: str) -> Any:
        return pool.client.initiate_auth(
            ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
        )

    alice, bob = refresh_token("alice"), refresh_token("bob")
    assert "AccessToken" in refresh(alice)["AuthenticationResult"]  # refreshes while the user may sign in
    pool.client.admin_disable_user(UserPoolId=pool.pool_id, Username="alice")
    pool.client.admin_delete_user(UserPoolId=pool.pool_id, Username="bob")

    with pytest.raises(pool.client.exceptions.NotAuthorizedException, match="User is disabled"):
        refresh(alice)
    with pytest.raises(pool.client.exceptions.NotAuthorizedException, match="revoked"):
        refresh(bob)


def test_self_sign_up_is_refused_where_only_admins_create_users(pool: Pool) -> None:
    admin_only = pool.client.create_user_pool(
        PoolName="admin-only", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True}
    )["UserPool"]["Id"]
    client_id = pool.client.create_user_pool_client(UserPoolId=admin_only, ClientName="c")["UserPoolClient"][
        "ClientId"
    ]

    with pytest.raises(pool.client.exceptions.NotAuthorizedException, match="SignUp is not permitted"):
        pool.client.sign_up(ClientId=client_id, Username="mallory", Password=PASSWORD)
    signed_up = pool.client.sign_up(
        ClientId=pool.client_id, Username="open", Password=PASSWORD
    )  # an open pool

    assert signed_up["UserConfirmed"] is False
    with moto_patches.unpatched("refuse_self_sign_up"):  # canary: moto still lets anyone sign up
        assert pool.client.sign_up(ClientId=client_id, Username="mallory", Password=PASSWORD)["UserSub"]
