"""Enrollment input validation, table-driven (SPEC §1.3)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from patron.enrollment.models import AgeGroupInput, EnrollmentInput
from patron.enrollment.service import cpf_check_digits_hold

VALID = {"name": "John Doe", "age": 22, "cpf": "12345678900"}


@pytest.mark.parametrize(("min_age", "max_age"), [(0, 0), (18, 25), (0, 150), (150, 150), (30, 31)])
def test_age_groups_within_bounds_are_valid(min_age: int, max_age: int) -> None:
    group = AgeGroupInput.model_validate({"min_age": min_age, "max_age": max_age})

    assert (group.min_age, group.max_age) == (min_age, max_age)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_age": True, "max_age": 25}, "min_age"),  # booleans are not integers here
        ({"min_age": 18, "max_age": False}, "max_age"),
        ({"min_age": "18", "max_age": 25}, "min_age"),  # nor are strings
        ({"min_age": 18.0, "max_age": 25}, "min_age"),  # nor floats
        ({"min_age": None, "max_age": 25}, "min_age"),
        ({"min_age": -1, "max_age": 25}, "min_age"),
        ({"min_age": 18, "max_age": 151}, "max_age"),
        ({"min_age": 26, "max_age": 25}, "max_age"),  # min_age > max_age
        ({"max_age": 25}, "min_age"),
        ({"min_age": 18}, "max_age"),
        ({"min_age": 18, "max_age": 25, "label": "adults"}, "label"),
    ],
)
def test_invalid_age_groups_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AgeGroupInput.model_validate(body)

    assert [error["loc"][0] for error in raised.value.errors()] == [field]


@pytest.mark.parametrize(
    ("cpf", "stored"),
    [
        ("12345678900", "12345678900"),
        ("123.456.789-00", "12345678900"),
        ("529.982.247-25", "52998224725"),
        ("123456789-00", "12345678900"),
    ],
)
def test_cpf_separators_are_stripped(cpf: str, stored: str) -> None:
    assert EnrollmentInput.model_validate({**VALID, "cpf": cpf}).cpf == stored


def test_name_is_trimmed() -> None:
    assert EnrollmentInput.model_validate({**VALID, "name": "  Ana  "}).name == "Ana"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cpf": "1234567890"}, "cpf"),  # 10 digits
        ({"cpf": "123456789000"}, "cpf"),  # 12 digits
        ({"cpf": "1234567890a"}, "cpf"),
        ({"cpf": "123 456 789 00"}, "cpf"),  # only '.' and '-' are separators
        ({"cpf": "١٢٣٤٥٦٧٨٩٠٠"}, "cpf"),  # non-ASCII digits
        ({"cpf": 12345678900}, "cpf"),  # a JSON number is not a CPF string
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 7}, "name"),
        ({"age": True}, "age"),
        ({"age": "22"}, "age"),
        ({"age": 22.5}, "age"),
        ({"age": -1}, "age"),
        ({"age": 151}, "age"),
        ({"email": "a@b.c"}, "email"),
    ],
)
def test_invalid_enrollments_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        EnrollmentInput.model_validate({**VALID, **change})

    assert [error["loc"][0] for error in raised.value.errors()] == [field]


@pytest.mark.parametrize(
    ("cpf", "valid"),
    [
        ("52998224725", True),
        ("11144477735", True),
        ("12345678909", True),
        ("12345678900", False),  # the brief's example: accepted only by the default `format` check
        ("52998224724", False),
        ("11111111111", False),  # repeated digits pass mod 11 but are not CPFs
        ("00000000000", False),
    ],
)
def test_cpf_check_digits(cpf: str, valid: bool) -> None:
    assert cpf_check_digits_hold(cpf) is valid
