"""Canaries for core.api's use of Powertools internals: each fails when its reason to exist is gone (the
pin moved, an internal moved, or upstream fixed the bug), so "still needed" is a fact, not a hope."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    _is_or_contains_sequence,
)
from pydantic import BaseModel
from tests.events import api_event

from patron.core.api import CHECKED_POWERTOOLS_VERSION


class Thing(BaseModel):
    name: str


def test_the_installed_powertools_is_the_checked_one() -> None:
    assert version("aws-lambda-powertools") == CHECKED_POWERTOOLS_VERSION, (
        "re-check core.api's _StrictBodyValidation (and these canaries) before moving the pin"
    )


def test_the_internals_core_api_uses_are_where_it_expects_them() -> None:
    resolver = APIGatewayRestResolver(enable_validation=True)

    assert isinstance(resolver._request_validation_middleware, OpenAPIRequestValidationMiddleware)
    assert _is_or_contains_sequence(list[Thing]) is True
    assert _is_or_contains_sequence(Thing) is False


def test_plain_powertools_still_takes_a_one_element_array_as_its_object(lambda_context: Any) -> None:
    # the bug _StrictBodyValidation exists for: when this fails, Powertools fixed it; drop the workaround
    app = APIGatewayRestResolver(enable_validation=True)

    @app.post("/things")
    def post_thing(thing: Thing) -> dict[str, str]:
        return {"name": thing.name}

    response = app.resolve(api_event("POST", "/things", body=[{"name": "x"}]), lambda_context)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"name": "x"}
