"""Every use of moto's internals: the workarounds for gaps of the pinned moto, each guarded by the
version it was checked against, and the few internals the local cloud reads (event patterns, input
templates, queued messages, tables). tests/unit/local/test_moto_patches.py proves each workaround still
works and, with `unpatched`, that moto's own code still has the gap (a canary that fails once it is
fixed upstream)."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

CHECKED_MOTO_VERSION = "5.2.5"

logger = logging.getLogger("patron_tools.local")


class MotoVersionError(RuntimeError):
    pass


def require_checked_moto() -> None:
    installed = version("moto")
    if installed != CHECKED_MOTO_VERSION:
        raise MotoVersionError(
            f"the local cloud's moto workarounds were checked against moto {CHECKED_MOTO_VERSION}, "
            f"found {installed}: re-check tools/patron_tools/local/moto_patches.py before changing the pin"
        )


_originals: dict[str, tuple[Any, str, Any]] = {}


def _remember(patch: str, owner: Any, attribute: str) -> Any:
    """moto's own `owner.attribute` before `patch` replaces it (kept for `unpatched`)."""
    original = getattr(owner, attribute)
    if not any(getattr(original, marker, False) for marker in _MARKERS):
        _originals[patch] = (owner, attribute, original)
    return original


_MARKERS = (
    "patron_serialized",
    "patron_routed",
    "patron_named",
    "patron_prefixed",
    "patron_verified",
    "patron_held",
    "patron_signed",
    "patron_srp",
    "patron_admin_only",
)


@contextmanager
def unpatched(patch: str) -> Iterator[None]:
    """moto's own code in place of the workaround `patch` (a function name of this module, `name.method`
    for one that replaces several methods) for the block: the canary tests show the gap is still there."""
    owner, attribute, original = _originals[patch]
    patched = getattr(owner, attribute)
    setattr(owner, attribute, original)
    try:
        yield
    finally:
        setattr(owner, attribute, patched)


_dynamodb_lock = threading.RLock()


