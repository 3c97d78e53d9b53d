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


def _valid_email(value: str) -> str:
    local_part, at, _ = value.rpartition("@")
    if not at or not re.fullmatch(EMAIL_PATTERN, value):
        raise PydanticCustomError("invalid_email", "is not a valid e-mail address")
    if len(local_part) > 64:
        raise PydanticCustomError("invalid_email", "the part before @ is longer than 64 characters")
    return value


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(_valid_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


def normalize_email(email: str) -> str:
    """E-mails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()
