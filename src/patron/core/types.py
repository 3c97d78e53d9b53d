"""Field types shared by several services."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

EMAIL_PATTERN = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,63}$"
)
_EMAIL = re.compile(EMAIL_PATTERN)
_EMAIL_SCHEMA = WithJsonSchema(
    {"type": "string", "format": "email", "maxLength": 254, "pattern": EMAIL_PATTERN}
)


def _valid_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):  # the whole value: `$` alone also matches before a final newline
        raise PydanticCustomError("invalid_value", "is not a valid e-mail address")
    if len(value.rpartition("@")[0]) > 64:
        raise PydanticCustomError("invalid_value", "has a part before @ longer than 64 characters")
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_valid_email), _EMAIL_SCHEMA]
# an e-mail typed by a person or exported from a spreadsheet: blanks around it are dropped first
TrimmedEmail = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_valid_email), _EMAIL_SCHEMA
]


def normalize_email(email: str) -> str:
    """The comparison key of an e-mail: case-insensitive, without surrounding blanks."""
    return email.strip().lower()
