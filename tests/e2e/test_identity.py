"""SPEC §1.7 against a running `patron dev`: every route and every kind of caller, with API Gateway's
answers. A route that answers without a valid access token, or to a role its rule does not name, fails
here; so does a rule the gateway does not enforce. Tokens the pool never issued are minted with the state
directory's signing key (another pool's, an expired one) or with a key of the test's own."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from tests.devserver import DevServer

from patron.identity import access
from patron_tools.local.template import Template

pytestmark = [pytest.mark.e2e, pytest.mark.local_only]

UNAUTHORIZED = {"message": "Unauthorized"}
PASSWORD = "Matrix-password-1"
ROUTES = sorted(access.ROUTES)


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    groups: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    valid: bool = True  # a token of this pool the authorizer accepts

    def headers(self, dev: DevServer) -> dict[str, str]:
        return {"x-api-key": dev.api_key} | ({"Authorization": f"Bearer {self.token}"} if self.token else {})


def mint(dev: DevServer, key: Any = None, **changes: Any) -> str:
    """A token shaped like the pool's access tokens, signed with `key` (default: the pool's own)."""
    signing = key or RSAKey.import_key(json.loads((dev.state_dir / "cognito-signing-key.json").read_text()))
    pool = dev.config()["auth"]["userPoolId"]
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool}",
        "sub": str(uuid.uuid4()),
        "client_id": dev.config()["auth"]["clientId"],
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "username": "forged",
        "cognito:groups": ["admin"],
        "iat": now,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
    } | changes
    return str(jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, signing))


def machine_client(dev: DevServer, scopes: list[str]) -> str:
    """A client-credentials client with `scopes`, made on the local pool, and a token of it."""
    pool = dev.config()["auth"]["userPoolId"]
    created = dev.aws("cognito-idp").create_user_pool_client(
        UserPoolId=pool,
        ClientName=f"matrix-{uuid.uuid4().hex[:8]}",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=scopes,
    )["UserPoolClient"]
    response = requests.post(
        f"{dev.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(created["ClientId"], created["ClientSecret"]),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def callers(dev: DevServer) -> dict[str, Caller]:
    run = uuid.uuid4().hex[:6]
    admin = dev.headers["Authorization"].removeprefix("Bearer ")
    signature_broken = admin[:-6] + ("AAAAAA" if not admin.endswith("AAAAAA") else "BBBBBB")
    auth = dev.config()["auth"]
    id_token = dev.aws("cognito-idp").initiate_auth(
        ClientId=auth["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": dev.admin_password},
    )["AuthenticationResult"]["IdToken"]
    invalid = [
        Caller("no token", None, valid=False),
        Caller("malformed", "not.a.token", valid=False),
        Caller("broken signature", signature_broken, valid=False),
        Caller("another key", mint(dev, key=RSAKey.generate_key(2048, private=True)), valid=False),
        Caller(
            "another pool",
            mint(dev, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"),
            valid=False,
        ),
        Caller("expired", mint(dev, exp=int(time.time()) - 60, iat=int(time.time()) - 3660), valid=False),
        Caller("id token", id_token, valid=False),
    ]
    users = [
        Caller(
            f"user in {group or 'no group'}",
            dev.add_user(f"{group or 'none'}-{run}", PASSWORD, *([group] if group else [])),
            groups=frozenset([group] if group else []),
        )
        for group in ("viewer", "operator", "privacy", "admin", "")
    ]
    return {caller.name: caller for caller in invalid + users}


def expected(rule: access.Rule, caller: Caller) -> tuple[int | None, dict[str, str] | None]:
    """(status, body) the gateway answers before the function, or (None, None): the function answers."""
    if not caller.valid:
        return 401, UNAUTHORIZED
    principal = access.Principal(
        sub="s", client_id="c", username="u", groups=caller.groups, scopes=caller.scopes
    )
    if not rule.allows(principal):
        return 403, {"message": rule.requirement()}
    return None, None


def call(dev: DevServer, route: tuple[str, str, str], headers: dict[str, str]) -> requests.Response:
    """The route with a body that is not JSON: a caller the gateway lets through reaches the function,
    which answers 415 and changes nothing (no seeded customers, no ids, for the tests after this one)."""
    service, method, resource = route
    path = resource.replace("{", "matrix-").replace("}", "")  # /customers/{id} → /customers/matrix-id
    return requests.request(
        method,
        f"{dev.url}/{service}{path}",
        headers=headers | {"Content-Type": "text/plain"},
        data="not json",
        timeout=30,
    )


def judge(dev: DevServer, route: tuple[str, str, str], caller: Caller, rule: access.Rule) -> str | None:
    response = call(dev, route, caller.headers(dev))
    status, body = expected(rule, caller)
    api_cors = response.headers.get("Access-Control-Allow-Origin") == "*"
    if status is None:  # let through: the function itself answered (its 415, with Patron's error body)
        if (
            response.status_code != 415
            or response.json().get("error", {}).get("code") != "unsupported_media_type"
        ):
            return (
                f"{caller.name}: {response.status_code} {response.text[:120]} (expected the function's 415)"
            )
        return None
    if response.status_code != status or response.json() != body or not api_cors:
        return f"{caller.name}: {response.status_code} {response.text[:120]} (expected {status} {body}, CORS)"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=[" ".join(route) for route in ROUTES])
def test_every_route_answers_each_caller_as_its_rule_says(
    dev: DevServer, callers: dict[str, Caller], route: tuple[str, str, str]
) -> None:
    rule = access.ROUTES[route]
    (own,) = rule.scopes
    others = [scope for scope in access.scopes() if scope != own]
    clients = [
        Caller("client with the route's scope", machine_client(dev, [own]), scopes=frozenset([own])),
        Caller("client without it", machine_client(dev, others), scopes=frozenset(others)),
    ]

    problems = [
        problem for caller in [*callers.values(), *clients] if (problem := judge(dev, route, caller, rule))
    ]

    assert problems == []


def test_the_matrix_covers_every_route_of_the_template(template: Template) -> None:
    apis = template.apis()
    served = {(apis[r.api].stage_variables["service"], r.method, r.path) for r in template.routes()}

    assert set(ROUTES) == served


def test_the_handler_sees_who_calls_and_the_privacy_record_keeps_it(
    dev: DevServer, callers: dict[str, Caller]
) -> None:
    officer = callers["user in privacy"]
    submitted = requests.post(
        f"{dev.url}/privacy/requests",
        headers=officer.headers(dev),
        json={"type": "export", "id": "nobody-1"},
        timeout=30,
    )
    assert submitted.status_code == 202, submitted.text

    record = dev.get_json(f"/privacy/requests/{submitted.json()['request_id']}")

    assert record["requested_by"]["kind"] == "user"
    assert record["requested_by"]["username"].startswith("privacy-")
    assert len(record["requested_by"]["sub"]) >= 32  # the user's sub, never the token


def test_a_refusal_says_what_the_route_needs_with_cors(dev: DevServer, callers: dict[str, Caller]) -> None:
    response = requests.put(
        f"{dev.url}/ids/customers/viewer-try", headers=callers["user in viewer"].headers(dev), timeout=10
    )

    assert response.status_code == 403
    assert response.json() == {
        "message": "This route needs the role admin or operator, or a client with the scope patron/ids.write."
    }
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE,GET,POST,PUT,OPTIONS"


def test_a_valid_token_without_the_key_is_still_forbidden(dev: DevServer) -> None:
    response = requests.get(
        f"{dev.url}/ids/customers/no-key", headers={"Authorization": dev.headers["Authorization"]}, timeout=10
    )

    assert (response.status_code, response.json()) == (403, {"message": "Forbidden"})


def test_a_preflight_needs_no_token(dev: DevServer) -> None:
    response = requests.options(
        f"{dev.url}/privacy/requests",
        headers={"Origin": "http://example.test", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert response.status_code in (200, 204)
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_the_token_endpoint_takes_a_post_only(dev: DevServer) -> None:
    response = requests.get(f"{dev.url}/oauth2/token", timeout=10)

    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert response.json()["error"] == "invalid_request"


def test_the_token_endpoint_refuses_a_wrong_secret(dev: DevServer) -> None:
    response = requests.post(
        f"{dev.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=("nobody", "nothing"),
        timeout=10,
    )

    assert (response.status_code, response.json()["error"]) == (400, "invalid_client")


def run_cli(dev: DevServer, *args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "patron_tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_patron_token_and_users_drive_the_local_pool(dev: DevServer) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    local = ["--url", dev.url]

    added = run_cli(dev, "users", "add", name, "--group", "viewer", "--password", PASSWORD, *local)
    listed = run_cli(dev, "users", "list", *local)
    token = run_cli(dev, "token", "--console-url", dev.url, "--username", name, "--password", PASSWORD)
    admin = run_cli(dev, "token", "--console-url", dev.url, "--state-dir", str(dev.state_dir))
    removed = run_cli(dev, "users", "remove", name, *local)
    refused = run_cli(dev, "token", "--console-url", dev.url, "--username", name, "--password", PASSWORD)

    assert added.returncode == 0, added.stderr
    assert any(
        line.split()[0] == name and line.split()[-1] == "viewer" for line in listed.stdout.splitlines()
    )
    read = requests.get(
        f"{dev.url}/ids/customers/cli-x",
        headers={"x-api-key": dev.api_key, "Authorization": f"Bearer {token.stdout.strip()}"},
        timeout=10,
    )
    assert read.status_code == 200, read.text
    assert admin.returncode == 0
    assert admin.stdout.count(".") == 2  # a JWT
    assert removed.returncode == 0
    assert refused.returncode == 1
    assert "incorrect username or password" in refused.stderr


def test_a_temporary_user_is_told_to_choose_a_password_first(dev: DevServer) -> None:
    name = f"temp-{uuid.uuid4().hex[:6]}"

    added = run_cli(dev, "users", "add", name, "--group", "operator", "--url", dev.url)
    temporary = added.stdout.split("temporary password: ")[1].split()[0]
    token = run_cli(dev, "token", "--console-url", dev.url, "--username", name, "--password", temporary)

    assert token.returncode == 1
    assert "NEW_PASSWORD_REQUIRED" in token.stderr


def test_a_password_the_pool_refuses_leaves_no_user_behind(dev: DevServer) -> None:
    name = f"weak-{uuid.uuid4().hex[:6]}"

    refused = run_cli(dev, "users", "add", name, "--group", "viewer", "--password", "short", "--url", dev.url)
    listed = run_cli(dev, "users", "list", "--url", dev.url)

    assert refused.returncode == 1
    assert "InvalidPasswordException" in refused.stderr
    assert name not in listed.stdout