def serialize_dynamodb_requests() -> None:
    """moto's DynamoDB backend checks a ConditionExpression and then writes, with no lock between:
    two threads can both pass `attribute_not_exists` (48 concurrent PUTs of one id created it
    twice). DynamoDB itself applies each request atomically, so requests are serialized here."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = _remember("serialize_dynamodb_requests", DynamoHandler, "call_action")
    if getattr(original, "patron_serialized", False):
        return

    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    call_action.patron_serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


from patron_tools.local.template import REGION as _REGION  # noqa: E402 - the local cloud's region (patron dev --region)

# botocore ≥ 1.40 sends DynamoDB Streams calls that carry a stream ARN to the account-based endpoint
# (https://<account>.streams-ddb.<region>.amazonaws.com), which moto 5.2.5 does not route; the regional
# endpoint that moto does route is passed explicitly by the local cloud's stream readers.
DYNAMODB_STREAMS_ENDPOINT = f"https://streams.dynamodb.{_REGION}.amazonaws.com"


# ---------------------------------------------------------------- Step Functions, Lambda, EventBridge
# (issue 5: the ids workflow and events)

LambdaDispatch = Callable[[str, Any, bool], "tuple[bytes, bool] | None"]
"""(function name or ARN, payload, asynchronous) → (response payload, failed), or None for a function
the dispatch does not know (moto's own behaviour then)."""

_lambda_dispatch: list[LambdaDispatch] = []


def route_lambda_invocations(dispatch: LambdaDispatch | None) -> None:
    """With `lambda.use_docker=False`, moto 5.2.5 answers every Invoke (Step Functions' Lambda tasks,
    `aws lambda invoke`) by echoing the payload back. The local cloud routes it to the in-process
    handler instead: a handler's exception becomes a function error (`x-amz-function-error`,
    `{"errorType", "errorMessage"}`), which Step Functions retries and catches by `errorType`.
    `None` unregisters the dispatch."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    require_checked_moto()
    _lambda_dispatch.clear()
    if dispatch is not None:
        _lambda_dispatch.append(dispatch)
    original: Callable[..., Any] = _remember("route_lambda_invocations", LambdaSimpleBackend, "invoke")
    if getattr(original, "patron_routed", False):
        return

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        outcome = (
            _lambda_dispatch[0](function_name, body, headers.get("X-Amz-Invocation-Type") == "Event")
            if _lambda_dispatch
            else None
        )
        if outcome is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        payload, failed = outcome
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    invoke.patron_routed = True  # type: ignore[attr-defined]
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


def name_executions() -> None:
    """moto 5.2.5 stores an execution started without a name as "None", so the second unnamed
    StartExecution fails with ExecutionAlreadyExists. Step Functions names it with a UUID."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    require_checked_moto()
    original: Callable[..., Any] = _remember("name_executions", StepFunctionsParserBackend, "start_execution")
    if getattr(original, "patron_named", False):
        return

    def start_execution(
        self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    start_execution.patron_named = True  # type: ignore[attr-defined]
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


EXECUTION_INPUT_BYTES = 262_144  # StartExecution `input`: "Maximum length of 262144" (UTF-8 bytes)


def limit_execution_input() -> None:
    """moto 5.2.5 starts an execution on any input (2.3 MB were accepted); Step Functions refuses an
    `input` over 256 KB with a ValidationException
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). The states'
    own 256 KB limit (States.DataLimitExceeded) moto's interpreter already applies. An input that is not
    JSON fails in moto's interpreter with an empty error code; Step Functions answers
    `InvalidExecutionInput` (same page, Errors)."""
    from moto.stepfunctions.exceptions import InvalidExecutionInput, ValidationException
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    require_checked_moto()
    original: Callable[..., Any] = StepFunctionsParserBackend.start_execution
    if getattr(original, "patron_limited", False):
        return

    def start_execution(
        self: Any, state_machine_arn: str, name: str | None = None, execution_input: Any = None, *args: Any
    ) -> Any:
        size = len(str(execution_input or "").encode("utf-8"))
        if size > EXECUTION_INPUT_BYTES:
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {EXECUTION_INPUT_BYTES}"
            )
        if execution_input is not None:
            try:
                json.loads(str(execution_input))
            except ValueError as exc:
                raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{exc}'") from None
        return original(self, state_machine_arn, name, execution_input, *args)

    start_execution.patron_limited = True  # type: ignore[attr-defined]
    start_execution.patron_named = getattr(original, "patron_named", False)  # type: ignore[attr-defined]
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign,assignment]


PUT_EVENTS_BYTES = 262_144  # EventBridge: the entries of one PutEvents request, as it sizes them


def entry_size(entry: dict[str, Any]) -> int:
    """A PutEvents entry's size as EventBridge calculates it: Time 14 bytes; Source, DetailType, Detail
    and each of Resources their UTF-8 bytes
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html)."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key) or "").encode("utf-8"))
    return size + sum(len(str(resource).encode("utf-8")) for resource in entry.get("Resources") or [])


def limit_put_events() -> None:
    """moto 5.2.5 accepts PutEvents entries of any size; EventBridge refuses a request whose entries total
    256 KB or more ("The total entry size must be less than 256KB")."""
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend

    require_checked_moto()
    original: Callable[..., Any] = EventsBackend.put_events
    if getattr(original, "patron_limited", False):
        return

    def put_events(self: Any, events: list[dict[str, Any]]) -> Any:
        if sum(entry_size(entry) for entry in events) >= PUT_EVENTS_BYTES:
            raise ValidationException("Total size of the entries in the request is over the limit.")
        return original(self, events)

    put_events.patron_limited = True  # type: ignore[attr-defined]
    EventsBackend.put_events = put_events  # type: ignore[method-assign]


def page_execution_history() -> None:
    """moto 5.2.5's GetExecutionHistory ignores `reverseOrder`, `maxResults` and `nextToken`: it answers
    every event, oldest first, so a client reading the newest events (the step a running execution is
    in) reads the first ones instead. Step Functions answers newest first on `reverseOrder`, at most
    `maxResults` events (default 100) per page, and a `nextToken` for the rest
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html)."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    require_checked_moto()
    original: Callable[..., Any] = StepFunctionResponse.get_execution_history
    if getattr(original, "patron_paged", False):
        return

    def get_execution_history(self: Any) -> Any:
        result = original(self)
        events = list(result.result["events"])
        if self._get_param("reverseOrder"):
            events.reverse()
        start = int(self._get_param("nextToken") or 0)
        size = int(self._get_param("maxResults") or 0) or 100
        page: dict[str, Any] = {"events": events[start : start + size]}
        if start + size < len(events):
            page["nextToken"] = str(start + size)
        return ActionResult(page)

    get_execution_history.patron_paged = True  # type: ignore[attr-defined]
    StepFunctionResponse.get_execution_history = get_execution_history  # type: ignore[method-assign]


