"""Models of the ids service (SPEC §1.1)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,128}$"
_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))


def _valid_id(value: str) -> str:
    if not _ID.fullmatch(value):  # the whole value: `$` alone also matches before a final newline
        raise PydanticCustomError(
            "invalid_value", "must be 1 to 128 characters, each a letter, a digit or one of _ . : @ -"
        )
    return value


CustomerId = Annotated[
    str,
    AfterValidator(_valid_id),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 128, "pattern": ID_PATTERN}),
]


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


# ---------------------------------------------------------------- the workflow (customers-workflow)
EXECUTION_NAME_PATTERN = r"^[A-Za-z0-9_.@+=-]{1,80}$"

WorkflowResultName = Literal["Inserted", "AlreadyExists"]


class WorkflowSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: CustomerId


class WorkflowStarted(BaseModel):
    executionArn: str
    executionName: str
    id: str


class ExecutionError(BaseModel):
    error: str
    cause: str | None = None


class WorkflowExecution(BaseModel):
    status: Literal["RUNNING", "SUCCEEDED", "FAILED"]
    id: str | None
    result: WorkflowResultName | None
    error: ExecutionError | None


Trigger = Literal["CustomerCreated"]
"""How a run was started when not by POST /workflow/submit: the CustomerCreated rule's target adds
`"trigger": "CustomerCreated"` to the run's input (template.yaml, InputTransformer)."""


class StepInput(BaseModel):
    """What each task of the workflow receives: the execution input, or the previous task's output."""

    id: CustomerId
    trigger: Trigger | None = None


class Existence(BaseModel):
    """ValidateExists' output, InsertId's input: the trigger travels on with the id."""

    id: str
    exists: bool
    trigger: Trigger | None = None


class WorkflowResult(BaseModel):
    id: str
    result: WorkflowResultName
