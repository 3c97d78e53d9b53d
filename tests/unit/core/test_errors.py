"""Validation messages in plain words (SPEC §1): no patterns, no "Value error,", no Python type names."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from patron.core import errors
from patron.core.errors import plain_message


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "ab"
    count: Annotated[int, Field(strict=True, ge=1, le=9)] = 1
    kind: Literal["a", "b"] = "a"
    nested: dict[str, Any] = Field(default_factory=dict)
    words: Annotated[list[str], Field(max_length=2)] = Field(default_factory=list)
    even: int = 2

    @field_validator("even")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("must be even")
        return value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "ABC"}, "has characters or a format that is not allowed"),
        ({"count": "3"}, "must be an integer"),
        ({"count": 0}, "must be at least 1"),
        ({"count": 10}, "must be at most 9"),
        ({"kind": "c"}, "must be one of 'a' or 'b'"),
        ({"nested": [1]}, "must be a JSON object"),
        ({"words": "x"}, "must be a JSON array"),
        ({"words": ["a", "b", "c"]}, "must have at most 2 items"),
        ({"even": 3}, "must be even"),
        ({"other": 1}, "is not a field of this request"),
    ],
)
def test_each_error_reads_as_a_plain_phrase(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Sample.model_validate(data)

    assert [plain_message(error) for error in raised.value.errors()] == [message]


@pytest.mark.parametrize(
    ("cause", "shown"),
    [
        (
            json.dumps(
                {
                    "errorMessage": "the input must be a JSON array of records",
                    "errorType": "InvalidBatch",
                    "requestId": "r-1",
                    "stackTrace": ['  File "/var/task/patron/marketing/steps.py", line 160, in _records\n'],
                }
            ),
            "InvalidBatch: the input must be a JSON array of records",
        ),
        (json.dumps({"errorMessage": "no type"}), "no type"),
        ("A service's part of the request failed.", "A service's part of the request failed."),
        ('{"not": "a lambda error"}', '{"not": "a lambda error"}'),
        (None, None),
    ],
    ids=["lambda error", "message only", "fail state", "other json", "none"],
)
def test_an_execution_cause_never_shows_a_stack_trace(cause: str | None, shown: str | None) -> None:
    assert errors.execution_cause(cause) == shown