def filter_log_streams_by_prefix() -> None:
    """moto 5.2.5's FilterLogEvents ignores `logStreamNamePrefix` and answers every stream's events, so
    `aws logs tail GROUP --log-stream-name-prefix 2026/11/30/PutCustomerIdFunction` shows every function.
    CloudWatch Logs reads only the streams whose names start with the prefix, and refuses it together
    with `logStreamNames`
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html)."""
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.responses import LogsResponse

    require_checked_moto()
    original: Callable[..., Any] = _remember(
        "filter_log_streams_by_prefix", LogsResponse, "filter_log_events"
    )
    if getattr(original, "patron_prefixed", False):
        return

    def filter_log_events(self: Any) -> Any:
        prefix = self._get_param("logStreamNamePrefix")
        if prefix is None:
            return original(self)
        if self._get_param("logStreamNames"):
            raise InvalidParameterException("Cannot specify both logStreamNames and logStreamNamePrefix.")
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        names = [name for name in (group.streams if group else ()) if name.startswith(prefix)]
        if group is not None and not names:  # moto reads an empty logStreamNames as "every stream"
            return json.dumps({"events": [], "searchedLogStreams": []})
        get_param = self._get_param
        self._get_param = lambda name, if_none=None: (
            names if name == "logStreamNames" else get_param(name, if_none)
        )
        try:
            return original(self)
        finally:
            del self._get_param

    filter_log_events.patron_prefixed = True  # type: ignore[attr-defined]
    LogsResponse.filter_log_events = filter_log_events  # type: ignore[method-assign]


EventTargetDelivery = Callable[[dict[str, Any], dict[str, Any]], object]
"""(target, event) → delivers one matched event to one Step Functions, Lambda or SQS target."""

DELIVERED_SERVICES = frozenset({"states", "lambda", "sqs"})


_event_delivery: list[EventTargetDelivery] = []


def route_event_targets(deliver: EventTargetDelivery) -> None:
    """moto 5.2.5's `Rule.send_to_targets` (run inside PutEvents): ignores the rule's state (a
    DISABLED rule delivers), matches a schedule-only rule (no pattern) against every event, ignores a
    target's `Input` / `InputPath`, and raises NotImplementedError for Step Functions and Lambda
    targets after the SQS targets were delivered (a client retry then duplicates them). Here only
    ENABLED rules with a pattern that matches deliver, and Step Functions, Lambda and SQS targets go
    to `deliver` (each failure logged, never failing PutEvents, as EventBridge delivers
    asynchronously); other targets (log groups, archives, buses) keep moto's delivery."""
    from moto.events.models import Rule

    require_checked_moto()
    _event_delivery[:] = [deliver]
    original: Callable[..., Any] = _remember("route_event_targets", Rule, "send_to_targets")
    if getattr(original, "patron_routed", False):
        return

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        if self.state != "ENABLED" or not self.event_pattern.dump():
            return
        if not self.event_pattern.matches_event(original_event):
            return
        for target in self.targets:
            if target["Arn"].split(":")[2] in DELIVERED_SERVICES:
                try:
                    _event_delivery[0](target, copy.deepcopy(original_event))
                except Exception:
                    logger.exception(
                        "event target delivery failed", extra={"rule": self.name, "target": target["Id"]}
                    )
            else:
                clone = copy.copy(self)
                clone.targets = [target]
                original(clone, original_event, transform_input)

    send_to_targets.patron_routed = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]


