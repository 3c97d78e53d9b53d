"""The committed OpenAPI documents are what the code generates (run `make openapi` after a change)."""

from __future__ import annotations

import json
import re

import pytest

from patron.identity import access
from patron_tools.local import openapi
from patron_tools.local.template import Template


@pytest.mark.parametrize("base_path", [api.base_path for api in Template().apis().values()])
def test_committed_document_matches_the_code(template: Template, base_path: str) -> None:
    committed = openapi.path_of(base_path).read_text()

    assert committed == openapi.render(openapi.document(template, base_path)), "run `make openapi`"


def test_every_api_has_a_committed_document(template: Template) -> None:
    for api in template.apis().values():
        assert openapi.path_of(api.base_path).exists(), api.base_path


def test_documents_describe_the_platform_error_contract(template: Template) -> None:
    doc = json.loads(openapi.render(openapi.document(template, "ids")))
    put = doc["paths"]["/customers/{id}"]["put"]

    assert set(put["responses"]) >= {"200", "201", "400", "403", "413", "415"}
    assert "422" not in put["responses"]
    assert doc["components"]["securitySchemes"]["api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }


@pytest.mark.parametrize("base_path", [api.base_path for api in Template().apis().values()])
def test_every_operation_asks_for_the_key_and_the_token_its_rule_names(
    template: Template, base_path: str
) -> None:
    doc = json.loads(openapi.path_of(base_path).read_text())
    operations = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]

    for path, method, operation in operations:
        rule = access.rule(base_path, method, path)
        assert rule is not None, (method, path)
        assert operation["security"] == [{"api_key": [], "bearer": []}] + [
            {"api_key": [], "client_credentials": [scope]} for scope in sorted(rule.scopes)
        ]
        assert operation["x-patron-roles"] == sorted(rule.groups)
        assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "GatewayError"
        )
    assert len(operations) == sum(1 for service, _, _ in access.ROUTES if service == base_path)
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_a_route_without_a_rule_fails_the_generation(
    template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(access.ROUTES, ("ids", "PUT", "/customers/{id}"))

    with pytest.raises(LookupError, match=re.escape("PUT /ids/customers/{id} has no rule")):
        openapi.document(template, "ids")


def _refs(node: object) -> list[str]:
    """Every `$ref` value in a JSON document."""
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if "$ref" in node else []
    return own + [ref for value in node.values() for ref in _refs(value)]


@pytest.mark.parametrize("base_path", [api.base_path for api in Template().apis().values()])
def test_every_reference_resolves(template: Template, base_path: str) -> None:
    # a dangling $ref makes client generators (openapi-typescript for the console) refuse the document
    doc = json.loads(openapi.render(openapi.document(template, base_path)))
    schemas = doc["components"]["schemas"]

    dangling = {ref for ref in _refs(doc) if ref.removeprefix("#/components/schemas/") not in schemas}

    assert dangling == set()
