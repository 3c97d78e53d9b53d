"""Models of the marketing service (SPEC §1.4)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints

from patron.core.types import TrimmedEmail

Interest = Annotated[StrictStr, StringConstraints(min_length=1)]


class MarketingRecord(BaseModel):
    """One customer's choice. Extra fields are ignored (SPEC §1.4)."""

    model_config = ConfigDict(extra="ignore")

    Name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
    Email: TrimmedEmail
    MarketingOptIn: StrictBool
    MarketingInterests: list[Interest]


class RecordError(BaseModel):
    field: str
    message: str


class Rejected(BaseModel):
    index: int
    errors: list[RecordError]


class Summary(BaseModel):
    """The execution's output."""

    received: int
    valid: int
    rejected: list[Rejected]
    duplicates_removed: int
    stored: int
    opted_out: int


class StoredInterests(BaseModel):
    """A stored item as returned. Items the original pipeline (brief 000) or another tool wrote may lack
    `updated_at` or `Name` (null then) or hold the interests as a string set."""

    Email: str
    Name: str | None = Field(default=None, description="null for items written without it")
    MarketingInterests: list[str] = Field(default_factory=list)
    updated_at: str | None = Field(default=None, description="null for items written without it")


class ExecutionRequest(BaseModel):
    """The brief's StartExecution pass-through body."""

    model_config = ConfigDict(extra="forbid")

    input: StrictStr = Field(description="The batch: a JSON array of records, as a string")
    stateMachineArn: StrictStr | None = Field(
        default=None, description="Optional; must be this stack's machine"
    )


class ExecutionStarted(BaseModel):
    executionArn: str
    startDate: str


class PreferencesAccepted(BaseModel):
    executionArn: str
    executionName: str


class ExecutionStatus(BaseModel):
    status: str
    output: Any = None
    error: Any = Field(default=None, description="The error and cause of a failed execution")
    step: str | None = Field(default=None, description="The state a running execution is in")