# ---------------------------------------------------------------- S3 presigned URLs
def local_secret_key(access_key: str) -> str:
    """The secret key a signature by `access_key` is verified with: the key's own secret when the local
    IAM knows it (`aws iam create-access-key`, STS credentials), else the secret of the process serving
    the endpoint, which `patron dev` gives every client it starts (`aws.fake_credentials`, each
    function's environment)."""
    from moto.iam.models import iam_backends

    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            key = backend.access_keys.get(access_key)
            if key is not None:
                return str(key.secret_access_key)
    return os.environ.get("AWS_SECRET_ACCESS_KEY", "")


def verify_presigned_requests() -> None:
    """moto 5.2.5 serves a presigned S3 request whatever its signature, expiry or signed headers (a PUT
    with `X-Amz-Signature=000…0` stored the object); S3 refuses it. Every S3 request without an
    `Authorization` header is judged by `s3_auth.refusal` first: S3's error answers it instead."""
    from moto.s3.responses import S3Response

    from patron_tools.local import s3_auth

    require_checked_moto()
    for attribute in ("key_response", "bucket_response"):
        original: Callable[..., Any] = _remember(
            f"verify_presigned_requests.{attribute}", S3Response, attribute
        )
        if getattr(original, "patron_verified", False):
            continue

        def respond(self: Any, request: Any, full_url: str, headers: Any, _original: Any = original) -> Any:
            refused = s3_auth.refusal(request.method, full_url, request.headers, local_secret_key)
            if refused is not None:
                return refused.response()
            return _original(self, request, full_url, headers)

        respond.patron_verified = True  # type: ignore[attr-defined]
        setattr(S3Response, attribute, respond)


