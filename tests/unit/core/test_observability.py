"""Errors escaping a handler keep their name (what Step Functions' Retry and Catch match) and lose any
personal data in their message."""

from __future__ import annotations

from typing import Any

import pytest

from patron.core.observability import masked_errors


class TransientError(Exception):
    pass


def failing(error: Exception) -> Any:
    @masked_errors
    def handler(event: Any, context: Any) -> Any:
        raise error

    return handler


def test_an_error_with_personal_data_leaves_masked_under_its_own_name() -> None:
    with pytest.raises(Exception, match=r"^record of <email> born <date> is invalid$") as raised:
        failing(ValueError("record of jane@example.com born 1990-05-17 is invalid"))({}, None)

    assert type(raised.value).__name__ == "ValueError"
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__  # the original, unmasked, is not chained


def test_an_error_without_personal_data_is_the_original() -> None:
    error = TransientError("DynamoDB throttled the request")

    with pytest.raises(TransientError) as raised:
        failing(error)({}, None)

    assert raised.value is error


def test_a_handler_that_succeeds_returns_its_result() -> None:
    assert masked_errors(lambda event, context: {"id": event["id"]})({"id": "a"}, None) == {"id": "a"}
