"""Models of the ids service (SPEC §1.1)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,128}$"

CustomerId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]


class IdRegistration(BaseModel):
    id: str
    exists: bool = True
    created: bool


class IdLookup(BaseModel):
    id: str
    exists: bool


class IdDeletion(BaseModel):
    id: str
    deleted: bool
