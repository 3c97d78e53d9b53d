"""Every route fuzzed from its committed OpenAPI document against a real `patron dev`: no 5xx, and
every response conforms to its documented status codes, content type and schema. Bounded examples
per operation keep it to a couple of minutes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.devserver import DevServer

from patron_tools.local import openapi

pytestmark = pytest.mark.e2e

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


APIS = ("ids", "crm", "enrollment", "marketing", "privacy")


def operations() -> list[Any]:
    """Every operation of every committed document (collected without a server: the base URL is given
    per call)."""
    found = []
    for name in APIS:
        schema = schemathesis.openapi.from_dict(json.loads(openapi.path_of(name).read_text()))
        for result in schema.get_all_operations():
            operation = result.ok()
            found.append(pytest.param(name, operation, id=f"{name} {operation.label}"))
    return found


@pytest.mark.parametrize(("api", "operation"), operations())
def test_operation_conforms_and_never_answers_5xx(api: str, operation: Any, dev: DevServer) -> None:
    @given(case=operation.as_strategy())
    @EXAMPLES
    def call(case: Any) -> None:
        case.call_and_validate(base_url=f"{dev.url}/{api}", headers=dev.headers, checks=CHECKS)

    call()
