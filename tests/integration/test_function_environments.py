"""Every function's template Environment has every resource setting its code path reads (SPEC: what
passes locally passes on AWS). Settings have no defaults for resource names (core.settings), so a
missing variable would fail on AWS at first use; this finds it before a deployment.

The code path of a function is walked statically: from its handler (a Step Functions task, a queue or
stream handler) or, for an API function, from the route function of its method and path, through every
Patron function it names (wiring builders, helpers, service functions), collecting `settings().NAME`."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from patron.core.settings import REQUIRED, Settings
from patron_tools.local.template import Function, Template

RESOURCE_SETTINGS = {name for name, field in Settings.model_fields.items() if field.default is REQUIRED}


def _patron_objects(function: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The Patron functions that `function`'s body names (`f`, `module.f`)."""
    namespace = function.__globals__
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        found: Any = None
        if isinstance(node, ast.Name):
            found = namespace.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = namespace.get(node.value.id)
            if isinstance(module, types.ModuleType):
                found = getattr(module, node.attr, None)
        found = inspect.unwrap(found) if callable(found) else None
        if inspect.isfunction(found) and found.__module__.startswith("patron."):
            yield found


def _settings_read(function: Callable[..., Any]) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "settings"
    }


def settings_reached(entry: Callable[..., Any]) -> set[str]:
    """Every Settings field read on the code path from `entry`."""
    seen: set[Callable[..., Any]] = set()
    pending = [inspect.unwrap(entry)]
    read: set[str] = set()
    while pending:
        function = pending.pop()
        if function in seen:
            continue
        seen.add(function)
        read |= _settings_read(function)
        pending.extend(_patron_objects(function))
    return read


def entry_point(function: Function) -> Callable[..., Any]:
    """The code a function runs: its handler, or its route's function for an API function."""
    module_name, name = function.handler.rsplit(".", 1)
    module = importlib.import_module(module_name)
    apis = [event["Properties"] for event in function.events.values() if event["Type"] == "Api"]
    if not apis:
        handler: Callable[..., Any] = getattr(module, name)
        return handler
    ((method, path),) = {(api["Method"].upper(), api["Path"]) for api in apis}
    powertools_path = path.replace("{", "<").replace("}", ">")
    routes = module.app._static_routes + module.app._dynamic_routes  # Powertools keeps them there
    (route,) = [r for r in routes if r.method == method and r.path == powertools_path]
    route_function: Callable[..., Any] = route.func
    return route_function


FUNCTIONS = {
    logical_id: function
    for logical_id, function in Template().functions().items()
    if function.handler.startswith("patron.")  # not the console's inline custom resource
}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_gets_every_resource_setting_its_code_reads(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]

    needed = settings_reached(entry_point(function)) & RESOURCE_SETTINGS

    assert needed <= set(function.environment), (
        f"{logical_id} lacks {sorted(needed - set(function.environment))}"
    )


@pytest.mark.parametrize(
    ("logical_id", "expected"),
    [
        ("PutCustomerIdFunction", {"CUSTOMER_IDS_TABLE"}),
        ("SubmitWorkflowFunction", {"CUSTOMERS_WORKFLOW_ARN"}),
        ("InsertIdFunction", {"CUSTOMER_IDS_TABLE"}),
        ("PublishCustomerCreatedFunction", {"EVENT_BUS_NAME"}),
        ("CreateEnrollmentFunction", {"AGE_GROUPS_TABLE", "ENROLLMENTS_TABLE", "IDEMPOTENCY_TABLE"}),
        ("EnrollmentProcessorFunction", {"ENROLLMENTS_TABLE"}),
        (
            "StoreMarketingInterestsFunction",
            {
                "MARKETING_BATCHES_BUCKET",
                "MARKETING_INTERESTS_TABLE",
                "PRIVACY_ERASURES_TABLE",
                "PRIVACY_HASH_KEY_SECRET",
            },
        ),
    ],
)
def test_the_walk_finds_what_a_function_reads(logical_id: str, expected: set[str]) -> None:
    assert settings_reached(entry_point(FUNCTIONS[logical_id])) & RESOURCE_SETTINGS == expected