# ---------------------------------------------------------------- Cognito
def verify_srp() -> None:
    """moto 5.2.5's USER_SRP_AUTH checks no password: InitiateAuth answers PASSWORD_VERIFIER with a
    random SALT and SRP_B, and RespondToAuthChallenge accepts any PASSWORD_CLAIM_SIGNATURE (the
    session is found by PASSWORD_CLAIM_SECRET_BLOCK). It also sends the user's `sub` as
    USER_ID_FOR_SRP, where Cognito sends the actual username, which clients answer as USERNAME (moto
    then finds no user). Here the challenge is Cognito's SRP (`cognito_srp`): the SECRET_BLOCK is the
    session, a wrong signature, or an answer for another USERNAME, is refused with "Incorrect username
    or password.", and a proven one goes on to moto's own steps (NEW_PASSWORD_REQUIRED, MFA, tokens). An
    unknown user is answered the same way when the client prevents user-existence errors, and a refresh
    token of a disabled or deleted user is refused, as Cognito does.
    AdminRespondToAuthChallenge goes through RespondToAuthChallenge; moto's AdminInitiateAuth offers
    no SRP."""
    from moto.cognitoidp.exceptions import (
        InvalidParameterException,
        NotAuthorizedError,
        ResourceNotFoundError,
        UserNotFoundError,
    )
    from moto.cognitoidp.models import CognitoIdpBackend

    from patron_tools.local import cognito_srp

    require_checked_moto()
    initiate: Callable[..., Any] = _remember("verify_srp.initiate_auth", CognitoIdpBackend, "initiate_auth")
    respond: Callable[..., Any] = _remember(
        "verify_srp.respond_to_auth_challenge", CognitoIdpBackend, "respond_to_auth_challenge"
    )
    if getattr(initiate, "patron_srp", False):
        return

    def refuse_refresh_of_gone_users(self: Any, client_id: str, refresh_token: str) -> None:
        """A refresh token of a disabled or deleted user is refused, as Cognito refuses it (moto refreshed
        a disabled user's tokens, and failed with a 500 for a deleted one)."""
        for pool in self.user_pools.values():
            entry = pool.refresh_tokens.get(refresh_token) if client_id in pool.clients else None
            if entry and entry[1]:
                user = pool.users.get(entry[1])
                if user is None:
                    raise NotAuthorizedError("Refresh Token has been revoked")
                if not user.enabled:
                    raise NotAuthorizedError("User is disabled.")

    def new_password_challenge(self: Any, answer: dict[str, Any]) -> dict[str, Any]:
        """NEW_PASSWORD_REQUIRED with the parameters Cognito sends and clients read (amazon-cognito-identity-js
        parses `userAttributes` and `requiredAttributes`; moto 5.2.5 sends only USERNAME)."""
        if answer.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            return answer
        username, pool = self.sessions[answer["Session"]]
        user = self.admin_get_user(pool.id, username)
        attributes = {a["Name"]: a["Value"] for a in user.attributes if a["Name"] != "sub"}
        parameters = {
            **answer.get("ChallengeParameters", {}),
            "USER_ID_FOR_SRP": user.username,
            "userAttributes": json.dumps(attributes),
            "requiredAttributes": "[]",
        }
        return {**answer, "ChallengeParameters": parameters}

    def initiate_auth(self: Any, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            refuse_refresh_of_gone_users(self, client_id, auth_parameters.get("REFRESH_TOKEN") or "")
        try:
            answer: dict[str, Any] = initiate(self, client_id, auth_flow, auth_parameters)
        except UserNotFoundError:
            # an app client with PreventUserExistenceErrors ENABLED (the console's) answers an unknown user
            # as a wrong password, so that sign-in does not tell who has an account; moto ignores it
            clients = [
                pool.clients[client_id] for pool in self.user_pools.values() if client_id in pool.clients
            ]
            if clients and clients[0].extended_config.get("PreventUserExistenceErrors") == "ENABLED":
                raise NotAuthorizedError("Incorrect username or password.") from None
            raise
        if answer.get("ChallengeName") != "PASSWORD_VERIFIER":
            return new_password_challenge(self, answer)
        username, pool = self.sessions.pop(answer["Session"])
        user = self.admin_get_user(pool.id, username)
        # a user without a password (moto allows one) gets a challenge no password answers
        password = user.password if user.password is not None else secrets.token_hex(32)
        try:
            challenge = cognito_srp.open_challenge(pool.id, user.username, password, auth_parameters["SRP_A"])
        except ValueError:
            raise InvalidParameterException("Invalid SRP_A") from None
        cognito_srp.challenges.put(challenge)
        self.sessions[challenge.secret_block] = (username, pool)
        parameters = {**answer["ChallengeParameters"], **challenge.parameters()}
        return {**answer, "Session": challenge.secret_block, "ChallengeParameters": parameters}

    def respond_to_auth_challenge(
        self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
    ) -> Any:
        if challenge_name == "PASSWORD_VERIFIER":
            block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
            challenge = cognito_srp.challenges.take(block)
            if challenge is None:  # no challenge of ours: unknown to moto too, or a session of another flow
                raise ResourceNotFoundError(block)
            if not challenge.proves(
                challenge_responses.get("USERNAME") or "",
                challenge_responses.get("TIMESTAMP") or "",
                challenge_responses.get("PASSWORD_CLAIM_SIGNATURE") or "",
            ):
                self.sessions.pop(block, None)
                raise NotAuthorizedError("Incorrect username or password.")
        return new_password_challenge(
            self, respond(self, session, client_id, challenge_name, challenge_responses)
        )

    initiate_auth.patron_srp = True  # type: ignore[attr-defined]
    respond_to_auth_challenge.patron_srp = True  # type: ignore[attr-defined]
    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign]


def refuse_self_sign_up() -> None:
    """moto 5.2.5's SignUp ignores `AdminCreateUserConfig.AllowAdminCreateUserOnly`: anyone could add
    themselves to a pool whose users only an admin may create (Patron's). Cognito refuses it with
    NotAuthorizedException "SignUp is not permitted for this user pool"."""
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import CognitoIdpBackend

    require_checked_moto()
    original: Callable[..., Any] = _remember("refuse_self_sign_up", CognitoIdpBackend, "sign_up")
    if getattr(original, "patron_admin_only", False):
        return

    def sign_up(self: Any, client_id: str, *args: Any, **kwargs: Any) -> Any:
        for pool in self.user_pools.values():
            admin_only = pool.extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly")
            if client_id in pool.clients and admin_only:
                raise NotAuthorizedError("SignUp is not permitted for this user pool")
        return original(self, client_id, *args, **kwargs)

    sign_up.patron_admin_only = True  # type: ignore[attr-defined]
    CognitoIdpBackend.sign_up = sign_up  # type: ignore[method-assign]


