"""The one declaration of who may do what (src/patron/identity/access.py) against the template: every
route has a rule and every rule a route, the pool's groups and resource-server scopes are the table's."""

from __future__ import annotations

import pytest

from patron.identity import access
from patron.identity.access import Principal
from patron_tools.local.template import Template


def template_routes(template: Template) -> set[tuple[str, str, str]]:
    apis = template.apis()
    return {
        (apis[route.api].stage_variables["service"], route.method, route.path) for route in template.routes()
    }


def test_every_route_of_the_template_has_a_rule_and_every_rule_a_route(template: Template) -> None:
    routes = template_routes(template)

    assert routes - set(access.ROUTES) == set(), "routes without a rule"
    assert set(access.ROUTES) - routes == set(), "rules without a route"


def test_each_api_names_its_service_in_a_stage_variable_and_has_the_authorizer(template: Template) -> None:
    for logical_id, api in template.apis().items():
        assert api.stage_variables["service"] == api.base_path, logical_id
        assert api.authorizer is not None, logical_id
        assert api.authorizer.function == "AuthorizerFunction"
        # cached per token and route: a cached answer is only ever reused for the same route
        assert set(api.authorizer.context) == {"httpMethod", "resourcePath"}
        assert api.authorizer.headers == ("Authorization",)


def test_the_pool_has_the_groups_and_scopes_of_the_table(template: Template) -> None:
    groups = {template.properties(g)["GroupName"] for g in template.of_type("AWS::Cognito::UserPoolGroup")}
    (server,) = template.of_type("AWS::Cognito::UserPoolResourceServer")
    properties = template.properties(server)
    scopes = [f"{properties['Identifier']}/{scope['ScopeName']}" for scope in properties["Scopes"]]

    assert groups == set(access.GROUPS)
    assert all(group.isalnum() for group in groups)  # API Gateway's Cognito guide asks for it
    assert sorted(scopes) == access.scopes()
    assert properties["Identifier"] == access.RESOURCE_SERVER


def user(*groups: str) -> Principal:
    return Principal(sub="s", client_id="c", username="u", groups=frozenset(groups))


def client(*scopes: str) -> Principal:
    return Principal(sub="c", client_id="c", scopes=frozenset(scopes))


@pytest.mark.parametrize(
    ("service", "method", "resource", "principal", "allowed"),
    [
        ("ids", "GET", "/customers/{id}", user("viewer"), True),
        ("ids", "PUT", "/customers/{id}", user("viewer"), False),
        ("ids", "PUT", "/customers/{id}", user("operator"), True),
        ("crm", "POST", "/seed", user("operator"), True),
        ("marketing", "POST", "/uploads", user("viewer"), False),
        ("privacy", "POST", "/requests", user("operator"), False),
        ("privacy", "GET", "/requests/{request_id}", user("viewer"), False),
        ("privacy", "POST", "/requests", user("privacy"), True),
        ("crm", "GET", "/customers", user("privacy"), False),
        ("crm", "DELETE", "/customers/{customer_id}", user("admin"), True),
        ("privacy", "POST", "/requests", user("admin"), True),
        ("ids", "GET", "/customers/{id}", user(), False),  # a user in no group may do nothing
        ("ids", "GET", "/customers/{id}", client("patron/ids.read"), True),
        ("ids", "PUT", "/customers/{id}", client("patron/ids.read"), False),
        ("crm", "GET", "/customers", client("patron/ids.read"), False),
        ("marketing", "POST", "/preferences", client("patron/marketing.write"), True),
        ("privacy", "POST", "/requests", client("patron/privacy.request"), True),
        ("privacy", "POST", "/requests", client("patron/marketing.write"), False),
        ("ids", "GET", "/customers/{id}", client(), False),
    ],
)
def test_who_may_call_what(
    service: str, method: str, resource: str, principal: Principal, allowed: bool
) -> None:
    rule = access.rule(service, method, resource)

    assert rule is not None
    assert rule.allows(principal) is allowed


def test_every_read_is_a_viewers_and_every_write_an_operators_outside_privacy() -> None:
    for (service, method, _), rule in access.ROUTES.items():
        if service == "privacy":
            assert rule.groups == {"privacy", "admin"}
            assert rule.scopes == {"patron/privacy.request"}
        elif method == "GET":
            assert rule.groups == {"viewer", "operator", "admin"}
            assert rule.scopes == {f"patron/{service}.read"}
        else:
            assert rule.groups == {"operator", "admin"}
            assert rule.scopes == {f"patron/{service}.write"}


def test_a_refusal_names_the_roles_and_scopes_without_quotes() -> None:
    message = access.write("crm").requirement()

    assert (
        message == "This route needs the role admin or operator, or a client with the scope patron/crm.write."
    )
    assert '"' not in message  # the gateway response template puts it in a JSON string as it is


def test_the_principal_travels_through_the_authorizer_context() -> None:
    principal = Principal(
        sub="s-1", client_id="c-1", username="ana", groups=frozenset({"viewer", "operator"})
    )

    assert access.from_context(access.context(principal)) == principal
    assert access.from_context(access.context(client("patron/ids.read"))) == client("patron/ids.read")
    assert access.from_context(None) is None
