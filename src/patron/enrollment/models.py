"""Models of the enrollment service (SPEC §1.3)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

MAX_AGE = 150
CPF_PATTERN = re.compile(r"[0-9]{11}")

# integers only: strict mode refuses booleans, strings and floats
Age = Annotated[int, Field(strict=True, ge=0, le=MAX_AGE)]


def normalize_cpf(value: str) -> str:
    """11 digits; the usual '.' and '-' separators are allowed and stripped."""
    digits = value.replace(".", "").replace("-", "")
    if not CPF_PATTERN.fullmatch(digits):
        raise ValueError("must be 11 digits ('.' and '-' separators are allowed)")
    return digits


Cpf = Annotated[str, Field(strict=True, max_length=20), AfterValidator(normalize_cpf)]
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200)]


class AgeGroupInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_age: Age
    max_age: Age

    @field_validator("max_age")
    @classmethod
    def _not_below_min_age(cls, max_age: int, info: ValidationInfo) -> int:
        min_age = info.data.get("min_age")
        if min_age is not None and max_age < min_age:
            raise ValueError("must be greater than or equal to min_age")
        return max_age


class AgeGroup(BaseModel):
    id: str
    min_age: int
    max_age: int

    def contains(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age


class Deleted(BaseModel):
    id: str
    message: str


class EnrollmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    age: Age
    cpf: Cpf


class Status(StrEnum):
    PENDING = "PENDING"
    PROCESSED = "PROCESSED"


class EnrollmentAccepted(BaseModel):
    enrollment_id: str
    status: Status = Status.PENDING


class Enrollment(BaseModel):
    """An enrollment as stored and returned. Items written by the original system (brief 004) or by
    another tool may lack `created_at`: it reads as null rather than failing the read or the processor;
    unknown attributes are ignored. An erased person's enrollment (SPEC §1.6) keeps its id, age, status
    and dates; its name and CPF are gone (null)."""

    enrollment_id: str
    name: str | None = None
    age: int
    cpf: str | None = None
    status: Status
    created_at: str | None = Field(default=None, description="null for items written without it")
    processed_at: str | None = None


class ProcessingRequest(BaseModel):
    """The body of an EnrollmentQueue message."""

    enrollment_id: str = Field(min_length=1, max_length=128)