def dynamodb_table(name: str) -> Any:
    """moto's own table object. Saving and restoring state through it is linear; through the API it is
    not (moto's Scan walks the whole table for each 1 MB page: 49 s for 50,000 items)."""
    from moto.dynamodb.models import dynamodb_backends

    from patron_tools.local.template import ACCOUNT_ID, REGION

    return dynamodb_backends[ACCOUNT_ID][REGION].get_table(name)


_signing_key: list[Any] = []


def sign_cognito_tokens(private_jwk: dict[str, Any]) -> None:
    """moto 5.2.5 signs the tokens of every user pool with one RSA key shipped inside moto
    (`cognitoidp/resources/jwks-private.json`, kid "dummy") and publishes its public half: anyone with moto
    installed can mint a token that verifies. The local pools sign with `private_jwk` (the state
    directory's own key) instead, and `/<pool>/.well-known/jwks.json` publishes its public half."""
    from joserfc.jwk import RSAKey
    from moto.cognitoidp.models import CognitoIdpUserPool
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    require_checked_moto()
    key = RSAKey.import_key(private_jwk)
    _signing_key[:] = [key]
    public = {**key.as_dict(private=False), "kid": "dummy", "alg": "RS256", "use": "sig"}  # moto's header kid
    CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps({"keys": [public]}).encode()
    for pool in _user_pools():
        pool.json_web_key = key
    original: Callable[..., Any] = _remember("sign_cognito_tokens", CognitoIdpUserPool, "__init__")
    if getattr(original, "patron_signed", False):
        return

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if _signing_key:
            self.json_web_key = _signing_key[0]

    __init__.patron_signed = True  # type: ignore[attr-defined]
    CognitoIdpUserPool.__init__ = __init__  # type: ignore[method-assign]


def _cognito_pools() -> dict[str, Any]:
    """moto's user pools of the local cloud's account and region, by id."""
    from moto.cognitoidp.models import cognitoidp_backends

    from patron_tools.local.template import ACCOUNT_ID, REGION

    pools: dict[str, Any] = cognitoidp_backends[ACCOUNT_ID][REGION].user_pools
    return pools


def _user_pools() -> list[Any]:
    return list(_cognito_pools().values())


def cognito_user_pool(pool_id: str) -> Any:
    """moto's user pool object: its app clients, users and signing key."""
    return _cognito_pools()[pool_id]


@dataclass(frozen=True)
class AppClient:
    client_id: str
    secret: str | None  # None for a public client
    config: dict[str, Any]  # its CreateUserPoolClient parameters (AllowedOAuthFlows, AllowedOAuthScopes, ...)


def cognito_app_clients(pool_id: str) -> dict[str, AppClient]:
    """A pool's app clients with their secrets (the API shows a secret, but the token endpoint needs it on
    every request, and a restart must keep it)."""
    return {
        client_id: AppClient(
            client_id, client.secret if client.generate_secret else None, client.extended_config
        )
        for client_id, client in cognito_user_pool(pool_id).clients.items()
    }


def restore_client_secret(pool_id: str, client_id: str, secret: str) -> bool:
    client = cognito_user_pool(pool_id).clients.get(client_id)
    if client is None:
        return False  # a client the template no longer has is gone
    client.secret = secret
    return True


def cognito_signing_key(pool_id: str) -> Any:
    return cognito_user_pool(pool_id).json_web_key


def cognito_users(pool_id: str) -> list[dict[str, Any]]:
    """Every user of a pool as `restore_cognito_user` takes it back: the API never returns a password, and a
    user made again through it would get a new `sub` (the principal privacy records name)."""
    return [
        {
            "username": user.username,
            "sub": user.id,
            "password": user.password,
            "status": str(getattr(user.status, "value", user.status)),
            "enabled": user.enabled,
            "attributes": [a for a in user.attributes if a["Name"] != "sub"],
            "groups": sorted(group.group_name for group in user.groups),
        }
        for user in cognito_user_pool(pool_id).users.values()
    ]


