"""Who may call which route: the one declaration (SPEC §1.7). The authorizer's decision
(`identity.handlers`), the OpenAPI documents' security requirements (`patron openapi`), the user
pool's resource-server scopes in template.yaml and the console's role checks all follow from it;
tests/unit/identity/test_access.py fails when a template route has no rule or a rule no route."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GROUPS = ("admin", "operator", "viewer", "privacy")  # Cognito groups: alphanumeric, as API Gateway asks
RESOURCE_SERVER = "patron"  # the user pool's resource server: scopes are "patron/<service>.<access>"


@dataclass(frozen=True)
class Principal:
    """Who calls: a user (their `sub` and username, roles from their groups) or a machine client
    (client-credentials grant: `sub` is the client id, its rights are its scopes)."""

    sub: str
    client_id: str
    username: str | None = None
    groups: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()

    def describe(self) -> str:
        """How logs and privacy records name it (never the token)."""
        if self.username is not None:
            return f"user {self.username} ({self.sub})"
        return f"client {self.client_id}"


@dataclass(frozen=True)
class Rule:
    """A route may be called by a user in one of `groups` or a client holding one of `scopes`."""

    groups: frozenset[str]
    scopes: frozenset[str]

    def allows(self, principal: Principal) -> bool:
        return bool(principal.groups & self.groups or principal.scopes & self.scopes)

    def requirement(self) -> str:
        """The sentence of a 403: what the route needs (no quotes: API Gateway's response template
        puts it inside a JSON string as it is)."""
        groups = " or ".join(sorted(self.groups))
        scopes = " or ".join(sorted(self.scopes))
        return f"This route needs the role {groups}, or a client with the scope {scopes}."


def read(service: str) -> Rule:
    return Rule(frozenset({"viewer", "operator", "admin"}), frozenset({f"{RESOURCE_SERVER}/{service}.read"}))


def write(service: str) -> Rule:
    return Rule(frozenset({"operator", "admin"}), frozenset({f"{RESOURCE_SERVER}/{service}.write"}))


PRIVACY_REQUEST = Rule(frozenset({"privacy", "admin"}), frozenset({f"{RESOURCE_SERVER}/privacy.request"}))

# (API, method, API Gateway resource path) → who may. The API is its base path (/ids, /crm, ...), which
# is also the `service` stage variable of its stage in template.yaml.
ROUTES: dict[tuple[str, str, str], Rule] = {
    ("ids", "GET", "/customers/{id}"): read("ids"),
    ("ids", "PUT", "/customers/{id}"): write("ids"),
    ("ids", "DELETE", "/customers/{id}"): write("ids"),
    ("ids", "POST", "/workflow/submit"): write("ids"),
    ("ids", "GET", "/workflow/executions/{executionName}"): read("ids"),
    ("crm", "GET", "/customers"): read("crm"),
    ("crm", "POST", "/customers"): write("crm"),
    ("crm", "GET", "/customers/{customer_id}"): read("crm"),
    ("crm", "PUT", "/customers/{customer_id}"): write("crm"),
    ("crm", "PATCH", "/customers/{customer_id}"): write("crm"),
    ("crm", "DELETE", "/customers/{customer_id}"): write("crm"),
    ("crm", "POST", "/seed"): write("crm"),
    ("enrollment", "GET", "/age-groups"): read("enrollment"),
    ("enrollment", "POST", "/age-groups"): write("enrollment"),
    ("enrollment", "DELETE", "/age-groups/{id}"): write("enrollment"),
    ("enrollment", "POST", "/enrollments"): write("enrollment"),
    ("enrollment", "GET", "/enrollments/{id}"): read("enrollment"),
    ("marketing", "POST", "/preferences"): write("marketing"),
    ("marketing", "GET", "/preferences/{email}"): read("marketing"),
    ("marketing", "POST", "/executions"): write("marketing"),
    ("marketing", "GET", "/executions/{name}"): read("marketing"),
    ("marketing", "POST", "/uploads"): write("marketing"),
    ("privacy", "POST", "/requests"): PRIVACY_REQUEST,
    ("privacy", "GET", "/requests/{request_id}"): PRIVACY_REQUEST,
}


def rule(api: str, method: str, resource: str) -> Rule | None:
    return ROUTES.get((api, method.upper(), resource))


def scopes(rules: Iterable[Rule] | None = None) -> list[str]:
    """Every scope the rules name, sorted: the resource server's scopes in template.yaml."""
    return sorted(
        {scope for each in (rules if rules is not None else ROUTES.values()) for scope in each.scopes}
    )


def context(principal: Principal) -> dict[str, str]:
    """The principal as a Lambda authorizer's `context` (string values only), which API Gateway hands
    the function in `requestContext.authorizer`."""
    values = {
        "sub": principal.sub,
        "clientId": principal.client_id,
        "groups": " ".join(sorted(principal.groups)),
        "scopes": " ".join(sorted(principal.scopes)),
    }
    if principal.username is not None:
        values["username"] = principal.username
    return values


def from_context(authorizer: dict[str, object] | None) -> Principal | None:
    """The principal of a request, from `requestContext.authorizer`; None when no authorizer ran."""
    if not authorizer or not authorizer.get("sub"):
        return None
    username = authorizer.get("username")
    return Principal(
        sub=str(authorizer["sub"]),
        client_id=str(authorizer.get("clientId", "")),
        username=str(username) if username is not None else None,
        groups=frozenset(str(authorizer.get("groups", "")).split()),
        scopes=frozenset(str(authorizer.get("scopes", "")).split()),
    )