def restore_cognito_user(pool_id: str, record: dict[str, Any]) -> None:
    from moto.cognitoidp.models import CognitoIdpUser, UserStatus

    pool = cognito_user_pool(pool_id)
    # moto compares a status with its enum: a plain string made a temporary password permanent
    status = UserStatus(record["status"])
    user = CognitoIdpUser(pool_id, record["username"], record["password"], status, record["attributes"])
    user.id = record["sub"]
    user.update_attributes([{"Name": "sub", "Value": record["sub"]}])
    user.enabled = record["enabled"]
    pool.users[user.username] = user
    for name in record["groups"]:
        if name in pool.groups:
            pool.groups[name].users.add(user)
            user.groups.add(pool.groups[name])


def moto_server_app() -> tuple[Any, Any]:
    """moto's server as a WSGI application and its request handler (what `ThreadedMotoServer` serves),
    for the local cloud to serve behind `origins.LocalOnly`."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    return DomainDispatcherApplication(create_backend_app), MotoRequestHandler


# ---------------------------------------------------------------- internals the local cloud reads
def event_pattern(pattern: dict[str, Any] | str) -> Any:
    """moto's EventBridge pattern matcher (`.matches_event(event)`): prefix, numeric, exists, suffix,
    anything-but, equals-ignore-case, cidr, wildcard, `$or` — `TestEventPattern` itself is a stub."""
    from moto.events.models import EventPattern

    return EventPattern.load(pattern if isinstance(pattern, str) else json.dumps(pattern))


def render_input_template(template: str, paths: dict[str, str], event: dict[str, Any]) -> Any:
    """An InputTransformer's rendering by moto. Unlike EventBridge, moto 5.2.5 does not quote a string
    put in place of a bare placeholder (`{"id": <id>}`): write `"<id>"` in templates."""
    from moto.events.utils import EventTemplateParser

    return EventTemplateParser.parse(input_template=template, input_paths_map=paths, event=event)  # type: ignore[arg-type]


def queued_messages(queue_name: str) -> list[tuple[str, dict[str, Any]]]:
    """(body, message attributes) of every message of a queue, in flight or not: a message being
    retried is invisible to ReceiveMessage."""
    from moto.sqs.models import sqs_backends

    from patron_tools.local.template import ACCOUNT_ID, REGION

    queue = sqs_backends[ACCOUNT_ID][REGION].get_queue(queue_name)
    return [(message.body, message.message_attributes) for message in queue._messages]


def state_machine_executions() -> dict[str, list[Any]]:
    """moto's executions of every state machine, by state machine name, from the backend that runs
    them (Step Functions' parser backend). Each has `name`, `status`, `start_date`, `stop_date`,
    `execution_input` (text), `output` (a JSON value), `error`, `cause` and `to_history_output()`."""
    return {machine.name: list(machine.executions) for machine in _parser_backend().state_machines}


class _EndedWorker:
    """Stands in for moto's execution worker behind a restored execution: nothing runs, no task token
    or map run belongs to it, stopping it does nothing (moto's task-token and map-run calls walk every
    execution's worker)."""

    env = SimpleNamespace(
        callback_pool_manager=SimpleNamespace(notify=lambda **_: False, heartbeat=lambda **_: False),
        map_run_record_pool_manager=SimpleNamespace(get=lambda _arn: None, get_all=lambda: []),
    )

    def stop(self, **_: Any) -> None:
        return None


def restore_execution(state_machine_name: str, record: dict[str, Any]) -> bool:
    """Put back an ended execution into the state machine `state_machine_name` of moto's Step Functions
    backend, as `DescribeExecution`, `ListExecutions` and `GetExecutionHistory` answer it: `record`
    holds `name`, `status` (an ended one), `start_date` and `stop_date` (datetimes), `input` (text),
    `output` (a JSON value or None), `error`, `cause` and `events` (the history). False when the
    template no longer has that state machine."""
    from moto.stepfunctions.parser.api import ExecutionStatus, GetExecutionHistoryOutput
    from moto.stepfunctions.parser.backend.execution import Execution

    require_checked_moto()
    backend = _parser_backend()
    machine = next((m for m in backend.state_machines if m.name == state_machine_name), None)
    if machine is None:
        return False
    events = record["events"]

    class RestoredExecution(Execution):
        def to_history_output(self) -> GetExecutionHistoryOutput:
            return GetExecutionHistoryOutput(events=events)

    execution = RestoredExecution(
        name=record["name"],
        sm_type=machine.sm_type,
        role_arn=machine.roleArn,
        exec_arn=machine.arn.replace(":stateMachine:", ":execution:", 1) + ":" + record["name"],
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=machine,
        start_date=record["start_date"],
        cloud_watch_logging_session=None,
        activity_store={},
        input_data=record["input"],
    )
    execution.exec_worker = _EndedWorker()  # type: ignore[assignment]
    execution.exec_status = ExecutionStatus(record["status"])
    execution.stop_date = record["stop_date"]
    execution.output = record["output"]
    execution.error = record["error"]
    execution.cause = record["cause"]
    machine.executions.append(execution)
    return True


def _parser_backend() -> Any:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from patron_tools.local.template import ACCOUNT_ID, REGION

    return stepfunctions_parser_backends[ACCOUNT_ID][REGION]


_held: dict[str, threading.Event] = {}
_unheld = threading.local()
HOLD_SECONDS = 120.0  # longest a held request waits (the resources are created in well under a second)


def hold_services(services: Iterable[str], until: threading.Event) -> None:
    """Requests to `services` (moto's service names: "sns", "awslambda", ...), over HTTP or in-process,
    wait until `until` is set, except those of a thread inside `unheld()`. `patron dev` answers before
    it has created the resources no request of its own needs (alarms, topics, log groups, the functions'
    Lambda records); a call that reads one of them waits for it instead of missing it."""
    from moto.core.responses import BaseResponse

    for service in services:
        _held[service] = until
    original: Callable[..., Any] = _remember("hold_services", BaseResponse, "_dispatch")
    if getattr(original, "patron_held", False):
        return

    def _dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        until = _held.get(self.service_name)
        if until is not None and not until.is_set() and not getattr(_unheld, "active", False):
            until.wait(HOLD_SECONDS)
        return original(self, *args, **kwargs)

    _dispatch.patron_held = True  # type: ignore[attr-defined]
    BaseResponse._dispatch = _dispatch  # type: ignore[method-assign]


@contextmanager
def unheld() -> Iterator[None]:
    """The calls of this thread pass `hold_services`' wait: the thread creating the held resources."""
    _unheld.active = True
    try:
        yield
    finally:
        _unheld.active = False


def share_botocore_loader() -> None:
    """One botocore data loader for every botocore session of the process. Each `boto3.Session()`
    otherwise parses botocore's data files (endpoints.json and the service models) again: moto 5.2.5's
    EC2 module, which its Step Functions interpreter imports, makes three sessions at import time
    (`RegionsAndZonesBackend`), about half of that import (0.6 s of `patron dev`'s start on an idle
    machine). The loader only reads botocore's files, so sharing it changes no answer; sessions with
    another `data_path` still get a loader of their own."""
    import botocore.loaders
    import botocore.session

    require_checked_moto()
    if getattr(botocore.session.create_loader, "patron_shared", False):
        return
    shared = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)
    shared.patron_shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = shared


def apply_cognito() -> None:
    """The Cognito workarounds: `patron dev` applies them as it provisions the user pool, after it answers
    (importing moto's Cognito costs start-up time); `apply_all` applies them with the rest."""
    verify_srp()
    refuse_self_sign_up()


def apply_all(cognito: bool = True) -> None:
    from patron_tools.local.events import deliver

    require_checked_moto()
    share_botocore_loader()
    serialize_dynamodb_requests()
    name_executions()
    limit_execution_input()
    limit_put_events()

    page_execution_history()
    filter_log_streams_by_prefix()
    route_event_targets(deliver)
    verify_presigned_requests()
    if cognito:
        apply_cognito()
